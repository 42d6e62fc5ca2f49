//! The tests that judge levels 5a–5c, for your node (`cargo test -p kafka`) and for the reference
//! solution alike: both run this file against the snapshots in `tests/snapshots/`.
//!
//! Offsets may start anywhere and need not be dense, and how your nodes talk to each other is
//! yours to design, so the snapshots record what clients can rely on rather than raw messages:
//! offsets that only grow, polls that return exactly the messages from the offset asked for,
//! committed offsets that come back, two nodes that agree, and (for 5c) whether the server
//! messages per operation stay within the course's budget.
//!
//! One test per level: `level_5a_single_node_log`, `level_5b_two_nodes_share_one_log` and
//! `level_5c_mixed_workload_within_the_budget` (`cargo test -p kafka level_5b` runs one).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::testing::Cluster;
use kafka::KafkaNode;
use serde_json::{json, Value};

/// Long enough for any sensible pair of nodes to catch up, at 10 ms per hop.
const SETTLE: Duration = Duration::from_secs(2);

/// The course's 5c budget: server messages (node↔node, node↔service) per client operation.
const MSGS_PER_OP_BUDGET: f64 = 2.0;

fn yes(condition: bool) -> &'static str {
    if condition {
        "yes"
    } else {
        "NO"
    }
}

fn kind(reply: &Value) -> &str {
    reply
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("no reply")
}

/// Sends `msg` to `key` through `node`; the offset, or a description of what came back instead.
fn send(cluster: &mut Cluster<KafkaNode>, node: &str, key: &str, msg: i64) -> Result<u64, String> {
    let reply = cluster.request(node, json!({ "type": "send", "key": key, "msg": msg }));
    match reply.get("offset").and_then(Value::as_u64) {
        Some(offset) if kind(&reply) == "send_ok" => Ok(offset),
        _ => Err(format!("send of {msg} to {key} on {node} answered {reply}")),
    }
}

/// Polls `offsets` on `node`: for each key, the `[offset, msg]` pairs returned.
fn poll(
    cluster: &mut Cluster<KafkaNode>,
    node: &str,
    offsets: &BTreeMap<String, u64>,
) -> Result<BTreeMap<String, Vec<(u64, i64)>>, String> {
    let reply = cluster.request(node, json!({ "type": "poll", "offsets": offsets }));
    if kind(&reply) != "poll_ok" {
        return Err(format!("poll on {node} answered {reply}"));
    }
    let msgs: BTreeMap<String, Vec<(u64, i64)>> = reply
        .get("msgs")
        .cloned()
        .and_then(|msgs| serde_json::from_value(msgs).ok())
        .ok_or_else(|| {
            format!("poll on {node}: msgs is not {{key: [[offset, msg], …]}}: {reply}")
        })?;
    Ok(msgs)
}

fn only_messages(pairs: &[(u64, i64)]) -> Vec<i64> {
    pairs.iter().map(|&(_, msg)| msg).collect()
}

fn strictly_increasing(offsets: &[u64]) -> bool {
    offsets.windows(2).all(|w| w[0] < w[1])
}

