//! The `broadcast` binary Maelstrom runs: the node in `lib.rs` on stdin/stdout.
fn main() -> anyhow::Result<()> {
    common::run::<broadcast::BroadcastNode>()
}
