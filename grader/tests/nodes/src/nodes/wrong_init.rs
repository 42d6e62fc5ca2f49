//! Answers init with a misspelt type.
use test_nodes::{send, serve};

pub fn run() {
    serve(|node, msg| {
        if msg.kind() == "init" {
            send(&node.id, &msg.src, msg.reply("initok"));
        }
    });
}
