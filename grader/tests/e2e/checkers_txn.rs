//! A library of small hand-built txn-rw-register histories, each with exactly one anomaly (or
//! none), proving that the checker finds, names and prints each one.
//!
//! Every test prints the check it got (`cargo test -p grader --test e2e checkers_txn -- --nocapture`), so the
//! wording learners see can be read here.

use grader::checkers::txn::{self, AnomalyKind, TxnAnalysis};
use grader::edn;
use grader::history::{History, Op, OpType, Process};
use grader::value::Value;
use grader::verdict::{Check, Validity};

/// Builds histories op by op: `ok` runs a transaction alone; `invoke`/`complete` interleave.
#[derive(Default)]
struct H {
    ops: Vec<Op>,
}

fn mops(text: &str) -> Value {
    edn::parse(text).expect("test micro-ops are valid EDN")
}

/// The invocation's view of a transaction: reads not yet known.
fn blank(v: &Value) -> Value {
    Value::Vec(
        v.as_slice()
            .unwrap()
            .iter()
            .map(|m| {
                let p = m.as_slice().unwrap();
                if p[0] == Value::keyword("r") {
                    Value::Vec(vec![p[0].clone(), p[1].clone(), Value::Nil])
                } else {
                    m.clone()
                }
            })
            .collect(),
    )
}

impl H {
    fn invoke(mut self, p: u64, txn: &str) -> H {
        let op = Op::new(OpType::Invoke, Process::Client(p), "txn", blank(&mops(txn)));
        self.ops.push(op);
        self
    }
    fn complete(mut self, p: u64, kind: OpType, txn: &str) -> H {
        self.ops
            .push(Op::new(kind, Process::Client(p), "txn", mops(txn)));
        self
    }
    fn ok(self, p: u64, txn: &str) -> H {
        self.invoke(p, txn).complete(p, OpType::Ok, txn)
    }
    fn fail(self, p: u64, txn: &str) -> H {
        self.invoke(p, txn).complete(p, OpType::Fail, txn)
    }
    /// A committed write read by another: keeps the dependency graph from being empty, so
    /// that each library history holds exactly the anomaly it is about.
    fn background(self) -> H {
        self.ok(8, "[[:w 100 1]]").ok(9, "[[:r 100 1]]")
    }
    fn history(self) -> History {
        History::new(self.ops)
    }
}

fn models(m: &str) -> Vec<String> {
    vec![m.to_owned()]
}

fn run(h: &History, model: &str) -> (TxnAnalysis, Check) {
    let analysis = txn::analyze(h, &models(model));
    let check = txn::check(h, &models(model));
    println!("--- {model}: {} — {}", check.validity, check.summary);
    for d in &check.details {
        println!("{d}");
    }
    (analysis, check)
}

fn kinds(a: &TxnAnalysis) -> Vec<AnomalyKind> {
    a.kinds().into_iter().collect()
}

/// The check's details print every transaction of the first case, by index and micro-ops.
fn prints_transactions(check: &Check, analysis: &TxnAnalysis, kind: AnomalyKind) {
    let case = analysis.of_kind(kind).next().expect("a case");
    for t in &case.txns {
        let line = format!("T{} (process {}", t.index, t.process);
        assert!(
            check
                .details
                .iter()
                .any(|d| d.contains(&line) && d.contains(&t.value.to_string())),
            "details print {line}: {:#?}",
            check.details
        );
    }
}

#[test]
fn g0_write_cycle_is_caught_under_read_uncommitted() {
    // T2 overwrote T1's x, T1 overwrote T2's y: their writes interleaved.
    let h = H::default()
        .invoke(0, "[[:w 1 2] [:r 2 3] [:w 2 4]]")
        .invoke(1, "[[:w 2 3] [:r 1 2] [:w 1 5]]")
        .complete(1, OpType::Ok, "[[:w 2 3] [:r 1 2] [:w 1 5]]")
        .complete(0, OpType::Ok, "[[:w 1 2] [:r 2 3] [:w 2 4]]")
        .history();
    let (a, check) = run(&h, "read-uncommitted");
    assert_eq!(kinds(&a), [AnomalyKind::G0]);
    assert_eq!(check.validity, Validity::Invalid);
    assert!(
        check
            .summary
            .starts_with("G0: 2 transactions form a cycle of writes"),
        "{}",
        check.summary
    );
    prints_transactions(&check, &a, AnomalyKind::G0);
    let g0 = a.of_kind(AnomalyKind::G0).next().unwrap();
    assert_eq!(g0.steps.len(), 2);
    assert!(g0.steps.iter().all(|s| s.kind == txn::DependencyKind::WW));
    assert!(check
        .details
        .iter()
        .any(|d| d.contains("-ww->") && d.contains("set key 1 to 2")));
    // Maelstrom files this cycle under G1c, which read-uncommitted allows.
    assert_eq!(g0.maelstrom_kind, Some(AnomalyKind::G1c));
    assert_eq!(a.maelstrom_validity, Validity::Valid);
}

