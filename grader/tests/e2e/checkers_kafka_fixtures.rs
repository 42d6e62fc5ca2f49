//! The kafka checker against real Maelstrom runs of level 5a (`/work/shared/fixtures/maelstrom`).
//!
//! The fixtures are third-party data kept outside the repository: each test skips with a note
//! when they are absent. `GLOMERS_SHARED` may point at the shared folder instead.

use std::path::PathBuf;
use std::time::Instant;

use crate::support;
use grader::checkers::kafka::{self, AnomalyType};

use grader::edn;
use grader::history::{History, Op, OpType, Process};
use grader::value::Value;
use grader::verdict::Validity;

fn fixture(name: &str) -> Option<PathBuf> {
    support::maelstrom_fixture(name)
}

fn results(dir: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(dir.join("results.edn")).unwrap();
    edn::parse(&text).unwrap()
}

fn read_history(dir: &std::path::Path) -> History {
    History::from_edn(&std::fs::read_to_string(dir.join("history.edn")).unwrap()).unwrap()
}

/// A poll completion's value: `[[:poll {key [[offset message] …] …}]]`.
fn poll_value(keys: &[(&str, std::ops::Range<i64>)]) -> Value {
    let msgs = keys
        .iter()
        .map(|(k, offsets)| {
            let pairs = offsets
                .clone()
                .map(|o| Value::Vec(vec![Value::Int(o), Value::Int(o + 1)]))
                .collect();
            (Value::from(*k), Value::Vec(pairs))
        })
        .collect();
    Value::Vec(vec![Value::Vec(vec![
        Value::keyword("poll"),
        Value::Map(msgs),
    ])])
}

/// The 5a-valid `history.edn` lost the values of the two final polls: it shows them as
/// `[[:poll]]`, while the same run's `jepsen.log` shows the last one returning every key from
/// offset 0 (e.g. `"435" [[0 1] … [6 7]]`). Read as stored, the history therefore leaves the
/// last sends to keys "435" and "439" unseen; that is exactly what the checker must find.
#[test]
fn the_5a_valid_history_as_stored_leaves_exactly_the_last_sends_unseen() {
    let Some(dir) = fixture("5a-valid") else {
        return;
    };
    let history = read_history(&dir);
    let started = Instant::now();
    let analysis = kafka::analyze(&history);
    eprintln!(
        "analysed {} ops in {:?}",
        history.ops.len(),
        started.elapsed()
    );
    assert_eq!(analysis.error_types(), vec![AnomalyType::Unseen]);
    let unseen: Vec<(String, Vec<i64>)> = analysis
        .unseen
        .iter()
        .map(|(k, vs)| {
            (
                k.as_str().unwrap().to_owned(),
                vs.iter().map(|v| v.as_int().unwrap()).collect(),
            )
        })
        .collect();
    assert_eq!(
        unseen,
        vec![
            ("435".to_owned(), vec![5, 6, 7]),
            ("439".to_owned(), vec![14, 15])
        ]
    );
}

/// With the final poll's values restored (for the two keys that matter), the run is valid, as
/// Maelstrom said, down to its `:worst-realtime-lag`.
#[test]
fn the_5a_valid_run_is_valid_as_maelstrom_said() {
    let Some(dir) = fixture("5a-valid") else {
        return;
    };
    let maelstrom = results(&dir);
    let workload = maelstrom.get("workload").unwrap();
    assert_eq!(workload.get("valid?"), Some(&Value::Bool(true)));
    assert_eq!(workload.get("error-types"), Some(&Value::Vec(vec![])));

    let mut history = read_history(&dir);
    let last = history.ops.last_mut().unwrap();
    assert_eq!(
        (last.index, last.kind, last.f.as_str()),
        (32897, OpType::Ok, "poll")
    );
    last.value = poll_value(&[("435", 0..7), ("439", 0..15)]);

    let analysis = kafka::analyze(&history);
    assert_eq!(
        analysis.validity,
        Validity::Valid,
        "{}",
        kafka::check(&history).details.join("\n")
    );
    assert!(analysis.error_types().is_empty());
    assert_eq!(analysis.unseen_count(), 0);

    // Maelstrom's :worst-realtime-lag {:time 0.035082666, :process 2, :key "9", :lag 0.0}.
    let lag = analysis.worst_realtime_lag.expect("a measured lag");
    let expected = workload.get("worst-realtime-lag").unwrap();
    let secs = |v: &Value| v.as_f64().unwrap();
    assert_eq!(lag.time as f64 / 1e9, secs(expected.get("time").unwrap()));
    assert_eq!(lag.lag as f64 / 1e9, secs(expected.get("lag").unwrap()));
    assert_eq!(
        Value::Int(lag.process as i64),
        *expected.get("process").unwrap()
    );
    assert_eq!(&lag.key, expected.get("key").unwrap());

    let check = kafka::check(&history);
    assert_eq!(check.name, "workload");
    assert_eq!(check.validity, Validity::Valid);
    assert!(check.figures.iter().any(|f| f.label == "keys"));
}

