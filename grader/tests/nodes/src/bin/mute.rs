//! Reads everything and answers nothing, not even init.
use test_nodes::serve;

fn main() {
    serve(|_, msg| eprintln!("got {} and said nothing", msg.kind()));
}
