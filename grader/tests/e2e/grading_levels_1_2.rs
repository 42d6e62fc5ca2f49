//! End to end, levels 1 and 2 in the simulator (`--engine sim`) with Fly.io's exact flags: the
//! reference solutions pass; the course's pristine stubs (never the learner's working copy, which
//! passes once solved) and two nodes that are wrong on purpose fail, each for the reason a learner
//! needs to hear. The six runs go side by side.

use crate::support::{broken_node, concurrently, describe, grade, stub_node};
use grader::grade::NodeSource;
use grader::verdict::{Validity, Verdict};

/// The check that failed a run, with the report for the assertion message.
fn failure<'a>(verdicts: &'a [Verdict], name: &str, level: &str) -> &'a grader::verdict::Check {
    let v = &verdicts[0];
    assert!(
        !v.passed(),
        "expected a FAIL:\n{}",
        describe(level, verdicts)
    );
    v.check(name)
        .filter(|c| c.validity != Validity::Valid)
        .unwrap_or_else(|| panic!("no failing {name} check:\n{}", describe(level, verdicts)))
}

#[test]
fn levels_1_and_2_pass_the_solutions_and_fail_stubs_and_broken_nodes() {
    let wrong_echo = broken_node("echo-wrong-text");
    let colliding = broken_node("ids-collide-across-nodes");
    let echo_stub_bin = stub_node("echo");
    let ids_stub_bin = stub_node("unique-ids");
    let runs = concurrently(vec![
        Box::new(|| grade("1", NodeSource::Solution)),
        Box::new(|| grade("1", NodeSource::Binary(echo_stub_bin.clone()))),
        Box::new(|| grade("1", NodeSource::Binary(wrong_echo.clone()))),
        Box::new(|| grade("2", NodeSource::Solution)),
        Box::new(|| grade("2", NodeSource::Binary(ids_stub_bin.clone()))),
        Box::new(|| grade("2", NodeSource::Binary(colliding.clone()))),
    ]);
    let [echo_ok, echo_stub, echo_wrong, ids_ok, ids_stub, ids_collide] = &runs[..] else {
        unreachable!()
    };

    assert!(echo_ok[0].passed(), "{}", describe("1", echo_ok));
    assert!(ids_ok[0].passed(), "{}", describe("2", ids_ok));
    // Level 2 demands total availability under partitions: the solution got every id.
    let availability = ids_ok[0]
        .check("availability")
        .expect("an availability check");
    assert_eq!(availability.validity, Validity::Valid);

    // The stubs answer "not supported": the echo checker counts a definite error as a mismatch,
    // and no generate ever succeeds.
    failure(echo_stub, "workload", "1");
    failure(ids_stub, "stats", "2");
    // …and the report leads with the stub's own "TODO: …", naming the file to work on.
    for (verdicts, level, file) in [
        (echo_stub, "1", "challenges/echo/src/lib.rs"),
        (ids_stub, "2", "challenges/unique-ids/src/lib.rs"),
    ] {
        let todo = failure(verdicts, "unfinished", level);
        assert!(
            todo.details
                .iter()
                .any(|d| d.contains("TODO: ") && d.contains(file)),
            "{}",
            describe(level, verdicts)
        );
        assert!(
            grader::report::render(grader::manifest::level(level).unwrap(), &verdicts[0])
                .lines()
                .nth(1)
                .is_some_and(|l| l.contains("✗ unfinished")),
            "{}",
            describe(level, verdicts)
        );
    }

    let mismatch = failure(echo_wrong, "workload", "1");
    assert!(
        mismatch.details.iter().any(|d| d.contains("PLEASE ECHO")),
        "the report should show the wrong text:\n{}",
        describe("1", echo_wrong)
    );
    let dupes = failure(ids_collide, "workload", "2");
    assert!(
        dupes.summary.contains("more than once") || dupes.summary.contains("duplicate"),
        "the report should say ids were handed out twice:\n{}",
        describe("2", ids_collide)
    );
}
