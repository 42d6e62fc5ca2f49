//! Answers init correctly, but every echo with in_reply_to = msg_id + 100.
use test_nodes::{send, serve};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            let mut body = msg.reply("echo_ok");
            body["echo"] = msg.body["echo"].clone();
            body["in_reply_to"] = (msg.body["msg_id"].as_u64().unwrap_or(0) + 100).into();
            send(&node.id, &msg.src, body);
        }
        _ => {}
    });
}
