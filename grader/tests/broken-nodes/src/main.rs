//! Nodes that are wrong on purpose: the grader's end-to-end tests prove that it fails each of them,
//! for its reason. Every file in `src/nodes/` is one node, named after its mistake.
//!
//! They are one executable that runs the node it is called by, as busybox does: the tests link
//! it under each node's name (`echo-wrong-text`, …) and grade that path. Twelve executables were
//! twelve links against tokio and serde, and building them took 25 s of CPU in every fresh
//! clone's test run; one takes 10 s. `broken-nodes --list` prints the names.

mod nodes {
    pub mod broadcast_floods;
    pub mod broadcast_gossips_once;
    pub mod broadcast_never_gossips;
    pub mod counter_blind_write;
    pub mod counter_fails_final_reads;
    pub mod echo_wrong_text;
    pub mod ids_collide_across_nodes;
    pub mod kafka_lin_kv_naive;
    pub mod kafka_uncoordinated_offsets;
    pub mod txn_dirty_reads;
    pub mod txn_drops_ops;
    pub mod txn_interleaved_writes;
}
use nodes::*;

/// A node's `main`.
type Run = fn() -> anyhow::Result<()>;

/// Every node, by the name it is called by.
const NODES: &[(&str, Run)] = &[
    ("broadcast-floods", broadcast_floods::run),
    ("broadcast-gossips-once", broadcast_gossips_once::run),
    ("broadcast-never-gossips", broadcast_never_gossips::run),
    ("counter-blind-write", counter_blind_write::run),
    ("counter-fails-final-reads", counter_fails_final_reads::run),
    ("echo-wrong-text", echo_wrong_text::run),
    ("ids-collide-across-nodes", ids_collide_across_nodes::run),
    ("kafka-lin-kv-naive", kafka_lin_kv_naive::run),
    (
        "kafka-uncoordinated-offsets",
        kafka_uncoordinated_offsets::run,
    ),
    ("txn-dirty-reads", txn_dirty_reads::run),
    ("txn-drops-ops", txn_drops_ops::run),
    ("txn-interleaved-writes", txn_interleaved_writes::run),
];

fn main() -> anyhow::Result<()> {
    let called = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&called)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy();
    if let Some((_, run)) = NODES.iter().find(|(node, _)| *node == name) {
        return run();
    }
    if std::env::args().nth(1).as_deref() == Some("--list") {
        NODES.iter().for_each(|(node, _)| println!("{node}"));
        return Ok(());
    }
    anyhow::bail!(
        "called as {name}, which names no broken node: link this executable under one of the names \
         `--list` prints"
    )
}
