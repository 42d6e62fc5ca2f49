//! End to end, levels 4 and 5a–5c in the simulator (`--engine sim`) with Fly.io's exact flags.
//!
//! Level 4 runs on seq-kv, whose staleness makes one lucky pass worthless: the reference solution
//! must pass five seeds (`--seeds 5`), and a counter that writes instead of compare-and-sets must
//! fail, as must one that answers every final read with an error (the course's rule, not
//! Maelstrom's). The kafka
//! solution must pass 5a–5c within the course's 5c budget; a log whose nodes assign offsets on their
//! own must fail 5b, and the straightforward lin-kv design must be correct yet over 5c's budget.

use crate::support::{broken_node, concurrently, describe, grade, grade_seeds};
use grader::checkers::labels;
use grader::grade::NodeSource;
use grader::verdict::{Validity, Verdict};

fn msgs_per_op(v: &Verdict) -> f64 {
    v.figures()
        .find(|f| f.label == labels::SERVER_MSGS_PER_OP)
        .and_then(|f| f.value.parse().ok())
        .expect("a msgs-per-op figure")
}

#[test]
fn level_4_passes_five_runs_of_the_solution_and_fails_a_blind_write() {
    let blind = broken_node("counter-blind-write");
    let silent = broken_node("counter-fails-final-reads");
    let mut runs = concurrently(vec![
        Box::new(|| grade_seeds("4", NodeSource::Solution, 5)),
        Box::new(move || grade("4", NodeSource::Binary(blind))),
        Box::new(move || grade("4", NodeSource::Binary(silent))),
    ]);

    // Every final read answered with an error: Maelstrom's counter checker passes that, the
    // course's rule fails it and names each node.
    let silent_run = runs.pop().unwrap();
    let report = describe("4", &silent_run);
    assert!(!silent_run[0].passed(), "{report}");
    let workload = silent_run[0].check("workload").expect("a workload check");
    assert_eq!(workload.validity, Validity::Valid, "{report}");
    let finals = silent_run[0]
        .check("final reads")
        .expect("a final reads check");
    assert_eq!(finals.validity, Validity::Invalid, "{report}");
    assert!(
        finals.summary.starts_with("n0, n1 and n2 returned no"),
        "{report}"
    );
    let finals = runs[0][0]
        .check("final reads")
        .expect("a final reads check");
    assert_eq!(
        finals.validity,
        Validity::Valid,
        "{}",
        describe("4", &runs[0])
    );

    let blind_run = runs.pop().unwrap();
    let solution = &runs[0];
    assert!(solution[0].passed(), "{}", describe("4", solution));
    let workload = blind_run[0].check("workload").expect("a workload check");
    assert_eq!(
        workload.validity,
        Validity::Invalid,
        "{}",
        describe("4", &blind_run)
    );
    assert!(
        workload.summary.contains("final read"),
        "{}",
        workload.summary
    );
}

#[test]
fn kafka_levels_pass_the_solution_and_fail_uncoordinated_or_wasteful_logs() {
    let uncoordinated = broken_node("kafka-uncoordinated-offsets");
    let naive = broken_node("kafka-lin-kv-naive");
    let runs = concurrently(vec![
        Box::new(|| grade("5a", NodeSource::Solution)),
        Box::new(|| grade("5b", NodeSource::Solution)),
        Box::new(|| grade("5c", NodeSource::Solution)),
        Box::new(|| grade("5b", NodeSource::Binary(uncoordinated.clone()))),
        Box::new(|| grade("5c", NodeSource::Binary(naive.clone()))),
    ]);
    for (id, run) in [("5a", &runs[0]), ("5b", &runs[1]), ("5c", &runs[2])] {
        assert!(run[0].passed(), "{}", describe(id, run));
    }
    assert!(
        msgs_per_op(&runs[2][0]) <= 2.0,
        "{}",
        describe("5c", &runs[2])
    );

    let uncoordinated = &runs[3][0];
    assert!(
        !uncoordinated.passed()
            && uncoordinated
                .check("workload")
                .is_some_and(|c| c.validity == Validity::Invalid),
        "{}",
        describe("5b", &runs[3])
    );

    // Correct, so only the budget fails it.
    let naive = &runs[4][0];
    let failing: Vec<_> = naive.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(failing, ["budget"], "{}", describe("5c", &runs[4]));
    assert!(msgs_per_op(naive) > 2.0, "{}", describe("5c", &runs[4]));
}