#[test]
fn g0_through_intermediate_writes_maelstrom_issue_56() {
    // The history of Maelstrom issue #56: T2 wrote 1, T3 read it and wrote 10, T2 read 10 and
    // wrote 2 and 3, T3 read 3 and wrote 11. Maelstrom passes it under read-uncommitted.
    let h = H::default()
        .invoke(
            2,
            "[[:w 0 1] [:r 0 1] [:r 0 10] [:w 0 2] [:w 0 3] [:r 0 3]]",
        )
        .invoke(3, "[[:r 0 1] [:w 0 10] [:r 0 3] [:w 0 11]]")
        .complete(
            2,
            OpType::Ok,
            "[[:w 0 1] [:r 0 1] [:r 0 10] [:w 0 2] [:w 0 3] [:r 0 3]]",
        )
        .complete(3, OpType::Ok, "[[:r 0 1] [:w 0 10] [:r 0 3] [:w 0 11]]")
        .background()
        .history();
    let (a, check) = run(&h, "read-uncommitted");
    assert_eq!(check.validity, Validity::Invalid);
    assert_eq!(
        a.prohibited.iter().copied().collect::<Vec<_>>(),
        [AnomalyKind::G0]
    );
    let g0 = a.of_kind(AnomalyKind::G0).next().unwrap();
    assert_eq!(g0.maelstrom_kind, None);
    assert_eq!(a.maelstrom_validity, Validity::Valid);
    assert!(g0.steps.iter().all(|s| s.witness.is_some()));
    prints_transactions(&check, &a, AnomalyKind::G0);
    // The same reads are also intermediate and internal reads, allowed by read-uncommitted.
    assert!(a.kinds().contains(&AnomalyKind::G1b) && a.kinds().contains(&AnomalyKind::Internal));
}

#[test]
fn g1a_aborted_read() {
    let h = H::default()
        .fail(0, "[[:w 1 1]]")
        .ok(1, "[[:r 1 1]]")
        .background()
        .history();
    let (a, check) = run(&h, "read-committed");
    assert_eq!(kinds(&a), [AnomalyKind::G1a]);
    assert_eq!(check.validity, Validity::Invalid);
    assert!(check.summary.starts_with("G1a: "), "{}", check.summary);
    prints_transactions(&check, &a, AnomalyKind::G1a);
    assert!(check
        .details
        .iter()
        .any(|d| d.contains("read [:r 1 1], a value written only by T1, which failed")));
    // Read-uncommitted allows it.
    assert_eq!(run(&h, "read-uncommitted").0.validity, Validity::Valid);
}

#[test]
fn a_read_of_an_indeterminate_write_is_not_an_aborted_read() {
    let h = H::default()
        .invoke(0, "[[:w 1 1]]")
        .complete(0, OpType::Info, "[[:w 1 1]]")
        .ok(1, "[[:r 1 1]]")
        .background()
        .history();
    let (a, _) = run(&h, "read-committed");
    assert_eq!(kinds(&a), []);
    assert_eq!(a.validity, Validity::Valid);
}

#[test]
fn g1b_intermediate_read() {
    let h = H::default()
        .invoke(0, "[[:w 1 1] [:w 1 2]]")
        .invoke(1, "[[:r 1 1]]")
        .complete(1, OpType::Ok, "[[:r 1 1]]")
        .complete(0, OpType::Ok, "[[:w 1 1] [:w 1 2]]")
        .background()
        .history();
    let (a, check) = run(&h, "read-committed");
    assert_eq!(kinds(&a), [AnomalyKind::G1b]);
    assert_eq!(check.validity, Validity::Invalid);
    assert!(check.summary.starts_with("G1b: "), "{}", check.summary);
    prints_transactions(&check, &a, AnomalyKind::G1b);
}

