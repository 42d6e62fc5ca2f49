//! A correct echo node.
use test_nodes::{send, serve};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            let mut body = msg.reply("echo_ok");
            body["echo"] = msg.body["echo"].clone();
            send(&node.id, &msg.src, body);
        }
        _ => {}
    });
}
