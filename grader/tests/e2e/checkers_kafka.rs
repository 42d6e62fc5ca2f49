//! The kafka checker on hand-built histories: each failing one holds one anomaly (or the ones
//! that necessarily come with it) and must fail with exactly that; the passing ones must pass.

use grader::checkers::kafka::{self, AnomalyType, KafkaAnalysis};
use grader::history::{History, Op, OpType, Process};
use grader::value::Value;
use grader::verdict::Validity;

/// Builds a kafka history the way Maelstrom's client records one, a millisecond per entry.
#[derive(Default)]
struct Builder {
    ops: Vec<Op>,
}

fn mop(parts: Vec<Value>) -> Value {
    Value::Vec(parts)
}

fn send_invocation(key: &str, msg: i64) -> Value {
    Value::Vec(vec![mop(vec![
        Value::keyword("send"),
        key.into(),
        msg.into(),
    ])])
}

fn poll_result(keys: &[(&str, &[(i64, i64)])]) -> Value {
    let msgs = keys
        .iter()
        .map(|(k, pairs)| {
            let pairs = pairs
                .iter()
                .map(|(o, m)| Value::Vec(vec![(*o).into(), (*m).into()]))
                .collect();
            (Value::from(*k), Value::Vec(pairs))
        })
        .collect();
    Value::Vec(vec![mop(vec![Value::keyword("poll"), Value::Map(msgs)])])
}

impl Builder {
    fn push(&mut self, kind: OpType, p: u64, f: &str, value: Value) -> &mut Self {
        let mut op = Op::new(kind, Process::Client(p), f, value);
        op.time = (self.ops.len() as u64 + 1) * 1_000_000;
        self.ops.push(op);
        self
    }

    fn invoke_send(&mut self, p: u64, key: &str, msg: i64) -> &mut Self {
        self.push(OpType::Invoke, p, "send", send_invocation(key, msg))
    }

    fn ok_send(&mut self, p: u64, key: &str, msg: i64, offset: i64) -> &mut Self {
        let value = Value::Vec(vec![mop(vec![
            Value::keyword("send"),
            key.into(),
            Value::Vec(vec![offset.into(), msg.into()]),
        ])]);
        self.push(OpType::Ok, p, "send", value)
    }

    /// An acknowledged send: invocation and completion.
    fn send(&mut self, p: u64, key: &str, msg: i64, offset: i64) -> &mut Self {
        self.invoke_send(p, key, msg).ok_send(p, key, msg, offset)
    }

    /// A send that ended `:info` or `:fail`: its value stays the invocation's.
    fn send_ended(&mut self, kind: OpType, p: u64, key: &str, msg: i64) -> &mut Self {
        self.invoke_send(p, key, msg)
            .push(kind, p, "send", send_invocation(key, msg))
    }

    fn invoke_poll(&mut self, p: u64) -> &mut Self {
        let value = Value::Vec(vec![mop(vec![Value::keyword("poll")])]);
        self.push(OpType::Invoke, p, "poll", value)
    }

    fn ok_poll(&mut self, p: u64, keys: &[(&str, &[(i64, i64)])]) -> &mut Self {
        self.push(OpType::Ok, p, "poll", poll_result(keys))
    }

    /// A poll returning these pairs per key.
    fn poll(&mut self, p: u64, keys: &[(&str, &[(i64, i64)])]) -> &mut Self {
        self.invoke_poll(p).ok_poll(p, keys)
    }

    fn assign(&mut self, p: u64, keys: &[&str]) -> &mut Self {
        let value = Value::Vec(keys.iter().map(|k| Value::from(*k)).collect());
        self.push(OpType::Invoke, p, "assign", value.clone())
            .push(OpType::Ok, p, "assign", value)
    }

    fn crash(&mut self, p: u64) -> &mut Self {
        self.push(OpType::Invoke, p, "crash", Value::Nil)
            .push(OpType::Info, p, "crash", Value::Nil)
    }

    fn build(&self) -> History {
        History::new(self.ops.clone())
    }
}

fn analyze(b: &Builder) -> KafkaAnalysis {
    kafka::analyze(&b.build())
}

