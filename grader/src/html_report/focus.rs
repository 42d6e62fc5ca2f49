//! Where the story of a run is: the first failing evidence, as history entries and as values to
//! look for in message bodies.
//!
//! The report is a pure function of the run folder, so the evidence is found again from the
//! history with the same analyses the checkers ran (for a Maelstrom run, the same analyses its
//! checkers are faithful to). The verdict decides *which* check failed; the analysis says which
//! value was lost, which ids were handed out twice, which transactions form the cycle.

use serde_json::Value as Json;

use crate::checkers::{kafka, set_full, txn, unique_ids};
use crate::history::{History, Op, OpType};
use crate::options::Workload;
use crate::value::Value;
use crate::verdict::{Validity, Verdict};

/// What the report centres on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Focus {
    /// One sentence for the page and the terminal: what the window shows.
    pub title: String,
    /// Values whose presence in a message body makes the message part of the story.
    pub values: Vec<Json>,
    /// When set, a message must also carry this (a kafka key) to be part of the story.
    pub key: Option<Json>,
    /// Positions in `history.ops` of the invocations in the story, the most telling first.
    pub ops: Vec<usize>,
    /// Position of the op to mark as the failure, when one op is to blame.
    pub failing_op: Option<usize>,
    /// Whether this is the evidence of a failure (a passing run gets a sample instead).
    pub failure: bool,
}

/// How many ops a focus names at most (a cycle or the reads that missed a value).
const MAX_OPS: usize = 8;

/// The workload a history comes from, read off its op functions (for a run whose level is not
/// known).
pub fn infer_workload(history: &History) -> Option<Workload> {
    history.client_ops().find_map(|op| {
        Some(match op.f.as_str() {
            "echo" => Workload::Echo,
            "generate" => Workload::UniqueIds,
            "broadcast" => Workload::Broadcast,
            "add" => Workload::GCounter,
            "send" | "poll" | "assign" => Workload::Kafka,
            "txn" => Workload::TxnRwRegister,
            _ => return None,
        })
    })
}

/// Finds the focus of a run: the first failing evidence, or a sample of a passing run.
pub fn find(
    verdict: &Verdict,
    history: &History,
    workload: Option<Workload>,
    consistency_models: &[String],
) -> Focus {
    let workload_failed = verdict
        .check("workload")
        .is_some_and(|c| c.validity != Validity::Valid);
    let found = match (workload_failed, workload) {
        (true, Some(Workload::Broadcast)) => lost_value(history),
        (true, Some(Workload::UniqueIds)) => duplicate_id(history),
        (true, Some(Workload::TxnRwRegister)) => txn_cycle(history, consistency_models),
        (true, Some(Workload::Kafka)) => kafka_anomaly(history),
        _ => None,
    };
    if let Some(f) = found {
        return f;
    }
    if !verdict.passed() {
        if let Some(f) = first_bad_op(history) {
            return f;
        }
    }
    sample(history, workload)
}

/// Positions of every invocation whose op matches, in history order.
fn invocations<'a>(
    history: &'a History,
    matches: impl Fn(&Op) -> bool + 'a,
) -> impl Iterator<Item = usize> + 'a {
    history
        .ops
        .iter()
        .enumerate()
        .filter(move |(_, op)| op.is_client() && op.kind == OpType::Invoke && matches(op))
        .map(|(i, _)| i)
}

/// The invocation of the op whose completion sits at `position`.
fn invocation_of(history: &History, position: usize) -> usize {
    let done = &history.ops[position];
    if done.kind == OpType::Invoke {
        return position;
    }
    history.ops[..position]
        .iter()
        .rposition(|op| op.process == done.process && op.kind == OpType::Invoke)
        .unwrap_or(position)
}

fn lost_value(history: &History) -> Option<Focus> {
    let r = set_full::analyze(history);
    let lost = r.lost.first()?;
    let element = r.elements.iter().find(|e| &e.element == lost)?;
    let mut ops: Vec<usize> = invocations(history, |op| op.f == "broadcast" && &op.value == lost)
        .take(1)
        .collect();
    let missed = element.last_absent.map(|o| o.position);
    // The reads that missed it: the latest one the checker names, then the final reads.
    let pairs = history.pairs();
    let final_misses = pairs.iter().filter_map(|(inv, done)| {
        let done = done.filter(|d| d.kind == OpType::Ok && d.f == "read" && d.final_read)?;
        let has = done.value.as_slice()?.contains(lost);
        (!has).then_some(inv.index)
    });
    let positions: Vec<usize> = history.ops.iter().map(|o| o.index).collect();
    let by_index = |index: usize| positions.iter().position(|i| *i == index);
    for p in missed.into_iter().chain(final_misses.filter_map(by_index)) {
        if !ops.contains(&p) && ops.len() < MAX_OPS {
            ops.push(p);
        }
    }
    Some(Focus {
        title: format!(
            "value {lost} was lost: the broadcast that introduced it, the messages that carried \
             it, and the reads that missed it"
        ),
        values: vec![lost.to_json()],
        key: None,
        failing_op: missed.or(ops.get(1).copied()),
        ops,
        failure: true,
    })
}

