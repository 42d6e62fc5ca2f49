//! The tests that judge level 4, for your node (`cargo test -p g-counter`) and for the reference
//! solution alike: both run this file against the snapshots in `tests/snapshots/`.
//!
//! The cluster's `seq-kv` is *maximally stale* here ([`SeqKv::Stale`]): every request is answered
//! from the oldest state Maelstrom would allow for the node that asks. Maelstrom picks a state at
//! random, so a counter that trusts `seq-kv` reads to be fresh fails there once in a while; here it
//! fails every time.
//!
//! The snapshots record only what clients see — which adds were acknowledged, what each node reads
//! after things settle, and the total those reads must equal — never the messages your node
//! exchanges with `seq-kv`, which are yours to design.

use std::time::Duration;

use common::testing::{Cluster, Op, SeqKv};
use g_counter::GCounterNode;
use serde_json::{json, Value};

/// Long enough for any sensible node to finish its writes and catch up, at 10 ms per hop.
const SETTLE: Duration = Duration::from_secs(5);

fn stale_cluster() -> Cluster<GCounterNode> {
    let mut cluster = Cluster::new(3)
        .with_latency(Duration::from_millis(10))
        .with_seq_kv(SeqKv::Stale);
    cluster.init();
    cluster
}

fn kind(reply: Option<&Value>) -> String {
    match reply {
        None => "no reply".into(),
        Some(reply) => reply
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("reply without a type")
            .to_string(),
    }
}

/// Sends every `(node, delta)` add at once, lets them finish, and describes the outcome; returns
/// the description and the sum of the acknowledged deltas.
fn add_all(cluster: &mut Cluster<GCounterNode>, adds: &[(&str, u64)]) -> (String, u64) {
    let ops: Vec<(Op, &str, u64)> = adds
        .iter()
        .map(|&(node, delta)| {
            let op = cluster.send(node, json!({ "type": "add", "delta": delta }));
            (op, node, delta)
        })
        .collect();
    cluster.advance(SETTLE);
    let mut report = String::new();
    let mut acknowledged = 0;
    for (op, node, delta) in &ops {
        let outcome = kind(cluster.reply(op));
        if outcome == "add_ok" {
            acknowledged += delta;
        }
        report += &format!("add {delta} on {node}: {outcome}\n");
    }
    (report, acknowledged)
}

/// Every node reads once; each read should be `expected`.
fn read_everywhere(cluster: &mut Cluster<GCounterNode>, expected: u64) -> String {
    let mut report = format!("acknowledged total: {expected}\n");
    for node in cluster.node_ids().to_vec() {
        let reply = cluster.request(&node, json!({ "type": "read" }));
        let line = match reply.get("value") {
            Some(value) if kind(Some(&reply)) == "read_ok" => {
                let verdict = if value.as_u64() == Some(expected) {
                    "exact"
                } else {
                    "WRONG"
                };
                format!("{node} reads {value} ({verdict})")
            }
            _ => format!("{node} answers {}", kind(Some(&reply))),
        };
        report += &line;
        report.push('\n');
    }
    report
}

#[test]
fn level_4_every_node_reads_the_total_of_adds_made_one_at_a_time() {
    let mut cluster = stale_cluster();
    let mut report = String::new();
    let mut total = 0;
    for (node, delta) in [("n0", 3), ("n1", 4), ("n2", 1), ("n0", 2), ("n1", 0)] {
        let (line, acknowledged) = add_all(&mut cluster, &[(node, delta)]);
        report += &line;
        total += acknowledged;
    }
    report += &read_everywhere(&mut cluster, total);
    common::assert_course_snapshot!("sequential_adds", report);
}

#[test]
fn level_4_concurrent_adds_on_every_node_are_all_counted() {
    let mut cluster = stale_cluster();
    let adds: Vec<(&str, u64)> = (0..30u64)
        .map(|i| (["n0", "n1", "n2"][(i % 3) as usize], i % 5))
        .collect();
    let (mut report, total) = add_all(&mut cluster, &adds);
    report += &read_everywhere(&mut cluster, total);
    // Reading again changes nothing.
    report += &read_everywhere(&mut cluster, total);
    common::assert_course_snapshot!("concurrent_adds", report);
}

#[test]
fn level_4_adds_made_during_a_partition_are_counted_after_the_heal() {
    let mut cluster = stale_cluster();
    cluster.partition(&[&["n0"], &["n1", "n2"]]);
    let (mut report, total) = add_all(&mut cluster, &[("n0", 4), ("n1", 2), ("n2", 3), ("n0", 1)]);
    cluster.heal();
    cluster.advance(SETTLE);
    report += &read_everywhere(&mut cluster, total);
    common::assert_course_snapshot!("partitioned_adds", report);
}

/// Stdout is the wire: the real executable, over a short scripted exchange, prints nothing but
/// protocol messages (log with `eprintln!`; a stray `println!` fails the grader).
#[test]
fn level_4_prints_only_messages_on_stdout() {
    common::assert_stdout_is_the_wire!(
        3,
        [json!({"type": "add", "delta": 3}), json!({"type": "read"})]
    );
}