/// The history must fail with exactly these anomaly types, and the check must say so.
fn assert_fails_with(b: &Builder, expected: &[AnomalyType]) -> KafkaAnalysis {
    let history = b.build();
    let analysis = kafka::analyze(&history);
    let check = kafka::check(&history);
    assert_eq!(
        analysis.error_types(),
        expected,
        "{}",
        check.details.join("\n")
    );
    assert_eq!(analysis.validity, Validity::Invalid);
    assert_eq!(check.validity, Validity::Invalid);
    assert_eq!(check.name, "workload");
    for kind in expected {
        assert!(
            check.summary.contains(kind.keyword()),
            "summary {:?} does not name {kind}",
            check.summary
        );
        assert!(
            check
                .details
                .iter()
                .any(|d| d.starts_with(&format!(":{}", kind.keyword()))),
            "no example of {kind} in {:?}",
            check.details
        );
    }
    analysis
}

fn assert_passes(b: &Builder) -> KafkaAnalysis {
    let history = b.build();
    let analysis = kafka::analyze(&history);
    let check = kafka::check(&history);
    assert_eq!(
        analysis.validity,
        Validity::Valid,
        "{}\n{}",
        check.summary,
        check.details.join("\n")
    );
    assert_eq!(check.validity, Validity::Valid);
    analysis
}

/// Three messages sent to "k" by process 0, polled in full by process 9 at the end.
fn three_sends() -> Builder {
    let mut b = Builder::default();
    b.send(0, "k", 1, 0).send(0, "k", 2, 1).send(0, "k", 3, 2);
    b
}

fn full_poll(b: &mut Builder) -> &mut Builder {
    b.poll(9, &[("k", &[(0, 1), (1, 2), (2, 3)])])
}

// ----- histories that must pass -----

#[test]
fn sends_polled_in_order_pass() {
    let mut b = three_sends();
    b.poll(1, &[("k", &[(0, 1), (1, 2)])])
        .poll(1, &[("k", &[(2, 3)])])
        .poll(1, &[]);
    let analysis = assert_passes(&b);
    assert_eq!(analysis.stats.ok_sends, 3);
    assert_eq!(analysis.stats.ok_polls, 3);
    assert_eq!(analysis.stats.keys, 1);
    assert_eq!(analysis.unseen_count(), 0);
    assert!(kafka::check(&b.build()).summary.contains("3 ok sends"));
}

#[test]
fn a_valid_run_with_assigns_crashes_and_an_indeterminate_send_passes() {
    let mut b = Builder::default();
    b.crash(0) // process 0 becomes process 2
        .send(2, "k", 1, 0)
        .send(2, "j", 1, 0)
        .assign(1, &["k"])
        .poll(1, &[("k", &[(0, 1)])])
        // Re-assigning drops "k"'s position; polling it again from 0 afterwards is no
        // regression.
        .assign(1, &["j"])
        .poll(1, &[("j", &[(0, 1)])])
        .assign(1, &["k", "j"])
        .send(2, "k", 2, 1)
        .poll(1, &[("k", &[(0, 1), (1, 2)])])
        // A send that timed out but whose message a poll later returns.
        .send_ended(OpType::Info, 2, "k", 3)
        .crash(1) // process 1 becomes process 3, with a fresh client
        .assign(3, &["k", "j"])
        .poll(3, &[("k", &[(0, 1), (1, 2), (2, 3)]), ("j", &[(0, 1)])]);
    let analysis = assert_passes(&b);
    assert_eq!(analysis.stats.crashes, 2);
    assert_eq!(analysis.stats.assigns, 4);
    assert!(analysis.error_types().is_empty());
}

#[test]
fn an_internal_send_skip_is_allowed() {
    // One op sends two messages to "k"; another process's send lands between them.
    let mut b = Builder::default();
    let two = Value::Vec(vec![
        mop(vec![Value::keyword("send"), "k".into(), 1.into()]),
        mop(vec![Value::keyword("send"), "k".into(), 3.into()]),
    ]);
    let two_ok = Value::Vec(vec![
        mop(vec![
            Value::keyword("send"),
            "k".into(),
            Value::Vec(vec![0.into(), 1.into()]),
        ]),
        mop(vec![
            Value::keyword("send"),
            "k".into(),
            Value::Vec(vec![2.into(), 3.into()]),
        ]),
    ]);
    b.push(OpType::Invoke, 0, "send", two)
        .send(1, "k", 2, 1)
        .push(OpType::Ok, 0, "send", two_ok);
    full_poll(&mut b);
    let analysis = assert_passes(&b);
    assert_eq!(analysis.error_types(), vec![AnomalyType::IntSendSkip]);
    assert!(analysis.bad_error_types.is_empty());
    assert!(kafka::check(&b.build()).summary.contains("allowed"));
}

