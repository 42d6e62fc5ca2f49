//! Answers init, then prints a debug line on stdout at its first echo: the classic mistake.
use test_nodes::{send, serve};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            println!("hello");
            let mut body = msg.reply("echo_ok");
            body["echo"] = msg.body["echo"].clone();
            send(&node.id, &msg.src, body);
        }
        _ => {}
    });
}
