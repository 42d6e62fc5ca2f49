//! Answers init, then nothing: every operation times out. A node that fails on availability
//! alone — the one kind of failure a stalled machine could also cause.
use test_nodes::serve;

pub fn run() {
    serve(|node, msg| {
        if msg.kind() == "init" {
            node.init_ok(&msg);
        }
    });
}
