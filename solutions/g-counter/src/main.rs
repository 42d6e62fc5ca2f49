//! The reference grow-only counter on stdin/stdout.
fn main() -> anyhow::Result<()> {
    common::run::<g_counter::GCounterNode>()
}
