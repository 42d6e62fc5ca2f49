//! Answers echo with the src of another node (run with two nodes): Maelstrom delivers it, the
//! course diagnoses it.
use test_nodes::{send, serve};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            let other = node
                .ids
                .iter()
                .find(|i| **i != node.id)
                .unwrap_or(&node.id)
                .clone();
            let mut body = msg.reply("echo_ok");
            body["echo"] = msg.body["echo"].clone();
            send(&other, &msg.src, body);
        }
        _ => {}
    });
}
