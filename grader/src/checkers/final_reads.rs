//! The course's rule for level 4: every node answers a final read.
//!
//! Maelstrom's counter checker judges only the final reads that succeeded, so a node that answers
//! every final read with an error passes, and so does a run in which no final read succeeded at
//! all (spec §7.5). The course asks more: after the partitions heal and the counter has had time
//! to converge, each node must answer at least one final read, with a total the adds allow.
//! A node whose final reads all failed, or whose answers are all totals the adds do not allow, is
//! named (Maelstrom's own check also fails the second case, without saying which node).

use std::collections::BTreeMap;

use crate::checkers::{g_counter, node_of};
use crate::history::{History, OpType};
use crate::options::{TestOptions, Workload};
use crate::value::Value;
use crate::verdict::Check;

/// How a node's final reads ended.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct NodeReads {
    pub ok: usize,
    pub failed: usize,
    pub indeterminate: usize,
    /// The first error a failed or indeterminate final read carried.
    pub first_error: Option<String>,
    /// Successful final reads whose total the adds do not allow.
    pub unacceptable: Vec<Value>,
}

impl NodeReads {
    /// Whether the node answered a final read with a total the adds allow.
    pub fn converged(&self) -> bool {
        self.ok > self.unacceptable.len()
    }
}

/// Each node's final reads, in node order. Every node appears, even one that got none.
pub fn by_node(opts: &TestOptions, history: &History) -> BTreeMap<String, NodeReads> {
    let mut nodes: BTreeMap<String, NodeReads> = opts
        .nodes
        .iter()
        .map(|n| (n.clone(), NodeReads::default()))
        .collect();
    // The acceptable totals, when they can be decided (else no value is held against a node).
    let counter = g_counter::analyze(history);
    let decided = counter.undecidable.is_none();
    for op in history.client_ops() {
        if !op.final_read || op.kind == OpType::Invoke {
            continue;
        }
        let Some(node) = node_of(opts, op.process) else {
            continue;
        };
        let reads = nodes.entry(node.to_owned()).or_default();
        match op.kind {
            OpType::Ok => {
                reads.ok += 1;
                let allowed = op.value.as_int().is_some_and(|x| counter.accepts(x));
                if decided && !allowed {
                    reads.unacceptable.push(op.value.clone());
                }
            }
            OpType::Fail => reads.failed += 1,
            _ => reads.indeterminate += 1,
        }
        if op.kind != OpType::Ok && reads.first_error.is_none() {
            reads.first_error = op.error.as_ref().map(|e| {
                let text = e.as_str().map_or_else(|| e.to_string(), str::to_owned);
                let first = text.lines().next().unwrap_or("").to_owned();
                if first.chars().count() > 160 {
                    format!("{}…", first.chars().take(160).collect::<String>())
                } else {
                    first
                }
            });
        }
    }
    nodes
}

/// The check, for the g-counter workload; `None` for the others.
pub fn check(opts: &TestOptions, history: &History) -> Option<Check> {
    if opts.workload != Workload::GCounter {
        return None;
    }
    let nodes = by_node(opts, history);
    let silent: Vec<(&String, &NodeReads)> = nodes.iter().filter(|(_, r)| !r.converged()).collect();
    if silent.is_empty() {
        return Some(Check::valid(
            "final reads",
            format!(
                "every node ({}) answered a final read with a total the adds allow",
                nodes.len()
            ),
        ));
    }
    let names: Vec<&str> = silent.iter().map(|(n, _)| n.as_str()).collect();
    let details = silent.iter().map(|(node, r)| {
        let tried = r.failed + r.indeterminate;
        let error = r
            .first_error
            .as_deref()
            .map(|e| format!("; first error: {e}"))
            .unwrap_or_default();
        if r.ok > 0 {
            let values: Vec<String> = r.unacceptable.iter().map(Value::to_string).collect();
            format!(
                "{node}: its final read{} returned {}, not a total the adds allow",
                if r.ok == 1 { "" } else { "s" },
                values.join(", ")
            )
        } else if tried == 0 {
            format!("{node}: no final read reached it")
        } else {
            format!(
                "{node}: {tried} final read{} and none succeeded ({} failed, {} indeterminate){error}",
                if tried == 1 { "" } else { "s" },
                r.failed,
                r.indeterminate
            )
        }
    });
    Some(Check::invalid("final reads", summary(&names, &silent)).with_details(details))
}