// ----- histories that must fail -----

#[test]
fn one_offset_with_two_messages_is_inconsistent() {
    let mut b = Builder::default();
    b.send(0, "k", 1, 0)
        .send(1, "k", 2, 0)
        .poll(2, &[("k", &[(0, 1)])])
        .poll(3, &[("k", &[(0, 2)])]);
    let analysis = assert_fails_with(&b, &[AnomalyType::InconsistentOffsets]);
    let case = &analysis.cases(AnomalyType::InconsistentOffsets)[0];
    assert_eq!(case.key, Some("k".into()));
    assert_eq!(case.offsets, vec![0]);
    assert_eq!(case.values, vec![Value::Int(1), Value::Int(2)]);
}

#[test]
fn one_message_at_two_offsets_is_a_duplicate() {
    let mut b = Builder::default();
    b.send(0, "k", 1, 0)
        .poll(1, &[("k", &[(0, 1)])])
        .poll(2, &[("k", &[(1, 1)])]);
    let analysis = assert_fails_with(&b, &[AnomalyType::Duplicate]);
    let case = &analysis.cases(AnomalyType::Duplicate)[0];
    assert_eq!(case.offsets, vec![0, 1]);
    assert_eq!(case.values, vec![Value::Int(1)]);
}

#[test]
fn an_acknowledged_message_below_a_polled_one_is_a_lost_write() {
    // Message 1 is acknowledged at offset 0, but the only poll starts at offset 1. A lost
    // acknowledged message is necessarily unseen as well.
    let mut b = three_sends();
    b.poll(1, &[("k", &[(1, 2), (2, 3)])]);
    let analysis = assert_fails_with(&b, &[AnomalyType::LostWrite, AnomalyType::Unseen]);
    let lost = &analysis.cases(AnomalyType::LostWrite)[0];
    assert_eq!(lost.key, Some("k".into()));
    assert_eq!(
        (lost.values[0].clone(), lost.offsets[0]),
        (Value::Int(1), 0)
    );
    assert_eq!(lost.ops[0].index, 1, "the acknowledging send");
    let summary = kafka::check(&b.build()).summary;
    assert!(
        summary.contains(r#"key "k" offset 0 (message 1) was acknowledged"#),
        "{summary}"
    );
}

#[test]
fn polling_a_message_whose_send_failed_is_an_aborted_read() {
    let mut b = Builder::default();
    // (The trailing empty poll keeps Jepsen's last-op quirk of `unseen` out of the way.)
    b.send_ended(OpType::Fail, 0, "k", 1)
        .poll(1, &[("k", &[(0, 1)])])
        .poll(1, &[]);
    let analysis = assert_fails_with(&b, &[AnomalyType::G1a]);
    assert_eq!(analysis.cases(AnomalyType::G1a)[0].ops[1].index, 3);
}

#[test]
fn a_process_whose_next_poll_jumps_ahead_skips() {
    let mut b = three_sends();
    b.poll(1, &[("k", &[(0, 1)])]).poll(1, &[("k", &[(2, 3)])]);
    full_poll(&mut b);
    let analysis = assert_fails_with(&b, &[AnomalyType::PollSkip]);
    let skip = &analysis.cases(AnomalyType::PollSkip)[0];
    assert_eq!(skip.rank, Some(2));
    assert_eq!(
        skip.ops.iter().map(|o| o.process).collect::<Vec<_>>(),
        vec![1, 1]
    );
}

#[test]
fn a_process_whose_next_poll_goes_back_is_nonmonotonic() {
    let mut b = three_sends();
    b.poll(1, &[("k", &[(0, 1), (1, 2)])])
        .poll(1, &[("k", &[(1, 2), (2, 3)])]);
    let analysis = assert_fails_with(&b, &[AnomalyType::NonmonotonicPoll]);
    assert_eq!(
        analysis.cases(AnomalyType::NonmonotonicPoll)[0].rank,
        Some(0)
    );
}

#[test]
fn assigning_the_key_away_and_back_resets_the_poll_position() {
    let mut b = three_sends();
    b.poll(1, &[("k", &[(0, 1), (1, 2)])])
        .assign(1, &["other"])
        .assign(1, &["k"])
        .poll(1, &[("k", &[(0, 1), (1, 2), (2, 3)])]);
    assert_passes(&b);
    // Keeping "k" assigned keeps its position: the same polls then go back.
    let mut b = three_sends();
    b.poll(1, &[("k", &[(0, 1), (1, 2)])])
        .assign(1, &["k", "other"])
        .poll(1, &[("k", &[(0, 1), (1, 2), (2, 3)])]);
    assert_fails_with(&b, &[AnomalyType::NonmonotonicPoll]);
}

#[test]
fn a_poll_with_a_gap_inside_is_an_internal_skip() {
    let mut b = three_sends();
    b.poll(1, &[("k", &[(0, 1), (2, 3)])]);
    full_poll(&mut b);
    let analysis = assert_fails_with(&b, &[AnomalyType::IntPollSkip]);
    assert_eq!(analysis.cases(AnomalyType::IntPollSkip)[0].rank, Some(2));
}

#[test]
fn a_poll_going_backwards_inside_is_internally_nonmonotonic() {
    let mut b = three_sends();
    b.poll(1, &[("k", &[(1, 2), (0, 1)])]);
    full_poll(&mut b);
    assert_fails_with(&b, &[AnomalyType::IntNonmonotonicPoll]);
}

#[test]
fn a_process_whose_sends_land_backwards_is_nonmonotonic() {
    let mut b = Builder::default();
    b.send(0, "k", 1, 1)
        .send(0, "k", 2, 0)
        .poll(1, &[("k", &[(0, 2), (1, 1)])]);
    let analysis = assert_fails_with(&b, &[AnomalyType::NonmonotonicSend]);
    assert_eq!(
        analysis.cases(AnomalyType::NonmonotonicSend)[0].rank,
        Some(-1)
    );
}

#[test]
fn one_op_sending_backwards_is_internally_nonmonotonic() {
    let mut b = Builder::default();
    let two = Value::Vec(vec![
        mop(vec![Value::keyword("send"), "k".into(), 1.into()]),
        mop(vec![Value::keyword("send"), "k".into(), 2.into()]),
    ]);
    let two_ok = Value::Vec(vec![
        mop(vec![
            Value::keyword("send"),
            "k".into(),
            Value::Vec(vec![1.into(), 1.into()]),
        ]),
        mop(vec![
            Value::keyword("send"),
            "k".into(),
            Value::Vec(vec![0.into(), 2.into()]),
        ]),
    ]);
    b.push(OpType::Invoke, 0, "send", two)
        .push(OpType::Ok, 0, "send", two_ok)
        .poll(1, &[("k", &[(0, 2), (1, 1)])]);
    assert_fails_with(&b, &[AnomalyType::IntNonmonotonicSend]);
}

#[test]
fn an_acknowledged_message_never_polled_is_unseen() {
    let mut b = Builder::default();
    b.send(0, "k", 1, 0).poll(1, &[]);
    let analysis = assert_fails_with(&b, &[AnomalyType::Unseen]);
    assert_eq!(analysis.unseen_count(), 1);
    assert_eq!(analysis.unseen.get(&"k".into()), Some(&vec![Value::Int(1)]));
}

#[test]
fn a_poll_that_saw_a_send_from_its_future_is_a_realtime_cycle() {
    // Process 1's poll completes, returning message 1, before process 0 even sends it.
    let mut b = Builder::default();
    b.poll(1, &[("k", &[(0, 1)])]).send(0, "k", 1, 0);
    let analysis = assert_fails_with(&b, &[AnomalyType::G1cRealtime]);
    let cycle = &analysis.cases(AnomalyType::G1cRealtime)[0];
    let mut indices: Vec<usize> = cycle.ops.iter().map(|o| o.index).collect();
    indices.sort();
    assert_eq!(indices, vec![1, 3]);
    assert!(
        cycle.explanation.contains("completed before"),
        "{}",
        cycle.explanation
    );
}

#[test]
fn a_history_where_nothing_succeeded_has_an_empty_graph() {
    let mut b = Builder::default();
    b.send_ended(OpType::Info, 0, "k", 1)
        .send_ended(OpType::Info, 2, "k", 2);
    assert_fails_with(&b, &[AnomalyType::EmptyTransactionGraph]);
}

/// Jepsen's `unseen` treats a key first polled by the very last ok op, with no acknowledged
/// send, as unseen; any later ok op clears it.
#[test]
fn unseen_keeps_jepsens_last_op_quirk() {
    let mut b = Builder::default();
    b.send_ended(OpType::Info, 0, "k", 1)
        .poll(1, &[("k", &[(0, 1)])]);
    assert_fails_with(&b, &[AnomalyType::Unseen]);
    b.poll(1, &[]);
    assert_passes(&b);
}

// ----- histories Maelstrom's checker cannot decide -----

#[test]
fn a_polled_message_nobody_sent_is_undecidable() {
    let mut b = Builder::default();
    b.send(0, "k", 1, 0).poll(1, &[("k", &[(0, 1), (1, 99)])]);
    let analysis = analyze(&b);
    assert_eq!(analysis.validity, Validity::Unknown);
    let reason = analysis.unknown_reason.unwrap();
    assert!(reason.contains("no-writer-of-value"), "{reason}");
    assert!(reason.contains("99"), "{reason}");
    assert_eq!(kafka::check(&b.build()).validity, Validity::Unknown);
}

#[test]
fn a_key_only_ever_polled_as_an_empty_list_is_undecidable() {
    let mut b = Builder::default();
    b.send(0, "k", 1, 0)
        .poll(1, &[("k", &[(0, 1)]), ("empty", &[])]);
    let analysis = analyze(&b);
    assert_eq!(analysis.validity, Validity::Unknown);
    assert!(analysis.unknown_reason.unwrap().contains(r#""empty""#));
    // Once some poll returns a message in that key, the empty lists are harmless.
    b.send(0, "empty", 7, 0).poll(2, &[("empty", &[(0, 7)])]);
    assert_passes(&b);
}

#[test]
fn a_malformed_poll_result_is_undecidable_not_a_panic() {
    let mut b = Builder::default();
    b.invoke_poll(0).push(
        OpType::Ok,
        0,
        "poll",
        Value::Vec(vec![mop(vec![Value::keyword("poll"), Value::Int(5)])]),
    );
    let analysis = analyze(&b);
    assert_eq!(analysis.validity, Validity::Unknown);
}

// ----- scale -----

/// A run the size of 5a's (rate 1000 for 20 s: ~20 000 ops over a few hundred keys) is
/// analysed quickly even in a debug build.
#[test]
fn a_twenty_thousand_op_run_is_analysed_quickly() {
    let mut b = Builder::default();
    let mut next_offset = std::collections::HashMap::new();
    for i in 0..10_000i64 {
        let key = format!("{}", i / 16);
        let offset = next_offset.entry(key.clone()).or_insert(0);
        b.send(i as u64 % 2, &key, i % 16 + 1, *offset);
        *offset += 1;
        if i % 16 == 15 {
            let pairs: Vec<(i64, i64)> = (0..16).map(|o| (o, o + 1)).collect();
            b.poll(2 + (i as u64 / 16) % 2, &[(&key, &pairs)]);
        }
    }
    let history = b.build();
    assert!(history.ops.len() > 20_000);
    let started = std::time::Instant::now();
    let analysis = kafka::analyze(&history);
    let elapsed = started.elapsed();
    assert_eq!(analysis.validity, Validity::Valid);
    eprintln!("{} ops in {elapsed:?}", history.ops.len());
    assert!(elapsed.as_secs_f64() < 2.0, "took {elapsed:?}");
}

#[test]
fn a_transaction_polling_its_own_send_is_a_precommitted_read() {
    let mut b = Builder::default();
    let txn = Value::Vec(vec![
        mop(vec![Value::keyword("send"), "k".into(), 1.into()]),
        mop(vec![Value::keyword("poll")]),
    ]);
    let txn_ok = Value::Vec(vec![
        mop(vec![
            Value::keyword("send"),
            "k".into(),
            Value::Vec(vec![0.into(), 1.into()]),
        ]),
        mop(vec![
            Value::keyword("poll"),
            Value::Map(vec![(
                "k".into(),
                Value::Vec(vec![Value::Vec(vec![0.into(), 1.into()])]),
            )]),
        ]),
    ]);
    b.push(OpType::Invoke, 0, "txn", txn)
        .push(OpType::Ok, 0, "txn", txn_ok)
        .poll(1, &[("k", &[(0, 1)])]);
    assert_fails_with(&b, &[AnomalyType::PrecommittedRead]);
}
