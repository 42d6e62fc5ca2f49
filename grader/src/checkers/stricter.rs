//! The course's checks beyond Maelstrom's, for runs Maelstrom itself judged.
//!
//! Maelstrom's broadcast checker never reports a read that lists a value twice (its filter is
//! inverted), and its txn-rw-register checker misses write cycles (G0) under read-uncommitted
//! (maelstrom issue #56). The builtin engine's checkers catch both; when the Maelstrom engine or
//! `grader explain` reads a real run, these checks add the same strictness from its
//! `history.edn`, so that a verdict does not depend on the engine that produced it.
//!
//! [`course_checks`] are the course's rules that no Maelstrom checker has (replies answer their
//! requests, every g-counter node answers a final read): both engines add them.

use crate::checkers::{final_reads, replies, set_full, txn, who};
use crate::history::History;
use crate::options::{TestOptions, Workload};
use crate::verdict::{Check, Validity};

/// How many offending reads a check lists.
const SHOWN: usize = 8;

/// The checks Maelstrom does not make of this history, for its workload. Empty when the workload
/// has none or the history shows nothing wrong.
pub fn checks(opts: &TestOptions, history: &History) -> Vec<Check> {
    let mut checks: Vec<Check> = match opts.workload {
        Workload::Broadcast => duplicates(opts, history).into_iter().collect(),
        Workload::TxnRwRegister => write_cycles(opts, history).into_iter().collect(),
        _ => Vec::new(),
    };
    checks.extend(course_checks(opts, history));
    checks
}

/// The course's rules that neither engine's Maelstrom-faithful checkers make, judged the same
/// way whichever engine produced the history: every reply answers its request, and every
/// g-counter node answers a final read.
pub fn course_checks(opts: &TestOptions, history: &History) -> Vec<Check> {
    replies::check(opts, history)
        .into_iter()
        .chain(final_reads::check(opts, history))
        .collect()
}

/// Reads that list a value more than once.
fn duplicates(opts: &TestOptions, history: &History) -> Option<Check> {
    let result = set_full::analyze(history);
    let dupes = &result.duplicate_reads;
    if dupes.is_empty() {
        return None;
    }
    let mut details: Vec<String> = dupes
        .iter()
        .take(SHOWN)
        .map(|d| {
            let values: Vec<String> = d.values.iter().map(|(v, n)| format!("{v} ×{n}")).collect();
            format!(
                "the read of {} completed at {:.3} s (op {}) listed {}",
                who(opts, d.op.process),
                d.op.time as f64 / 1e9,
                d.op.index,
                values.join(", ")
            )
        })
        .collect();
    if dupes.len() > SHOWN {
        details.push(format!(
            "… and {} more reads with repeated values",
            dupes.len() - SHOWN
        ));
    }
    Some(
        Check::invalid(
            "duplicates",
            format!(
                "{} of the reads listed a value more than once; Maelstrom's checker never reports \
                 this (its duplicate filter is inverted), the course does: keep values in a set",
                dupes.len()
            ),
        )
        .with_details(details),
    )
}