/// Whom the check names and why: no answer at all is the course's own rule; only wrong answers
/// Maelstrom fails as well.
fn summary(names: &[&str], nodes: &[(&String, &NodeReads)]) -> String {
    let who = and_list(names);
    let course = "the course requires each node to answer one with the converged total. This \
                  is the course's rule, stricter than Maelstrom's, whose checker passes a run \
                  when no final read succeeds";
    if nodes.iter().all(|(_, r)| r.ok == 0) {
        format!("{who} returned no successful final read; {course}")
    } else if nodes.iter().all(|(_, r)| r.ok > 0) {
        format!(
            "{who} answered final reads only with totals the adds do not allow (Maelstrom's \
             checker fails these reads too; this names the nodes)"
        )
    } else {
        format!(
            "{who} returned no acceptable final read: some no successful one at all, some only \
             totals the adds do not allow; {course}"
        )
    }
}

/// `n0`, `n0 and n1`, `n0, n1 and n2`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Op, Process};
    use crate::value::Value;
    use crate::verdict::Validity;

    fn opts() -> TestOptions {
        TestOptions::parse(&["-w", "g-counter", "--node-count", "3"]).unwrap()
    }

    fn final_read(h: &mut Vec<Op>, p: u64, kind: OpType, value: Value) {
        for k in [OpType::Invoke, kind] {
            let v = if k == OpType::Invoke {
                Value::Nil
            } else {
                value.clone()
            };
            let mut op = Op::new(k, Process::Client(p), "read", v);
            op.final_read = true;
            if k == OpType::Info {
                op.error = Some(Value::from("indeterminate: Client read timeout"));
            }
            h.push(op);
        }
    }

    #[test]
    fn each_node_must_answer_a_final_read() {
        // No adds: 0 is the one acceptable total.
        let mut ops = Vec::new();
        final_read(&mut ops, 0, OpType::Ok, Value::Int(0));
        final_read(&mut ops, 1, OpType::Info, Value::Nil);
        final_read(&mut ops, 4, OpType::Info, Value::Nil);
        let h = History::new(ops);
        let c = check(&opts(), &h).unwrap();
        assert_eq!(c.validity, Validity::Invalid, "{c:?}");
        assert!(
            c.summary.starts_with("n1 and n2 returned no"),
            "{}",
            c.summary
        );
        assert!(
            c.summary.contains("stricter than Maelstrom's"),
            "{}",
            c.summary
        );
        assert!(
            c.details[0].starts_with("n1: 2 final reads and none succeeded (0 failed, 2 indet"),
            "{:?}",
            c.details
        );
        assert!(
            c.details[0].contains("Client read timeout"),
            "{:?}",
            c.details
        );
        assert_eq!(c.details[1], "n2: no final read reached it");
    }

    #[test]
    fn one_successful_final_read_per_node_passes() {
        let mut ops = Vec::new();
        for p in 0..3 {
            final_read(&mut ops, p, OpType::Ok, Value::Int(0));
        }
        final_read(&mut ops, 3, OpType::Fail, Value::Nil);
        let c = check(&opts(), &History::new(ops)).unwrap();
        assert_eq!(c.validity, Validity::Valid, "{c:?}");
    }

    #[test]
    fn a_node_whose_final_reads_are_all_wrong_is_named_too() {
        let mut ops = Vec::new();
        let mut add = |kind, p| {
            let mut op = Op::new(kind, Process::Client(p), "add", Value::Int(3));
            op.final_read = false;
            ops.push(op);
        };
        add(OpType::Invoke, 5);
        add(OpType::Ok, 5);
        final_read(&mut ops, 0, OpType::Ok, Value::Int(3));
        final_read(&mut ops, 1, OpType::Ok, Value::Int(2));
        final_read(&mut ops, 2, OpType::Ok, Value::Int(3));
        let c = check(&opts(), &History::new(ops)).unwrap();
        assert_eq!(c.validity, Validity::Invalid, "{c:?}");
        assert!(
            c.summary
                .starts_with("n1 answered final reads only with totals the adds do not allow"),
            "{}",
            c.summary
        );
        assert_eq!(
            c.details,
            ["n1: its final read returned 2, not a total the adds allow"]
        );
    }

    #[test]
    fn only_g_counter_has_this_rule() {
        let echo = TestOptions::parse(&["-w", "echo"]).unwrap();
        assert!(check(&echo, &History::new(Vec::new())).is_none());
    }
}
