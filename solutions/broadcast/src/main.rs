//! The reference broadcast node on stdin/stdout: one binary for levels 3a–3e.
fn main() -> anyhow::Result<()> {
    common::run::<broadcast::BroadcastNode>()
}
