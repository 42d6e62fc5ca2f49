//! End-to-end: the builtin engine runs g-counter, kafka and txn-rw-register against the raw test
//! nodes (the `test-nodes` package), and the checkers judge what it recorded. For each workload a
//! correct node must pass with a history shaped as Maelstrom records it, and a node that is wrong
//! on purpose (chosen by a node argument, as Maelstrom passes non-option tokens to the binary)
//! must fail for its bug. The cases run concurrently; the slowest (g-counter's 10 s recovery wait
//! after a 5 s run) bounds the file at about 20 s.

use std::collections::BTreeSet;

use grader::builtin::{self, RunRecord};
use grader::checkers;
use grader::history::{Op, OpType, Process};
use grader::manifest::Budget;
use grader::options::TestOptions;
use grader::value::Value;
use grader::verdict::{Check, Validity};

use crate::support;

/// One run and its verdict's checks.
struct Outcome {
    opts: TestOptions,
    record: RunRecord,
    checks: Vec<Check>,
}

impl Outcome {
    fn check(&self, name: &str) -> &Check {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {:?}", self.checks))
    }

    /// Asserts a clean run: not aborted, no node diagnosis, every invocation completed.
    fn assert_clean(&self) {
        assert!(
            !self.record.aborted,
            "aborted: {:?}",
            self.record.node_checks
        );
        assert!(
            self.record.node_checks.is_empty(),
            "{:?}",
            self.record.node_checks
        );
        let pairs = self.record.history.pairs();
        assert!(pairs.iter().all(|(_, done)| done.is_some()), "open ops");
    }

    fn assert_all_valid(&self) {
        for c in &self.checks {
            assert_eq!(c.validity, Validity::Valid, "{}: {}", c.name, c.summary);
        }
    }

    fn completions(&self) -> Vec<&Op> {
        self.record
            .history
            .client_ops()
            .filter(|o| o.kind != OpType::Invoke)
            .collect()
    }

    /// Main-phase invocations, which `--rate` paces.
    fn main_phase_invocations(&self) -> usize {
        let extra = |o: &Op, k: &str| o.extra.iter().any(|(key, _)| key == k);
        self.record
            .history
            .client_ops()
            .filter(|o| o.kind == OpType::Invoke)
            .filter(|o| !o.final_read && !extra(o, "poll-ms") && !extra(o, "seek-to-beginning?"))
            .count()
    }

    /// Asserts the main phase issued about `--rate` × `--time-limit` ops (at least `share` of it).
    fn assert_rate(&self, share: f64) {
        let expected = self.opts.rate * self.opts.time_limit.as_secs_f64();
        let got = self.main_phase_invocations() as f64;
        assert!(
            got >= expected * share && got <= expected * 1.3,
            "{got} main-phase ops, expected about {expected}"
        );
    }
}

/// Runs `node` in real time and judges it. A run in which the engine itself saw the machine
/// stall (its scheduling lag reached `builtin::stall::LIMIT`) is run once more, as the grader
/// does with such a run: on a machine this test suite keeps busy, a stalled engine issues fewer
/// operations than its rate asks for, through no fault of its own.
fn run(node: &str, flags: &[&str]) -> Outcome {
    let opts = TestOptions::parse(flags).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut record = builtin::run(&opts, &support::test_node(node), dir.path()).unwrap();
    if let Some(stall) = &record.stall {
        eprintln!(
            "{node} {flags:?}: the engine stalled for {} ms at {:.1} s; running it once more",
            stall.lag_ms, stall.at_s
        );
        let dir = tempfile::tempdir().unwrap();
        record = builtin::run(&opts, &support::test_node(node), dir.path()).unwrap();
    }
    let budget = Budget::default();
    let checks = checkers::evaluate(&opts, &budget, &record.history, &record.net);
    // Shown with --nocapture, and on failure.
    let invocations = record
        .history
        .client_ops()
        .filter(|o| o.kind == OpType::Invoke)
        .count();
    let verdicts: Vec<String> = checks
        .iter()
        .map(|c| format!("{} {:?}: {}", c.name, c.validity, c.summary))
        .collect();
    eprintln!(
        "{node} {flags:?}: {invocations} invocations, stall {:?}; {verdicts:#?}",
        record.stall
    );
    Outcome {
        opts,
        record,
        checks,
    }
}

