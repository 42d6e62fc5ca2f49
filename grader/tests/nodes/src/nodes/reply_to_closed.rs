//! Answers init, then answers its first echo to the init client, which is closed by then.
use test_nodes::{send, serve};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            let mut body = msg.reply("echo_ok");
            body["echo"] = msg.body["echo"].clone();
            send(&node.id, &node.init_client, body);
        }
        _ => {}
    });
}