fn single_node_report(cluster: &mut Cluster<KafkaNode>) -> Result<String, String> {
    let mut report = String::new();
    let mut sent: BTreeMap<&str, Vec<(u64, i64)>> = BTreeMap::new();
    for (i, key) in ["9", "3", "9", "9", "3", "9"].into_iter().enumerate() {
        let msg = 100 + i as i64;
        let offset = send(cluster, "n0", key, msg)?;
        sent.entry(key).or_default().push((offset, msg));
    }
    for (key, pairs) in &sent {
        let offsets: Vec<u64> = pairs.iter().map(|p| p.0).collect();
        report += &format!(
            "key {key}: sent {:?}, offsets strictly increasing: {}\n",
            only_messages(pairs),
            yes(strictly_increasing(&offsets))
        );
    }

    // From each key's first offset: everything, in order, at the offsets the sends were given.
    let from_first: BTreeMap<String, u64> = sent
        .iter()
        .map(|(key, pairs)| (key.to_string(), pairs[0].0))
        .collect();
    let polled = poll(cluster, "n0", &from_first)?;
    for (key, pairs) in &sent {
        let got = polled.get(*key).cloned().unwrap_or_default();
        report += &format!(
            "poll key {key} from its first offset: {:?}, at the offsets sends got: {}\n",
            only_messages(&got),
            yes(got == *pairs)
        );
    }
    // From the third message's offset of key 9: the third message on.
    let third = sent["9"][2].0;
    let polled = poll(cluster, "n0", &BTreeMap::from([("9".to_string(), third)]))?;
    report += &format!(
        "poll key 9 from its third message's offset: {:?}\n",
        only_messages(polled.get("9").map(Vec::as_slice).unwrap_or(&[]))
    );
    // Past the end, and a key nobody sent to: nothing.
    let past_end = sent["9"].last().expect("sent").0 + 1;
    let polled = poll(
        cluster,
        "n0",
        &BTreeMap::from([("9".to_string(), past_end), ("42".to_string(), 0)]),
    )?;
    let returned: usize = polled.values().map(Vec::len).sum();
    report += &format!("poll past the end of key 9 and of unknown key 42: {returned} messages\n");

    // Committed offsets come back.
    let commit =
        json!({ "type": "commit_offsets", "offsets": { "9": third, "3": sent["3"][0].0 } });
    let reply = cluster.request("n0", commit);
    report += &format!("commit_offsets: {}\n", kind(&reply));
    let listed = cluster.request(
        "n0",
        json!({ "type": "list_committed_offsets", "keys": ["9", "3"] }),
    );
    let offsets = listed.get("offsets").cloned().unwrap_or(Value::Null);
    report += &format!(
        "list_committed_offsets: {}, key 9 at the committed offset: {}, key 3: {}\n",
        kind(&listed),
        yes(offsets.get("9").and_then(Value::as_u64) == Some(third)),
        yes(offsets.get("3").and_then(Value::as_u64) == Some(sent["3"][0].0)),
    );
    Ok(report)
}

#[test]
fn level_5a_single_node_log() {
    let mut cluster = Cluster::<KafkaNode>::start(1);
    let report = single_node_report(&mut cluster).unwrap_or_else(|e| format!("FAILED: {e}\n"));
    common::assert_course_snapshot!("single_node", report);
}

fn two_nodes_report(cluster: &mut Cluster<KafkaNode>) -> Result<String, String> {
    let mut report = String::new();
    let keys = ["0", "1", "2", "3"];
    let mut sent: BTreeMap<&str, Vec<(u64, i64)>> = BTreeMap::new();
    // One at a time, alternating nodes: each key's offsets must grow in send order.
    for i in 0..24 {
        let (node, key) = (["n0", "n1"][i % 2], keys[(i / 2) % keys.len()]);
        let msg = i as i64;
        let offset = send(cluster, node, key, msg)?;
        sent.entry(key).or_default().push((offset, msg));
    }
    // All at once, on both nodes: offsets must still be unique per key.
    let mut ops = Vec::new();
    for i in 24..40 {
        let (node, key) = (["n0", "n1"][i % 2], keys[i % keys.len()]);
        let op = cluster.send(node, json!({ "type": "send", "key": key, "msg": i }));
        ops.push((op, key, i as i64));
    }
    cluster.advance(SETTLE);
    let mut concurrent_acknowledged = 0;
    for (op, key, msg) in ops {
        let reply = cluster.reply(&op).cloned().unwrap_or(Value::Null);
        if let (Some(offset), "send_ok") =
            (reply.get("offset").and_then(Value::as_u64), kind(&reply))
        {
            concurrent_acknowledged += 1;
            sent.entry(key).or_default().push((offset, msg));
        }
    }
    report += &format!("concurrent sends acknowledged: {concurrent_acknowledged} of 16\n");
    for (key, pairs) in &sent {
        let sequential: Vec<u64> = pairs.iter().take(6).map(|p| p.0).collect();
        let distinct: BTreeSet<u64> = pairs.iter().map(|p| p.0).collect();
        report += &format!(
            "key {key}: one-at-a-time offsets strictly increasing across nodes: {}, all {} offsets distinct: {}\n",
            yes(strictly_increasing(&sequential)),
            pairs.len(),
            yes(distinct.len() == pairs.len()),
        );
    }

    // After settling, both nodes return each key's whole log, identical, in offset order.
    cluster.advance(SETTLE);
    let from_start: BTreeMap<String, u64> = keys.iter().map(|k| (k.to_string(), 0)).collect();
    let on_n0 = poll(cluster, "n0", &from_start)?;
    let on_n1 = poll(cluster, "n1", &from_start)?;
    for key in keys {
        let mut expected = sent.get(key).cloned().unwrap_or_default();
        expected.sort();
        let got0 = on_n0.get(key).cloned().unwrap_or_default();
        let got1 = on_n1.get(key).cloned().unwrap_or_default();
        report += &format!(
            "key {key}: n0 returns every acknowledged message at its offset: {}, n1 returns the same: {}\n",
            yes(got0 == expected),
            yes(got1 == got0),
        );
    }

    // An offset committed through one node is listed by the other once things settle.
    let committed = sent["2"][3].0;
    let reply = cluster.request(
        "n0",
        json!({ "type": "commit_offsets", "offsets": { "2": committed } }),
    );
    report += &format!("commit_offsets on n0: {}\n", kind(&reply));
    cluster.advance(SETTLE);
    let listed = cluster.request(
        "n1",
        json!({ "type": "list_committed_offsets", "keys": ["2"] }),
    );
    let listed_offset = listed.pointer("/offsets/2").and_then(Value::as_u64);
    report += &format!(
        "list_committed_offsets on n1: {}, key 2 at the offset committed on n0: {}\n",
        kind(&listed),
        yes(listed_offset == Some(committed)),
    );
    Ok(report)
}