fn duplicate_id(history: &History) -> Option<Focus> {
    let r = unique_ids::analyze(history);
    let (id, times) = r.duplicated.first()?;
    let ops: Vec<usize> = history
        .ops
        .iter()
        .enumerate()
        .filter(|(_, op)| op.kind == OpType::Ok && op.f == "generate" && &op.value == id)
        .map(|(i, _)| invocation_of(history, i))
        .take(MAX_OPS)
        .collect();
    Some(Focus {
        title: format!("id {id} was handed out {times} times: the requests that generated it"),
        values: vec![id.to_json()],
        key: None,
        failing_op: ops.get(1).copied(),
        ops,
        failure: true,
    })
}

fn txn_cycle(history: &History, models: &[String]) -> Option<Focus> {
    let r = txn::analyze(history, models);
    let anomaly = r.anomalies.first()?;
    let positions = positions_of(history, anomaly.txns.iter().map(|t| t.index));
    let ops: Vec<usize> = positions
        .into_iter()
        .map(|p| invocation_of(history, p))
        .take(MAX_OPS)
        .collect();
    Some(Focus {
        title: format!(
            "{} ({}): the transactions involved",
            anomaly.kind, anomaly.explanation
        ),
        values: Vec::new(),
        key: None,
        failing_op: ops.first().copied(),
        ops,
        failure: true,
    })
}

fn kafka_anomaly(history: &History) -> Option<Focus> {
    let r = kafka::analyze(history);
    let anomaly = r
        .anomalies
        .iter()
        .find(|(kind, cases)| !kind.allowed() && !cases.is_empty())
        .and_then(|(_, cases)| cases.first())?;
    let mut ops: Vec<usize> = positions_of(history, anomaly.ops.iter().map(|o| o.index))
        .into_iter()
        .map(|p| invocation_of(history, p))
        .take(MAX_OPS)
        .collect();
    // The sends that wrote those messages to that key, then the polls that returned them.
    if let Some(k) = &anomaly.key {
        for f in ["send", "poll"] {
            for (i, op) in history.ops.iter().enumerate() {
                if ops.len() >= MAX_OPS {
                    break;
                }
                let involved = op.kind == OpType::Ok
                    && op.f == f
                    && mentions(&op.value, k, 0)
                    && anomaly.values.iter().any(|v| mentions(&op.value, v, 0));
                let inv = invocation_of(history, i);
                if involved && !ops.contains(&inv) {
                    ops.push(inv);
                }
            }
        }
    }
    let key = anomaly
        .key
        .as_ref()
        .map(|k| format!(" in key {k}"))
        .unwrap_or_default();
    Some(Focus {
        title: format!(
            "{}{key}: {} — the sends and polls involved",
            anomaly.kind, anomaly.explanation
        ),
        values: anomaly.values.iter().map(Value::to_json).collect(),
        key: anomaly.key.as_ref().map(Value::to_json),
        failing_op: ops.last().copied(),
        ops,
        failure: true,
    })
}

/// Whether `value` holds `needle` anywhere (bounded depth: values come from nodes).
fn mentions(value: &Value, needle: &Value, depth: usize) -> bool {
    if value == needle {
        return true;
    }
    if depth > 8 {
        return false;
    }
    match value {
        Value::Vec(items) | Value::Set(items) => {
            items.iter().any(|v| mentions(v, needle, depth + 1))
        }
        Value::Map(entries) => entries
            .iter()
            .any(|(k, v)| mentions(k, needle, depth + 1) || mentions(v, needle, depth + 1)),
        _ => false,
    }
}

/// History positions of the entries with these `:index`es.
fn positions_of(history: &History, indexes: impl Iterator<Item = usize>) -> Vec<usize> {
    let wanted: Vec<usize> = indexes.collect();
    let mut found: Vec<usize> = wanted
        .iter()
        .filter_map(|w| history.ops.iter().position(|op| op.index == *w))
        .collect();
    found.dedup();
    found
}