#[test]
fn the_same_intermediate_read_twice_is_counted_twice_but_shown_once() {
    let h = H::default()
        .invoke(0, "[[:w 1 1] [:w 1 2]]")
        .invoke(1, "[[:r 1 1] [:r 1 1]]")
        .complete(1, OpType::Ok, "[[:r 1 1] [:r 1 1]]")
        .complete(0, OpType::Ok, "[[:w 1 1] [:w 1 2]]")
        .background()
        .history();
    let (a, check) = run(&h, "read-committed");
    assert_eq!(
        a.of_kind(AnomalyKind::G1b).count(),
        2,
        "Elle counts each read"
    );
    let examples = check
        .details
        .iter()
        .filter(|d| d.trim_start().starts_with("- "))
        .count();
    assert_eq!(examples, 1, "{:#?}", check.details);
    assert!(
        check.details.iter().any(|d| d.contains("… and 1 more")),
        "{:#?}",
        check.details
    );
}

#[test]
fn g1c_circular_information_flow() {
    let h = H::default()
        .invoke(0, "[[:w 1 1] [:r 2 1]]")
        .invoke(1, "[[:w 2 1] [:r 1 1]]")
        .complete(0, OpType::Ok, "[[:w 1 1] [:r 2 1]]")
        .complete(1, OpType::Ok, "[[:w 2 1] [:r 1 1]]")
        .history();
    let (a, check) = run(&h, "read-committed");
    assert_eq!(kinds(&a), [AnomalyKind::G1c]);
    assert_eq!(check.validity, Validity::Invalid);
    assert_eq!(
        check.summary,
        "G1c: 2 transactions form a cycle of writes and reads"
    );
    prints_transactions(&check, &a, AnomalyKind::G1c);
    assert!(
        check
            .details
            .iter()
            .any(|d| d.contains("T2 -wr-> T3: T2 wrote key 1 = 1, which was read by T3")),
        "{:#?}",
        check.details
    );
    // Not a read-uncommitted violation, in Maelstrom or here.
    let (ru, _) = run(&h, "read-uncommitted");
    assert_eq!(
        (ru.validity, ru.maelstrom_validity),
        (Validity::Valid, Validity::Valid)
    );
}

#[test]
fn internal_inconsistency() {
    let h = H::default()
        .ok(0, "[[:w 1 2]]")
        .ok(1, "[[:w 1 1] [:r 1 2]]")
        .background()
        .history();
    let (a, check) = run(&h, "read-atomic");
    assert_eq!(kinds(&a), [AnomalyKind::Internal]);
    assert_eq!(check.validity, Validity::Invalid);
    assert!(check
        .details
        .iter()
        .any(|d| d.contains("read [:r 1 2] but its own earlier micro-ops left the key at 1")));
    prints_transactions(&check, &a, AnomalyKind::Internal);
    // Read-committed does not forbid internal anomalies (Elle's model table).
    assert_eq!(run(&h, "read-committed").0.validity, Validity::Valid);
}

#[test]
fn read_skew_is_g_single_and_only_information_under_read_committed() {
    // T2 saw y from T1 but x from before T1.
    let h = H::default()
        .invoke(1, "[[:r 1 nil] [:r 2 1]]")
        .ok(0, "[[:w 1 1] [:w 2 1]]")
        .complete(1, OpType::Ok, "[[:r 1 nil] [:r 2 1]]")
        .history();
    let (a, check) = run(&h, "read-committed");
    assert_eq!(kinds(&a), [AnomalyKind::GSingleItem]);
    assert_eq!(check.validity, Validity::Valid);
    assert!(
        check
            .summary
            .contains("found, but allowed: G-single-item ×1"),
        "{}",
        check.summary
    );
    assert_eq!(run(&h, "serializable").0.validity, Validity::Invalid);
}

#[test]
fn write_skew_is_g2_item() {
    let h = H::default()
        .invoke(0, "[[:r 1 nil] [:w 2 1]]")
        .invoke(1, "[[:r 2 nil] [:w 1 1]]")
        .complete(0, OpType::Ok, "[[:r 1 nil] [:w 2 1]]")
        .complete(1, OpType::Ok, "[[:r 2 nil] [:w 1 1]]")
        .history();
    let (a, _) = run(&h, "snapshot-isolation");
    assert_eq!(kinds(&a), [AnomalyKind::G2Item]);
    assert_eq!(a.validity, Validity::Valid);
    assert_eq!(run(&h, "serializable").0.validity, Validity::Invalid);
}

