//! The `unique-ids` binary Maelstrom runs: the node in `lib.rs` on stdin/stdout.
fn main() -> anyhow::Result<()> {
    common::run::<unique_ids::UniqueIdsNode>()
}