#[test]
fn g_counter_kafka_and_txn_run_and_are_judged() {
    support::test_node(""); // build once, before the threads start
    let cases: Vec<(&str, fn())> = vec![
        ("g-counter", g_counter),
        ("g-counter lose-adds", g_counter_losing_adds),
        ("kafka", kafka),
        ("kafka reuse-offsets", kafka_reusing_offsets),
        ("txn", txn),
        ("txn abort-after-write", txn_aborting_after_writes),
    ];
    support::run_cases(cases);
}

const G_COUNTER: &[&str] = &[
    "-w",
    "g-counter",
    "--node-count",
    "3",
    "--rate",
    "100",
    "--time-limit",
    "5",
    "--nemesis",
    "partition",
];

fn sum_of_ok_adds(o: &Outcome) -> i64 {
    o.completions()
        .iter()
        .filter(|c| c.f == "add" && c.kind == OpType::Ok)
        .map(|c| c.value.as_int().unwrap())
        .sum()
}

fn g_counter() {
    let o = run("raw-g-counter", G_COUNTER);
    o.assert_clean();
    o.assert_all_valid();
    o.assert_rate(0.6);
    let completions = o.completions();
    assert!(completions.iter().all(|c| c.kind == OpType::Ok));
    // One final read per thread, flagged, after the heal, each the whole sum.
    let finals: Vec<&&Op> = completions.iter().filter(|c| c.final_read).collect();
    assert_eq!(finals.len(), 3);
    let processes: BTreeSet<Process> = finals.iter().map(|c| c.process).collect();
    assert_eq!(processes.len(), 3);
    let total = sum_of_ok_adds(&o);
    assert!(total > 0);
    for read in &finals {
        assert_eq!(read.f, "read");
        assert_eq!(read.value, Value::Int(total));
    }
    let healed = o
        .record
        .history
        .ops
        .iter()
        .rposition(|op| op.value == Value::keyword("network-healed"))
        .expect("a final heal");
    assert!(o.record.history.ops[healed..]
        .iter()
        .filter(|op| op.final_read)
        .all(|op| op.time >= o.record.history.ops[healed].time + 10_000_000_000));
    // The adds and reads went through seq-kv.
    assert!(o.record.net.servers.msg_count > 0, "{:?}", o.record.net);
}

fn g_counter_losing_adds() {
    let mut flags = G_COUNTER[..8].to_vec();
    flags.push("lose-adds");
    let o = run("raw-g-counter", &flags);
    o.assert_clean();
    let workload = o.check("workload");
    assert_eq!(workload.validity, Validity::Invalid, "{}", workload.summary);
    let total = sum_of_ok_adds(&o);
    let finals: Vec<i64> = o
        .completions()
        .iter()
        .filter(|c| c.final_read)
        .map(|c| c.value.as_int().unwrap())
        .collect();
    assert_eq!(finals.len(), 3);
    assert!(finals.iter().all(|v| *v < total), "{finals:?} vs {total}");
}

const KAFKA: &[&str] = &[
    "-w",
    "kafka",
    "--node-count",
    "1",
    "--concurrency",
    "2n",
    "--time-limit",
    "5",
    "--rate",
    "300",
];