#[test]
fn concurrent_properly_ordered_writes_pass_read_committed() {
    // Two blind writes race; later transactions read the winner and build on it.
    let h = H::default()
        .invoke(0, "[[:w 1 1]]")
        .invoke(1, "[[:w 1 2]]")
        .complete(0, OpType::Ok, "[[:w 1 1]]")
        .invoke(2, "[[:r 1 1] [:w 2 1]]")
        .complete(1, OpType::Ok, "[[:w 1 2]]")
        .complete(2, OpType::Ok, "[[:r 1 1] [:w 2 1]]")
        .ok(0, "[[:r 1 2] [:r 2 1] [:w 1 3]]")
        .ok(1, "[[:r 1 3] [:r 2 1]]")
        .history();
    let (a, check) = run(&h, "read-committed");
    assert_eq!(kinds(&a), []);
    assert_eq!(check.validity, Validity::Valid);
    assert!(a.graph_vertices > 0 && a.graph_edges > 0);
    assert_eq!(run(&h, "serializable").0.validity, Validity::Valid);
}

#[test]
fn a_serial_history_passes_every_model() {
    let h = H::default()
        .ok(0, "[[:r 1 nil] [:w 1 1]]")
        .ok(1, "[[:r 1 1] [:w 1 2] [:w 2 1]]")
        .ok(0, "[[:r 2 1] [:r 1 2] [:w 2 2]]")
        .ok(1, "[[:r 2 2]]")
        .history();
    for m in [
        "read-uncommitted",
        "read-committed",
        "serializable",
        "strict-serializable",
    ] {
        let (a, _) = run(&h, m);
        assert_eq!(kinds(&a), [], "{m}");
        assert_eq!(a.validity, Validity::Valid, "{m}");
    }
}

#[test]
fn an_empty_transaction_graph_is_invalid_as_in_maelstrom() {
    // Nobody read anybody's writes: there is nothing to check.
    let h = H::default()
        .ok(0, "[[:w 1 1]]")
        .ok(1, "[[:r 2 nil]]")
        .history();
    let (a, check) = run(&h, "read-uncommitted");
    assert_eq!(kinds(&a), [AnomalyKind::EmptyTransactionGraph]);
    assert_eq!(
        (a.validity, a.maelstrom_validity),
        (Validity::Invalid, Validity::Invalid)
    );
    assert!(
        check.summary.contains("empty transaction graph"),
        "{}",
        check.summary
    );
}

#[test]
fn unknown_models_are_named() {
    let h = H::default().background().history();
    let (a, check) = run(&h, "read-comitted");
    assert_eq!(a.unknown_models, ["read-comitted"]);
    assert_eq!(check.validity, Validity::Unknown);
    assert!(check.summary.contains("read-comitted"));
}

#[test]
fn malformed_micro_ops_make_the_check_unknown() {
    let h = H::default().background().ok(0, "[[:append 1 1]]").history();
    let (a, check) = run(&h, "read-committed");
    assert_eq!(a.validity, Validity::Unknown);
    assert!(check.details.iter().any(|d| d.contains("[:append 1 1]")));
}

#[test]
fn details_cap_the_examples_shown() {
    let mut h = H::default().background();
    for i in 0..10 {
        h = h
            .fail(0, &format!("[[:w {i} 1]]"))
            .ok(1, &format!("[[:r {i} 1]]"));
    }
    let (a, check) = run(&h.history(), "read-committed");
    assert_eq!(a.of_kind(AnomalyKind::G1a).count(), 10);
    assert!(check.summary.starts_with("G1a (10 found): "));
    assert!(check.details.iter().any(|d| d.contains("… and 7 more")));
}

#[test]
fn contradictory_version_orders_are_cyclic_versions() {
    // T0 read 1 and wrote 2; T1 read 2 and wrote 1: 1 < 2 < 1.
    let h = H::default()
        .ok(1, "[[:r 1 1] [:w 1 2]]")
        .ok(2, "[[:r 1 2] [:w 1 1]]")
        .history();
    let (a, check) = run(&h, "read-uncommitted");
    assert!(
        a.kinds().contains(&AnomalyKind::CyclicVersions),
        "{:?}",
        a.kinds()
    );
    assert!(a.prohibited.contains(&AnomalyKind::CyclicVersions));
    assert_eq!(check.validity, Validity::Invalid);
    assert!(check
        .details
        .iter()
        .any(|d| d.contains("versions of key 1 form a cycle")));
}