/// Anomalies the consistency models forbid that Maelstrom's checker does not find.
fn write_cycles(opts: &TestOptions, history: &History) -> Option<Check> {
    let analysis = txn::analyze(history, &opts.consistency_models);
    let missed =
        analysis.validity == Validity::Invalid && analysis.maelstrom_validity != Validity::Invalid;
    if !missed {
        return None;
    }
    let mut check = txn::render(&analysis);
    check.name = "beyond maelstrom".to_owned();
    check.summary = format!(
        "{} (Maelstrom's checker misses this: its issue #56)",
        check.summary
    );
    check.figures.clear();
    Some(check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Op, OpType, Process};
    use crate::value::Value;

    fn opts(flags: &[&str]) -> TestOptions {
        TestOptions::parse(flags).unwrap()
    }

    fn op(kind: OpType, f: &str, value: Value) -> Op {
        Op::new(kind, Process::Client(0), f, value)
    }

    #[test]
    fn a_read_listing_a_value_twice_is_caught() {
        let h = History::new(vec![
            op(OpType::Invoke, "broadcast", Value::Int(1)),
            op(OpType::Ok, "broadcast", Value::Int(1)),
            op(OpType::Invoke, "read", Value::Nil),
            op(
                OpType::Ok,
                "read",
                Value::Vec(vec![Value::Int(1), Value::Int(1)]),
            ),
        ]);
        let o = opts(&["-w", "broadcast", "--node-count", "1"]);
        let checks = checks(&o, &h);
        assert_eq!(checks.len(), 1, "{checks:?}");
        assert_eq!(checks[0].validity, Validity::Invalid);
        assert!(
            checks[0].details[0].contains("1 ×2"),
            "{:?}",
            checks[0].details
        );
    }

    #[test]
    fn a_maelstrom_history_gets_the_course_rules_too() {
        let txn = |mops: &[(&str, i64, Value)]| {
            Value::Vec(
                mops.iter()
                    .map(|(f, k, v)| Value::Vec(vec![Value::keyword(f), Value::Int(*k), v.clone()]))
                    .collect(),
            )
        };
        let h = History::new(vec![
            op(
                OpType::Invoke,
                "txn",
                txn(&[("r", 1, Value::Nil), ("w", 2, Value::Int(3))]),
            ),
            op(
                OpType::Ok,
                "txn",
                txn(&[("w", 2, Value::Int(3)), ("r", 1, Value::Nil)]),
            ),
        ]);
        let o = opts(&["-w", "txn-rw-register", "--node-count", "1"]);
        let found = checks(&o, &h);
        let replies = found.iter().find(|c| c.name == "replies").expect("replies");
        assert_eq!(replies.validity, Validity::Invalid);
        assert!(
            replies.details[0].contains("micro-op 0 was [:r 1 nil]"),
            "{replies:?}"
        );

        let g = opts(&["-w", "g-counter", "--node-count", "1"]);
        let mut read = op(OpType::Invoke, "read", Value::Nil);
        read.final_read = true;
        let mut failed = op(OpType::Fail, "read", Value::Nil);
        failed.final_read = true;
        let found = checks(&g, &History::new(vec![read, failed]));
        let finals = found
            .iter()
            .find(|c| c.name == "final reads")
            .expect("final reads");
        assert_eq!(finals.validity, Validity::Invalid);
    }

    #[test]
    fn clean_reads_and_other_workloads_add_nothing() {
        let h = History::new(vec![
            op(OpType::Invoke, "broadcast", Value::Int(1)),
            op(OpType::Ok, "broadcast", Value::Int(1)),
            op(OpType::Invoke, "read", Value::Nil),
            op(OpType::Ok, "read", Value::Vec(vec![Value::Int(1)])),
        ]);
        let o = opts(&["-w", "broadcast", "--node-count", "1"]);
        assert!(checks(&o, &h).is_empty());
        let echo = opts(&["-w", "echo"]);
        assert!(checks(&echo, &h).is_empty());
    }

    #[test]
    fn a_write_cycle_maelstrom_misses_is_caught_and_a_clean_history_is_not() {
        use crate::checkers::txn::synth::{history, Injection, SynthOptions};
        let o = opts(&[
            "-w",
            "txn-rw-register",
            "--consistency-models",
            "read-uncommitted",
        ]);
        let clean = history(&SynthOptions {
            txns: 2_000,
            ..SynthOptions::default()
        });
        assert!(checks(&o, &clean).is_empty());

        let cycle = history(&SynthOptions {
            txns: 2_000,
            inject: Some(Injection::G0),
            ..SynthOptions::default()
        });
        let found = checks(&o, &cycle);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].validity, Validity::Invalid);
        assert!(found[0].summary.contains("G0"), "{:?}", found[0].summary);
        assert!(
            found[0].summary.contains("issue #56"),
            "{:?}",
            found[0].summary
        );
    }
}
