//! End to end, levels 6a–6c in the simulator (`--engine sim`) with Fly.io's flags (6c with the ASCII
//! `--nemesis partition`): the reference solution passes 6a, both runs of 6b and 6c with total
//! availability; a node that lets reads see uncommitted state fails 6c, and one whose transactions
//! wait half-way, so that concurrent writes interleave (G0), fails 6b — a G0 Maelstrom itself would
//! miss under read-uncommitted (its issue #56). A node whose replies leave out micro-ops fails 6a:
//! a reply must answer its request. 6a runs twice with the same seed and must record
//! byte-identical histories and message journals.

use crate::support::{assert_replays, broken_node, concurrently, describe, grade};
use grader::grade::NodeSource;
use grader::verdict::{Validity, Verdict};

fn workload_names(verdicts: &[Verdict], anomaly: &str) -> bool {
    verdicts.iter().any(|v| {
        v.check("workload").is_some_and(|c| {
            c.validity == Validity::Invalid
                && (c.summary.contains(anomaly) || c.details.iter().any(|d| d.contains(anomaly)))
        })
    })
}

#[test]
fn transaction_levels_pass_the_solution_and_fail_dirty_or_interleaved_writes() {
    let dirty = broken_node("txn-dirty-reads");
    let interleaved = broken_node("txn-interleaved-writes");
    let drops = broken_node("txn-drops-ops");
    let runs = concurrently(vec![
        Box::new(|| grade("6a", NodeSource::Solution)),
        Box::new(|| grade("6b", NodeSource::Solution)),
        Box::new(|| grade("6c", NodeSource::Solution)),
        Box::new(|| grade("6c", NodeSource::Binary(dirty.clone()))),
        Box::new(|| grade("6b", NodeSource::Binary(interleaved.clone()))),
        Box::new(|| grade("6a", NodeSource::Binary(drops.clone()))),
        Box::new(|| grade("6a", NodeSource::Solution)),
    ]);
    let [sixa, sixb, sixc, dirty_run, interleaved_run, drops_run, sixa_again] = &runs[..] else {
        unreachable!()
    };
    assert_replays("6a", sixa, sixa_again);

    // A reply that leaves out a micro-op does not answer its request.
    let report = describe("6a", drops_run);
    assert!(!drops_run[0].passed(), "{report}");
    let replies = drops_run[0].check("replies").expect("a replies check");
    assert_eq!(replies.validity, Validity::Invalid, "{report}");
    assert!(replies.details[0].starts_with("op "), "{report}");
    assert!(replies.details[0].contains("micro-ops"), "{report}");
    for v in sixa.iter().chain(sixb).chain(sixc) {
        assert!(v.check("replies").is_none(), "{}", describe("6", sixa));
    }

    assert!(sixa[0].passed(), "{}", describe("6a", sixa));
    assert_eq!(sixb.len(), 2, "6b is two runs");
    assert!(sixb.iter().all(Verdict::passed), "{}", describe("6b", sixb));
    assert!(sixc[0].passed(), "{}", describe("6c", sixc));
    for v in sixb.iter().chain(sixc) {
        let availability = v.check("availability").expect("an availability check");
        assert_eq!(availability.validity, Validity::Valid, "total availability");
    }

    assert!(!dirty_run[0].passed(), "{}", describe("6c", dirty_run));
    assert!(
        workload_names(dirty_run, "G1"),
        "the report should name the dirty read:\n{}",
        describe("6c", dirty_run)
    );
    assert!(
        interleaved_run.iter().any(|v| !v.passed()),
        "{}",
        describe("6b", interleaved_run)
    );
    assert!(
        workload_names(interleaved_run, "G0"),
        "the report should name the write cycle:\n{}",
        describe("6b", interleaved_run)
    );
}