fn kafka() {
    let o = run("raw-kafka", KAFKA);
    o.assert_clean();
    o.assert_all_valid();
    o.assert_rate(0.6);
    let completions = o.completions();
    let ok = |f: &'static str| {
        completions
            .iter()
            .filter(move |c| c.f == f && c.kind == OpType::Ok)
    };
    // Sends got offsets: [[:send "k" [offset msg]]], keys strings.
    assert!(ok("send").count() > 100);
    for send in ok("send") {
        let mop = send.value.as_slice().unwrap()[0].as_slice().unwrap();
        assert_eq!(mop[0], Value::keyword("send"));
        assert!(matches!(mop[1], Value::Str(_)), "{}", send.value);
        let pair = mop[2].as_slice().unwrap();
        assert!(pair[0].as_int().unwrap() >= 0 && pair[1].as_int().is_some());
    }
    // Polls returned messages: [[:poll {"k" [[offset msg] …]}]].
    let polled: usize = ok("poll")
        .map(|p| {
            let msgs = p.value.as_slice().unwrap()[0].as_slice().unwrap()[1].clone();
            msgs.as_map()
                .unwrap()
                .iter()
                .map(|(_, pairs)| pairs.as_slice().unwrap().len())
                .sum::<usize>()
        })
        .sum();
    assert!(polled > 0);
    // Crashes are :info without an error; the first is due at once.
    let crashes: Vec<&&Op> = completions.iter().filter(|c| c.f == "crash").collect();
    assert!(!crashes.is_empty());
    assert!(crashes
        .iter()
        .all(|c| c.kind == OpType::Info && c.error.is_none()));
    // The final phase: each thread's assign of every key seen, from the beginning, then polls.
    let seeks = completions
        .iter()
        .filter(|c| c.f == "assign" && c.extra.iter().any(|(k, _)| k == "seek-to-beginning?"))
        .count();
    assert_eq!(seeks, 2);
    let final_polls = completions
        .iter()
        .filter(|c| c.f == "poll" && c.extra.iter().any(|(k, _)| k == "poll-ms"))
        .count();
    assert!(final_polls >= 2, "{final_polls}");
}

fn kafka_reusing_offsets() {
    let mut flags = KAFKA.to_vec();
    flags.push("reuse-offsets");
    let o = run("raw-kafka", &flags);
    o.assert_clean();
    let workload = o.check("workload");
    assert_eq!(workload.validity, Validity::Invalid, "{}", workload.summary);
    let text = format!("{} {:?}", workload.summary, workload.details);
    assert!(text.contains("inconsistent-offsets"), "{text}");
}

const TXN: &[&str] = &[
    "-w",
    "txn-rw-register",
    "--node-count",
    "1",
    "--time-limit",
    "5",
    "--rate",
    "300",
    "--concurrency",
    "2n",
];

fn txn() {
    let mut flags = TXN.to_vec();
    flags.extend([
        "--consistency-models",
        "read-uncommitted",
        "--availability",
        "total",
    ]);
    let o = run("raw-txn", &flags);
    o.assert_clean();
    o.assert_all_valid();
    o.assert_rate(0.6);
    let pairs = o.record.history.pairs();
    let mut filled = 0;
    for (invoke, done) in pairs {
        let done = done.unwrap();
        assert_eq!(done.kind, OpType::Ok);
        let asked = invoke.value.as_slice().unwrap();
        let got = done.value.as_slice().unwrap();
        assert_eq!(asked.len(), got.len());
        for (a, g) in asked.iter().zip(got) {
            let (a, g) = (a.as_slice().unwrap(), g.as_slice().unwrap());
            assert_eq!(a[0], g[0], "micro-op functions are keywords both ways");
            assert_eq!(a[1], g[1]);
            if a[0] == Value::keyword("r") {
                assert!(a[2].is_nil());
                filled += usize::from(!g[2].is_nil());
            } else {
                assert_eq!(a[2], g[2]);
            }
        }
    }
    assert!(filled > 50, "{filled} reads saw a value");
}

fn txn_aborting_after_writes() {
    let mut flags = TXN.to_vec();
    flags.extend([
        "--consistency-models",
        "read-committed",
        "abort-after-write",
    ]);
    let o = run("raw-txn", &flags);
    o.assert_clean();
    // The aborts are definite errors: :fail with [:txn-conflict "…"].
    let failed: Vec<&Op> = o
        .completions()
        .into_iter()
        .filter(|c| c.kind == OpType::Fail)
        .collect();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(
        |c| c.error.as_ref().unwrap().as_slice().unwrap()[0] == Value::keyword("txn-conflict")
    ));
    let workload = o.check("workload");
    assert_eq!(workload.validity, Validity::Invalid, "{}", workload.summary);
    let text = format!("{} {:?}", workload.summary, workload.details);
    assert!(text.contains("G1a"), "{text}");
}
