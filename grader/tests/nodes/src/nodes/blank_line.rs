//! A correct echo node, except that it prints an empty line after each reply (println! of text
//! that already ended in a newline).
use serde_json::json;
use test_nodes::{serve, Msg};

fn reply(from: &str, to: &Msg, body: serde_json::Value) {
    let line = json!({"src": from, "dest": to.src, "body": body});
    println!("{line}\n");
}

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            let mut body = msg.reply("echo_ok");
            body["echo"] = msg.body["echo"].clone();
            reply(&node.id, &msg, body);
        }
        _ => {}
    });
}
