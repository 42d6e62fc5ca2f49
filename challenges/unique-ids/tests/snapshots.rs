//! The tests that judge level 2, for your node (`cargo test -p unique-ids`) and for the reference
//! solution alike: both run this file against the snapshots in `tests/snapshots/`.
//!
//! Ids may be anything unique, so the snapshots record what must hold of them — every request
//! acknowledged, no duplicates, one comparable kind, replies shaped as Maelstrom's schema demands —
//! rather than the ids themselves.

use std::collections::{BTreeMap, HashSet};

use common::testing::Cluster;
use serde_json::{json, Value};
use unique_ids::UniqueIdsNode;

const REQUESTS: usize = 1000;

/// Asks `cluster` for `REQUESTS` ids, round-robin over its nodes, and describes what came back.
fn generate_and_describe(cluster: &mut Cluster<UniqueIdsNode>) -> String {
    let nodes = cluster.node_ids().to_vec();
    let mut reply_types: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = Vec::new();
    let mut malformed = Vec::new();
    for i in 0..REQUESTS {
        let reply = cluster.request(&nodes[i % nodes.len()], json!({ "type": "generate" }));
        let kind = reply
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("no reply")
            .to_string();
        *reply_types.entry(kind.clone()).or_default() += 1;
        if kind == "generate_ok" {
            let extra: Vec<&String> = reply
                .as_object()
                .into_iter()
                .flat_map(|body| body.keys())
                .filter(|key| !["type", "id", "in_reply_to", "msg_id"].contains(&key.as_str()))
                .collect();
            match reply.get("id") {
                Some(id) if extra.is_empty() => ids.push(id.clone()),
                _ => malformed.push(reply.to_string()),
            }
        }
    }
    let distinct: HashSet<String> = ids.iter().map(Value::to_string).collect();
    let all_strings = ids.iter().all(Value::is_string);
    let all_numbers = ids.iter().all(Value::is_number);
    let mut report = format!("requests: {REQUESTS}\n");
    for (kind, count) in &reply_types {
        report += &format!("replies of type {kind}: {count}\n");
    }
    report += &format!(
        "generate_ok replies without an id, or with extra fields: {}\n",
        malformed.len()
    );
    for example in malformed.iter().take(3) {
        report += &format!("  e.g. {example}\n");
    }
    report += &format!("distinct ids: {}\n", distinct.len());
    report += &format!("duplicated ids: {}\n", ids.len() - distinct.len());
    report += &format!(
        "ids all of one comparable kind (strings or numbers): {}\n",
        all_strings || all_numbers
    );
    report
}

#[test]
fn level_2_ids_are_unique_across_three_healthy_nodes() {
    let mut cluster = Cluster::<UniqueIdsNode>::start(3);
    common::assert_course_snapshot!("healthy", generate_and_describe(&mut cluster));
}

#[test]
fn level_2_ids_are_unique_and_available_when_every_node_is_cut_off() {
    let mut cluster =
        Cluster::<UniqueIdsNode>::start(3).with_latency(std::time::Duration::from_millis(5));
    cluster.partition(&[&["n0"], &["n1"], &["n2"]]);
    common::assert_course_snapshot!("partitioned", generate_and_describe(&mut cluster));
}

/// Stdout is the wire: the real executable, over a short scripted exchange, prints nothing but
/// protocol messages (log with `eprintln!`; a stray `println!` fails the grader).
#[test]
fn level_2_prints_only_messages_on_stdout() {
    common::assert_stdout_is_the_wire!(
        3,
        [json!({"type": "generate"}), json!({"type": "generate"})]
    );
}
