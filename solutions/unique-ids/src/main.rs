//! The reference unique-id node on stdin/stdout.
fn main() -> anyhow::Result<()> {
    common::run::<unique_ids::UniqueIdsNode>()
}