/// Hiding one message from the only poll that returned it turns the valid run into a lost
/// write (a later poll of the key read past it) and an unseen message.
#[test]
fn the_5a_valid_run_with_one_polled_message_hidden_loses_it() {
    let Some(dir) = fixture("5a-valid") else {
        return;
    };
    let mut history = read_history(&dir);
    history.ops.last_mut().unwrap().value = poll_value(&[("435", 0..7), ("439", 0..15)]);
    // Key "9" offset 0 (message 1) is returned by one ok poll only, op 44.
    let readers: Vec<usize> = history
        .ops
        .iter()
        .filter(|op| op.kind == OpType::Ok && op.f == "poll")
        .filter(|op| op.value.to_string().contains(r#""9" [[0 1]"#))
        .map(|op| op.index)
        .collect();
    assert_eq!(readers, vec![44]);
    let op = &mut history.ops[44];
    assert_eq!(
        op.value.to_string(),
        r#"[[:poll {"9" [[0 1] [1 2] [2 3]]}]]"#
    );
    op.value = poll_value(&[("9", 1..3)]);
    let analysis = kafka::analyze(&history);
    assert_eq!(analysis.validity, Validity::Invalid);
    assert_eq!(
        analysis.error_types(),
        vec![AnomalyType::LostWrite, AnomalyType::Unseen]
    );
    let lost = analysis.cases(AnomalyType::LostWrite);
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].key, Some(Value::from("9")));
    assert_eq!(lost[0].values[0], Value::Int(1));
    assert_eq!(lost[0].offsets[0], 0);
    assert_eq!(
        analysis.unseen.get(&Value::from("9")),
        Some(&vec![Value::Int(1)])
    );
    let check = kafka::check(&history);
    assert!(check.summary.contains("lost write"), "{}", check.summary);
    assert!(
        check.summary.contains(r#"key "9" offset 0 (message 1)"#),
        "{}",
        check.summary
    );
}

/// The malformed-reply run (Maelstrom 0.2.3, Jepsen 0.3.1): the node answered every poll
/// without `msgs`, so every op was `:info` and nothing succeeded. Its `results.edn` keeps no
/// history, but its `:stats` give the exact mix of completions, which is all that matters when
/// none of them is `:ok`.
#[test]
fn the_5a_malformed_reply_run_fails_on_stats_and_its_workload_cannot_pass() {
    let Some(dir) = fixture("5a-invalid-malformed-reply") else {
        return;
    };
    let maelstrom = results(&dir);
    // The run is invalid because of :stats: no :f ever succeeded.
    assert_eq!(maelstrom.get("valid?"), Some(&Value::Bool(false)));
    let stats = maelstrom.get("stats").unwrap();
    assert_eq!(stats.get("valid?"), Some(&Value::Bool(false)));
    assert_eq!(stats.get("ok-count"), Some(&Value::Int(0)));
    // :exceptions is valid (it never fails a run); :workload is :unknown, because Jepsen
    // 0.3.1's checker crashed formatting :worst-realtime-lag when no poll was ever measured.
    assert_eq!(
        maelstrom.path(&["exceptions", "valid?"]),
        Some(&Value::Bool(true))
    );
    let workload = maelstrom.get("workload").unwrap();
    assert_eq!(workload.get("valid?"), Some(&Value::keyword("unknown")));
    let error = workload.get("error").and_then(Value::as_str).unwrap();
    assert!(error.contains("NullPointerException"), "{error}");
    assert!(error.contains("nanos__GT_secs"), "{error}");

    // The same mix of completions, every one :info.
    let by_f = stats.get("by-f").unwrap();
    let count = |f: &str| {
        by_f.path(&[f, "info-count"])
            .and_then(Value::as_int)
            .unwrap()
    };
    let mut ops = Vec::new();
    let mut process = 0u64;
    let mut push = |f: &str, value: Value, n: i64| {
        for _ in 0..n {
            let p = Process::Client(process);
            ops.push(Op::new(OpType::Invoke, p, f, value.clone()));
            let mut done = Op::new(OpType::Info, p, f, value.clone());
            done.error = Some(Value::Str("indeterminate: Malformed RPC response".into()));
            ops.push(done);
            process += 2; // an :info op gives the thread a new process
        }
    };
    push("crash", Value::Nil, count("crash"));
    push(
        "assign",
        Value::Vec(vec![Value::from("1")]),
        count("assign"),
    );
    let poll = Value::Vec(vec![Value::Vec(vec![Value::keyword("poll")])]);
    push("poll", poll, count("poll"));
    for v in 0..count("send") {
        let send = Value::Vec(vec![Value::Vec(vec![
            Value::keyword("send"),
            Value::from("1"),
            Value::Int(v),
        ])]);
        push("send", send, 1);
    }
    let history = History::new(ops);
    assert_eq!(
        history.ops.len() as i64 / 2,
        stats.get("count").and_then(Value::as_int).unwrap()
    );

    let analysis = kafka::analyze(&history);
    // The condition that crashed Jepsen 0.3.1: not a single lag measurement.
    assert_eq!(analysis.worst_realtime_lag, None);
    // Jepsen 0.3.7 (Maelstrom 0.2.4, which this checker follows) no longer crashes there, and
    // finds an empty transaction graph instead, which it does not allow: the workload fails
    // rather than being unknown. Either way it cannot pass, and the run fails on :stats.
    assert_eq!(
        analysis.error_types(),
        vec![AnomalyType::EmptyTransactionGraph]
    );
    assert_eq!(analysis.validity, Validity::Invalid);
    assert_eq!(analysis.unseen_count(), 0);
}
