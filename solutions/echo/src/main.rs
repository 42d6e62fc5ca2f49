//! The reference echo node on stdin/stdout.
fn main() -> anyhow::Result<()> {
    common::run::<echo::EchoNode>()
}