#[test]
fn level_5b_two_nodes_share_one_log() {
    let mut cluster = Cluster::<KafkaNode>::new(2).with_latency(Duration::from_millis(10));
    cluster.init();
    let report = two_nodes_report(&mut cluster).unwrap_or_else(|e| format!("FAILED: {e}\n"));
    common::assert_course_snapshot!("two_nodes", report);
}

/// One key of one poll: the key, the offset asked for, the `[offset, msg]` pairs returned.
type PollRecord = (String, u64, Vec<(u64, i64)>);

/// A small deterministic random source (xorshift), so the workload is the same on every run.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Maelstrom-like traffic on two nodes: four clients (two per node), one operation a millisecond,
/// about half sends and half polls (each poll that returns messages followed by a commit, which
/// Maelstrom counts as part of the same operation), a few assigns with `list_committed_offsets`.
/// Checks what Jepsen's kafka checker would, and counts server messages per operation.
fn mixed_workload_report(cluster: &mut Cluster<KafkaNode>) -> Result<(String, f64), String> {
    const OPS: usize = 2000;
    const KEYS: u64 = 8;
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let nodes = ["n0", "n1"];
    // Per client: assigned keys and the next offset to poll from.
    let mut assigned: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); 4];
    let mut next_msg = 0i64;
    let mut log: BTreeMap<String, BTreeMap<u64, i64>> = BTreeMap::new();
    let mut acknowledged: Vec<(String, i64)> = Vec::new();
    let mut seen: BTreeSet<(String, i64)> = BTreeSet::new();
    let mut problems: Vec<String> = Vec::new();
    // (key, offset asked for, pairs returned) of every poll.
    let mut polls: Vec<PollRecord> = Vec::new();

    cluster.reset_stats();
    for op in 0..OPS {
        let client = op % 4;
        let node = nodes[client % 2];
        let roll = dice.below(64);
        if roll == 0 || assigned[client].is_empty() {
            let keys: Vec<String> = (0..KEYS)
                .filter(|_| dice.below(2) == 0)
                .map(|k| k.to_string())
                .collect();
            let reply = cluster.request(
                node,
                json!({ "type": "list_committed_offsets", "keys": keys }),
            );
            if kind(&reply) != "list_committed_offsets_ok" {
                problems.push(format!("list_committed_offsets answered {reply}"));
            }
            assigned[client] = keys.into_iter().map(|k| (k, 0)).collect();
        } else if roll.is_multiple_of(2) {
            let key = dice.below(KEYS).to_string();
            next_msg += 1;
            let offset = send(cluster, node, &key, next_msg)?;
            acknowledged.push((key.clone(), next_msg));
            if let Some(other) = log.entry(key.clone()).or_default().insert(offset, next_msg) {
                problems.push(format!(
                    "key {key} offset {offset} holds {other} and {next_msg}"
                ));
            }
        } else {
            let polled = poll(cluster, node, &assigned[client])?;
            let mut commit = BTreeMap::new();
            for (key, pairs) in polled {
                let Some(from) = assigned[client].get(&key).copied() else {
                    continue;
                };
                for &(offset, msg) in &pairs {
                    seen.insert((key.clone(), msg));
                    if let Some(other) = log.entry(key.clone()).or_default().insert(offset, msg) {
                        if other != msg {
                            problems
                                .push(format!("key {key} offset {offset} holds {other} and {msg}"));
                        }
                    }
                }
                if let Some(&(last, _)) = pairs.last() {
                    commit.insert(key.clone(), last);
                    assigned[client].insert(key.clone(), last + 1);
                }
                polls.push((key, from, pairs));
            }
            if !commit.is_empty() {
                let reply =
                    cluster.request(node, json!({ "type": "commit_offsets", "offsets": commit }));
                if kind(&reply) != "commit_offsets_ok" {
                    problems.push(format!("commit_offsets answered {reply}"));
                }
            }
        }
        cluster.advance(Duration::from_millis(1));
    }
    let server_msgs = cluster.stats().server_msgs;

    // Final polls from the start on both nodes, after settling: every acknowledged message shows.
    cluster.advance(SETTLE);
    let everything: BTreeMap<String, u64> = (0..KEYS).map(|k| (k.to_string(), 0)).collect();
    for node in nodes {
        for (key, pairs) in poll(cluster, node, &everything)? {
            for &(offset, msg) in &pairs {
                seen.insert((key.clone(), msg));
                log.entry(key.clone()).or_default().insert(offset, msg);
            }
            polls.push((key, 0, pairs));
        }
    }

    // Each poll must be a run of consecutive entries of the final log, starting at the first
    // offset at or after the one asked for: no skips, no going back, no reordering.
    let mut gappy_polls = 0;
    for (key, from, pairs) in &polls {
        let order: Vec<u64> = log[key].range(from..).map(|(&o, _)| o).collect();
        let got: Vec<u64> = pairs.iter().map(|p| p.0).collect();
        if !order.starts_with(&got) {
            gappy_polls += 1;
        }
    }
    let unseen = acknowledged
        .iter()
        .filter(|sent| !seen.contains(*sent))
        .count();
    let msgs_per_op = server_msgs as f64 / OPS as f64;
    let mut report = format!("operations: {OPS}\n");
    report += &format!("protocol errors: {}\n", problems.len());
    for problem in problems.iter().take(3) {
        report += &format!("  e.g. {problem}\n");
    }
    report += &format!("polls that skipped or reordered messages: {gappy_polls}\n");
    report += &format!("acknowledged sends no poll ever returned: {unseen}\n");
    report += &format!(
        "server messages per operation within the 5c budget of {MSGS_PER_OP_BUDGET:.1}: {}\n",
        yes(msgs_per_op <= MSGS_PER_OP_BUDGET)
    );
    Ok((report, msgs_per_op))
}

#[test]
fn level_5c_mixed_workload_within_the_budget() {
    let mut cluster = Cluster::<KafkaNode>::start(2);
    cluster.record(false);
    let report = match mixed_workload_report(&mut cluster) {
        Ok((report, msgs_per_op)) => {
            eprintln!("server messages per operation: {msgs_per_op:.3}");
            report
        }
        Err(e) => format!("FAILED: {e}\n"),
    };
    common::assert_course_snapshot!("mixed_workload", report);
}

/// Stdout is the wire: the real executable, over a short scripted exchange, prints nothing but
/// protocol messages (log with `eprintln!`; a stray `println!` fails the grader).
#[test]
fn level_5a_prints_only_messages_on_stdout() {
    common::assert_stdout_is_the_wire!(
        1,
        [
            json!({"type": "send", "key": "1", "msg": 12}),
            json!({"type": "poll", "offsets": {"1": 0}}),
            json!({"type": "commit_offsets", "offsets": {"1": 0}}),
            json!({"type": "list_committed_offsets", "keys": ["1"]}),
        ]
    );
}
