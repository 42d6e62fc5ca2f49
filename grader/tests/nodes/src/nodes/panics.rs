//! Answers init, then panics at its first echo.
use test_nodes::serve;

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => panic!("echo is not implemented yet"),
        _ => {}
    });
}