/// A run that failed for another reason (a failed echo, a bad counter read, timeouts): the
/// first op that did not end `:ok`.
fn first_bad_op(history: &History) -> Option<Focus> {
    let pairs = history.pairs();
    let positions: Vec<usize> = history.ops.iter().map(|o| o.index).collect();
    let (inv, done) = pairs
        .iter()
        .find(|(_, done)| done.is_some_and(|d| d.kind != OpType::Ok))?;
    let p = positions.iter().position(|i| *i == inv.index)?;
    let how = done.map_or("never completed", |d| d.kind.keyword());
    Some(Focus {
        title: format!(
            "the first {} that did not succeed ({how}), by process {}",
            inv.f, inv.process
        ),
        values: Vec::new(),
        key: None,
        ops: vec![p],
        failing_op: Some(p),
        failure: true,
    })
}

/// A passing run: one op's journey (for broadcast, the first value's), as an example of
/// what the diagram shows.
fn sample(history: &History, workload: Option<Workload>) -> Focus {
    let broadcast = invocations(history, |op| op.f == "broadcast").next();
    if let (Some(Workload::Broadcast), Some(p)) = (workload, broadcast) {
        let value = &history.ops[p].value;
        return Focus {
            title: format!("a sample: how value {value} reached the nodes"),
            values: vec![value.to_json()],
            key: None,
            ops: vec![p],
            failing_op: None,
            failure: false,
        };
    }
    let ops: Vec<usize> = invocations(history, |_| true).take(4).collect();
    Focus {
        title: "a sample: the first operations of the run".into(),
        values: Vec::new(),
        key: None,
        ops,
        failing_op: None,
        failure: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::{history, ints};
    use crate::history::OpType::*;
    use crate::verdict::{Check, EngineName};

    fn failing(name: &str) -> Verdict {
        Verdict::new(
            "3b",
            EngineName::Builtin,
            vec![Check::invalid(name, "something was wrong")],
        )
    }

    #[test]
    fn a_lost_value_brings_its_broadcast_and_the_reads_that_missed_it() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(7)),
            (1, Ok, 0, "broadcast", Value::Int(7)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Ok, 1, "read", ints(&[7])),
            (4, Invoke, 1, "read", Value::Nil),
            (5, Ok, 1, "read", ints(&[])),
        ]);
        let f = find(&failing("workload"), &h, infer_workload(&h), &[]);
        assert!(f.failure);
        assert_eq!(f.values, vec![serde_json::json!(7)]);
        assert_eq!(f.ops[0], 0, "the broadcast first");
        assert_eq!(f.failing_op, Some(4), "the read that missed it");
        assert!(f.title.contains("value 7 was lost"), "{}", f.title);
    }

    #[test]
    fn a_duplicate_id_brings_both_requests() {
        let h = history(&[
            (0, Invoke, 0, "generate", Value::Nil),
            (1, Ok, 0, "generate", Value::Int(5)),
            (2, Invoke, 1, "generate", Value::Nil),
            (3, Ok, 1, "generate", Value::Int(5)),
        ]);
        let f = find(&failing("workload"), &h, infer_workload(&h), &[]);
        assert_eq!(f.ops, vec![0, 2]);
        assert!(f.title.contains("id 5"), "{}", f.title);
    }

    #[test]
    fn a_txn_cycle_brings_its_transactions() {
        use crate::checkers::txn::synth::{self, Injection, SynthOptions};
        let h = synth::history(&SynthOptions {
            txns: 200,
            inject: Some(Injection::G1c),
            ..SynthOptions::default()
        });
        let models = vec!["read-committed".to_owned()];
        let v = Verdict::new(
            "6c",
            EngineName::Builtin,
            vec![Check::invalid("workload", "G1c")],
        );
        let f = find(&v, &h, infer_workload(&h), &models);
        assert!(f.failure);
        assert!(f.title.contains("G1c"), "{}", f.title);
        assert!(f.ops.len() >= 2, "{f:?}");
        assert!(f
            .ops
            .iter()
            .all(|p| h.ops[*p].kind == OpType::Invoke && h.ops[*p].f == "txn"));
    }

    #[test]
    fn a_passing_run_gets_a_sample_not_a_failure() {
        let h = history(&[
            (0, Invoke, 0, "echo", Value::from("x")),
            (1, Ok, 0, "echo", Value::from("x")),
        ]);
        let pass = Verdict::new("1", EngineName::Builtin, vec![]);
        let f = find(&pass, &h, infer_workload(&h), &[]);
        assert!(!f.failure);
        assert_eq!(f.ops, vec![0]);
    }
}
