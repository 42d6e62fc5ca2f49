//! Answers every echo twice: the second reply must be named, whatever its timing.
use test_nodes::{echo_ok, serve};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            echo_ok(node, &msg);
            echo_ok(node, &msg);
        }
        _ => {}
    });
}
