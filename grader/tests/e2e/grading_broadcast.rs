//! End to end, levels 3a–3e in the simulator (`--engine sim`, the builtin engine's core in
//! virtual time) with Fly.io's exact flags: ONE reference binary passes every broadcast level and
//! the 3d re-check with partitions, meeting the course's budgets with room to spare; three nodes
//! that are wrong on purpose fail exactly where they should. 3c and 3d run twice with the same
//! seed and must record byte-identical histories and message journals.
//!
//! Two waves of concurrent runs: the light 5-node levels first, then the 25-node levels.

use crate::support::{assert_replays, broken_node, concurrently, describe, grade, grade_with};
use grader::grade::NodeSource;
use grader::maelstrom::Engine;
use grader::verdict::{Validity, Verdict};

fn grade_partitioned(id: &str, node: NodeSource) -> Vec<Verdict> {
    grade_with(id, node, Engine::Sim, true)
}

fn figure(v: &Verdict, label: &str) -> f64 {
    let f = v.figures().find(|f| f.label == label).unwrap_or_else(|| {
        panic!(
            "no {label:?} figure in {:?}",
            v.figures().collect::<Vec<_>>()
        )
    });
    f.value
        .trim_end_matches(" ms")
        .parse()
        .unwrap_or_else(|_| panic!("{label:?} is not a number: {}", f.value))
}

fn assert_fails_on(verdicts: &[Verdict], id: &str, check: &str, says: &str) {
    let v = &verdicts[0];
    let c = v.check(check).filter(|c| c.validity == Validity::Invalid);
    assert!(
        !v.passed() && c.is_some_and(|c| c.summary.contains(says)),
        "expected level {id} to fail on {check} ({says:?}):\n{}",
        describe(id, verdicts)
    );
}

#[test]
fn broadcast_levels_pass_the_solution_and_fail_the_broken_nodes() {
    let never = broken_node("broadcast-never-gossips");
    let once = broken_node("broadcast-gossips-once");
    let floods = broken_node("broadcast-floods");

    // Wave 1: five nodes or fewer.
    let light = concurrently(vec![
        Box::new(|| grade("3a", NodeSource::Solution)),
        Box::new(|| grade("3b", NodeSource::Solution)),
        Box::new(|| grade("3c", NodeSource::Solution)),
        Box::new(|| grade("3b", NodeSource::Binary(never.clone()))),
        Box::new(|| grade("3c", NodeSource::Binary(once.clone()))),
        Box::new(|| grade("3b", NodeSource::Binary(once.clone()))),
        Box::new(|| grade("3c", NodeSource::Solution)),
    ]);
    assert_replays("3c", &light[2], &light[6]);
    for (id, verdicts) in [("3a", &light[0]), ("3b", &light[1]), ("3c", &light[2])] {
        assert!(verdicts[0].passed(), "{}", describe(id, verdicts));
    }
    assert_fails_on(&light[3], "3b", "workload", "lost");
    assert_fails_on(&light[4], "3c", "workload", "lost");
    // Gossiping once is enough without partitions: the mistake only shows under them.
    assert!(light[5][0].passed(), "{}", describe("3b", &light[5]));

    // Wave 2: 25 nodes, 100 ms per hop.
    let heavy = concurrently(vec![
        Box::new(|| grade("3d", NodeSource::Solution)),
        Box::new(|| grade("3e", NodeSource::Solution)),
        Box::new(|| grade_partitioned("3d", NodeSource::Solution)),
        Box::new(|| grade("3d", NodeSource::Binary(floods.clone()))),
        Box::new(|| grade("3d", NodeSource::Solution)),
    ]);
    assert_replays("3d", &heavy[0], &heavy[4]);
    for (id, verdicts) in [("3d", &heavy[0]), ("3e", &heavy[1])] {
        let v = &verdicts[0];
        assert!(v.passed(), "{}", describe(id, verdicts));
        // The course promises room to spare, beyond the levels' own limits.
        let report = describe(id, verdicts);
        assert!(
            figure(v, grader::checkers::labels::SERVER_MSGS_PER_OP) <= 10.0,
            "{report}"
        );
        assert!(
            figure(v, grader::checkers::labels::MEDIAN_LATENCY) <= 300.0,
            "{report}"
        );
        assert!(
            figure(v, grader::checkers::labels::MAX_LATENCY) <= 500.0,
            "{report}"
        );
    }
    assert!(heavy[2][0].passed(), "{}", describe("3d", &heavy[2]));
    assert!(
        heavy[2][0].check("budget").is_none(),
        "no budget applies to the re-check with partitions"
    );
    assert_fails_on(&heavy[3], "3d", "budget", "msgs-per-op");
}
