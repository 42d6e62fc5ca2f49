//! The reference txn node (levels 6a–6c) on stdin/stdout.
fn main() -> anyhow::Result<()> {
    common::run::<txn::TxnNode>()
}
