//! Unit tests of the pieces: reading op values, version orders, lag.

use super::ops::Parsed;
use super::orders::Orders;
use crate::history::{History, Op, OpType, Process};
use crate::value::Value;

fn kw(k: &str) -> Value {
    Value::keyword(k)
}

fn send_ok(p: u64, key: &str, offset: i64, msg: i64) -> [Op; 2] {
    [
        Op::new(
            OpType::Invoke,
            Process::Client(p),
            "send",
            Value::Vec(vec![Value::Vec(vec![kw("send"), key.into(), msg.into()])]),
        ),
        Op::new(
            OpType::Ok,
            Process::Client(p),
            "send",
            Value::Vec(vec![Value::Vec(vec![
                kw("send"),
                key.into(),
                Value::Vec(vec![offset.into(), msg.into()]),
            ])]),
        ),
    ]
}

fn poll_ok(p: u64, key: &str, pairs: &[(i64, i64)]) -> [Op; 2] {
    let pairs = Value::Vec(
        pairs
            .iter()
            .map(|(o, m)| Value::Vec(vec![(*o).into(), (*m).into()]))
            .collect(),
    );
    [
        Op::new(
            OpType::Invoke,
            Process::Client(p),
            "poll",
            Value::Vec(vec![Value::Vec(vec![kw("poll")])]),
        ),
        Op::new(
            OpType::Ok,
            Process::Client(p),
            "poll",
            Value::Vec(vec![Value::Vec(vec![
                kw("poll"),
                Value::Map(vec![(key.into(), pairs)]),
            ])]),
        ),
    ]
}

#[test]
fn reads_sends_and_polls_into_completions() {
    let mut ops = Vec::new();
    ops.extend(send_ok(0, "k", 0, 10));
    ops.extend(poll_ok(1, "k", &[(0, 10)]));
    let parsed = Parsed::read(&History::new(ops)).unwrap();
    assert_eq!(parsed.ops.len(), 2);
    assert_eq!(parsed.invocations.len(), 2);
    let send = &parsed.ops[0];
    assert_eq!(send.writes.len(), 1);
    assert_eq!(send.writes[0].offset, Some(0));
    assert_eq!(parsed.value(send.writes[0].value), &Value::Int(10));
    let poll = &parsed.ops[1];
    assert_eq!(poll.reads.len(), 1);
    assert_eq!(poll.reads[0].1[0].offset, Some(0));
}

#[test]
fn a_poll_value_that_is_not_a_map_is_malformed() {
    let bad = Op::new(
        OpType::Ok,
        Process::Client(0),
        "poll",
        Value::Vec(vec![Value::Vec(vec![kw("poll"), Value::Int(3)])]),
    );
    let err = Parsed::read(&History::new(vec![bad])).unwrap_err();
    assert!(err.to_string().contains("not a map"), "{err}");
}

#[test]
fn dense_indices_skip_holes_in_offsets() {
    let mut ops = Vec::new();
    ops.extend(send_ok(0, "k", 0, 10));
    ops.extend(send_ok(0, "k", 5, 11));
    ops.extend(send_ok(0, "k", 9, 12));
    let parsed = Parsed::read(&History::new(ops)).unwrap();
    let orders = Orders::build(&parsed);
    let order = orders.keys.values().next().unwrap();
    assert_eq!(order.offset_at, vec![0, 5, 9]);
    let idx = |m: i64| {
        let v = parsed
            .values
            .items
            .iter()
            .position(|x| *x == Value::Int(m))
            .unwrap() as u32;
        order.by_value[&v]
    };
    assert_eq!((idx(10), idx(11), idx(12)), (0, 1, 2));
}

#[test]
fn a_failed_send_does_not_enter_the_log_but_a_poll_does() {
    let mut ops = Vec::new();
    ops.extend(send_ok(0, "k", 0, 10));
    let mut failed = send_ok(0, "k", 1, 11);
    failed[1].kind = OpType::Fail;
    ops.extend(failed);
    ops.extend(poll_ok(1, "k", &[(2, 12)]));
    let parsed = Parsed::read(&History::new(ops)).unwrap();
    let orders = Orders::build(&parsed);
    let order = orders.keys.values().next().unwrap();
    assert_eq!(order.log.keys().copied().collect::<Vec<_>>(), vec![0, 2]);
}

#[test]
fn worst_lag_measures_a_poll_that_missed_an_acknowledged_send() {
    let mut ops = Vec::new();
    ops.extend(send_ok(0, "k", 0, 10));
    ops.extend(poll_ok(1, "k", &[]));
    for (i, op) in ops.iter_mut().enumerate() {
        op.time = (i as u64 + 1) * 1_000;
    }
    let parsed = Parsed::read(&History::new(ops)).unwrap();
    let worst = super::lag::worst_realtime_lag(&parsed).unwrap();
    // Offset 0 was known at t=2000 (the send's ok); the poll was invoked at t=3000.
    assert_eq!((worst.lag, worst.time, worst.process), (1_000, 3_000, 1));
}

#[test]
fn the_summary_counts_unseen_messages_as_the_figure_does() {
    // Three acknowledged sends to key "1", of which a poll returned only the first; nothing
    // polled key "2" at all.
    let mut ops = Vec::new();
    ops.extend(send_ok(0, "1", 0, 10));
    ops.extend(send_ok(0, "1", 1, 11));
    ops.extend(send_ok(0, "1", 2, 12));
    ops.extend(send_ok(0, "2", 0, 20));
    ops.extend(poll_ok(1, "1", &[(0, 10)]));
    let history = History::new(ops);
    let check = super::check(&history);
    let unseen = check
        .figures
        .iter()
        .find(|f| f.label == "unseen messages")
        .expect("an unseen figure");
    assert_eq!(unseen.value, "3", "{check:?}");
    assert!(check.summary.contains("×3 (:unseen)"), "{}", check.summary);
    assert!(!check.summary.contains("×2 (:unseen)"), "{}", check.summary);
}
