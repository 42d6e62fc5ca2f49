//! Reads everything and answers nothing, not even init.
use test_nodes::serve;

pub fn run() {
    serve(|_, msg| eprintln!("got {} and said nothing", msg.kind()));
}
