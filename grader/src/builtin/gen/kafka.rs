//! The kafka op stream (spec §7.10, §5.6), Jepsen's kafka generator as Maelstrom configures it.
//!
//! Main phase, from the inside out: the txn generator with length 1 gives sends (a write of
//! value v to key k) and polls (a read); before an op, with probability 1/64, an `:assign` of that
//! op's key goes out instead (the op itself waits for the next ask); a third of those assigns also
//! name every key with sent-but-unpolled messages, by the generator's own bookkeeping of `:ok`
//! completions. Beside that stream, a `:crash` falls due at a mean interval of
//! 30 s / concurrency, the first one at once; when one is due it competes 50/50 with the next op.
//! Keys are integers here and strings (`"3"`) on the wire and in the history.
//!
//! Final phase, per thread: `:crash`, then `:assign` of every key the main phase saw succeed with
//! `:seek-to-beginning? true`, then polls every U[0, 0.4 s) until this thread has polled up to the
//! highest offset known for every key; a thread with nothing to wait for issues nothing. The whole
//! phase is capped at [`FINAL_PHASE_LIMIT`] by the caller.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::{Rng, RngCore};

use super::txn::{Mop, TxnConfig, TxnGen};
use crate::history::{Op, OpType};
use crate::options::TestOptions;
use crate::value::Value;

/// A kafka key as the generator counts them; [`wire_key`] renders it.
pub type Key = i64;

/// Probability of an `:assign` in front of an op (Jepsen's `:sub-p` default).
pub const ASSIGN_PROBABILITY: f64 = 1.0 / 64.0;
/// Probability that an assign also names every sent-but-unpolled key.
pub const UNSEEN_PROBABILITY: f64 = 1.0 / 3.0;
/// Each client is crashed about this often (`:crash-client-interval`).
pub const CRASH_CLIENT_INTERVAL: Duration = Duration::from_secs(30);
/// Maelstrom's cap on the whole final phase.
pub const FINAL_PHASE_LIMIT: Duration = Duration::from_secs(10);
/// Final polls are staggered by U[0, this).
pub const FINAL_POLL_GAP_BOUND: Duration = Duration::from_millis(400);
/// The `:poll-ms` Jepsen puts on final polls (recorded, otherwise unused by Maelstrom's client).
pub const FINAL_POLL_MS: u64 = 1000;

/// A key as sent on the wire and recorded in the history.
pub fn wire_key(key: Key) -> String {
    key.to_string()
}

/// A key from the wire, read back as Maelstrom does (`parse-long`); `None` for anything else.
fn parse_key(key: &Value) -> Option<Key> {
    match key {
        Value::Str(s) => s.parse().ok(),
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

/// For an assign that named sent-but-unpolled keys: how far each key was polled and sent
/// (`:unseen {k {:polled p :sent s}}` in the history; `polled` is −1 when never polled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unseen {
    pub polled: i64,
    pub sent: i64,
}

/// One kafka operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KafkaOp {
    /// `{"type":"send","key":"k","msg":value}`.
    Send { key: Key, value: i64 },
    /// A poll of every assigned key from the client's offsets. `poll_ms` is set on final polls.
    Poll { poll_ms: Option<u64> },
    /// Replace the client's assignment. Without `seek_to_beginning`, Maelstrom's client asks
    /// `list_committed_offsets` (and then, by its bug, starts new keys at 0 anyway); with it, no
    /// request is sent and every key starts at 0.
    Assign {
        keys: Vec<Key>,
        seek_to_beginning: bool,
        unseen: Option<BTreeMap<Key, Unseen>>,
    },
    /// Completes `:info` at once with no network traffic; the thread then opens a fresh client.
    Crash,
}

impl KafkaOp {
    /// Jepsen's `:f`.
    pub fn f(&self) -> &'static str {
        match self {
            KafkaOp::Send { .. } => "send",
            KafkaOp::Poll { .. } => "poll",
            KafkaOp::Assign { .. } => "assign",
            KafkaOp::Crash => "crash",
        }
    }

    /// The invocation's `:value`: `[[:send "3" 7]]`, `[[:poll]]`, `["3" "5"]` or `nil`.
    pub fn value(&self) -> Value {
        match self {
            KafkaOp::Send { key, value } => Value::Vec(vec![Value::Vec(vec![
                Value::keyword("send"),
                Value::Str(wire_key(*key)),
                Value::Int(*value),
            ])]),
            KafkaOp::Poll { .. } => Value::Vec(vec![Value::Vec(vec![Value::keyword("poll")])]),
            KafkaOp::Assign { keys, .. } => {
                Value::Vec(keys.iter().map(|k| Value::Str(wire_key(*k))).collect())
            }
            KafkaOp::Crash => Value::Nil,
        }
    }

    /// The invocation's other keys, as Jepsen records them: `:poll-ms`, `:seek-to-beginning?`,
    /// `:unseen`.
    pub fn extra(&self) -> Vec<(String, Value)> {
        match self {
            KafkaOp::Poll {
                poll_ms: Some(ms), ..
            } => vec![("poll-ms".to_owned(), Value::Int(*ms as i64))],
            KafkaOp::Assign {
                seek_to_beginning,
                unseen,
                ..
            } => {
                let mut extra = Vec::new();
                if *seek_to_beginning {
                    extra.push(("seek-to-beginning?".to_owned(), Value::Bool(true)));
                }
                if let Some(unseen) = unseen {
                    let map = unseen
                        .iter()
                        .map(|(k, u)| {
                            let entry = Value::keyword_map([
                                ("polled", Value::Int(u.polled)),
                                ("sent", Value::Int(u.sent)),
                            ]);
                            (Value::Int(*k), entry)
                        })
                        .collect();
                    extra.push(("unseen".to_owned(), Value::Map(map)));
                }
                extra
            }
            _ => Vec::new(),
        }
    }
}

/// The `:ok` send and poll offsets in a completion, per key, as Jepsen's generators read them: a
/// send counts max(0, offset); a poll counts the highest offset returned for a key (−1 for an
/// empty list). `None` unless the completion is an `:ok` send or poll.
///
/// Expected values (what Maelstrom's client records): send `[[:send "k" [offset msg]]]`, poll
/// `[[:poll {"k" [[offset msg] …] …}]]`. Keys that are not integers in decimal are skipped.
fn ok_offsets(completion: &Op) -> Option<BTreeMap<Key, i64>> {
    if completion.kind != OpType::Ok {
        return None;
    }
    let mut offsets = BTreeMap::new();
    let mut note = |key: Key, offset: i64| {
        let entry = offsets.entry(key).or_insert(offset);
        *entry = (*entry).max(offset);
    };
    let mops = completion.value.as_slice()?;
    match completion.f.as_str() {
        "send" => {
            for mop in mops {
                if let Some([_, key, result]) = mop.as_slice().and_then(|m| m.get(..3)) {
                    let offset = result
                        .as_slice()
                        .and_then(|r| r.first())
                        .and_then(Value::as_int);
                    if let (Some(key), Some(offset)) = (parse_key(key), offset) {
                        note(key, offset.max(0));
                    }
                }
            }
        }
        "poll" => {
            for mop in mops {
                let Some(msgs) = mop
                    .as_slice()
                    .and_then(|m| m.get(1))
                    .and_then(Value::as_map)
                else {
                    continue;
                };
                for (key, pairs) in msgs {
                    let Some(key) = parse_key(key) else { continue };
                    let highest = pairs
                        .as_slice()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|pair| pair.as_slice()?.first()?.as_int())
                        .fold(-1, i64::max);
                    note(key, highest);
                }
            }
        }
        _ => return None,
    }
    Some(offsets)
}

/// When the next `:crash` falls due: Jepsen's `stagger` over an endless stream of crashes. The
/// first is due at once; after one is issued at `t`, the next is due at `t + U[0, 2·interval)`,
/// interval = 30 s / concurrency. Times are nanoseconds on the run's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashSchedule {
    gap_bound_nanos: u64,
    next_due: Option<u64>,
}

impl CrashSchedule {
    pub fn new(concurrency: usize) -> CrashSchedule {
        let interval = CRASH_CLIENT_INTERVAL.as_nanos() as u64 / concurrency.max(1) as u64;
        CrashSchedule {
            gap_bound_nanos: 2 * interval,
            next_due: None,
        }
    }

    /// When the next crash is due; `None` before the first (which is due at any time).
    pub fn next_due(&self) -> Option<u64> {
        self.next_due
    }

    pub fn is_due(&self, now: u64) -> bool {
        self.next_due.is_none_or(|due| due <= now)
    }

    /// Records a crash issued at `now`.
    fn issued(&mut self, now: u64, rng: &mut dyn RngCore) {
        let gap = if self.gap_bound_nanos == 0 {
            0
        } else {
            rng.gen_range(0..self.gap_bound_nanos)
        };
        self.next_due = Some(now + gap);
    }
}

/// The main-phase kafka generator (one for the whole run, shared by all threads).
#[derive(Debug, Clone)]
pub struct KafkaGen {
    txns: TxnGen,
    /// The op offered last time but not issued, because an assign went in front of it.
    pending: Option<Mop>,
    /// Per key, the highest offset sent and polled by `:ok` ops, dropped once polled ≥ sent.
    sent: BTreeMap<Key, i64>,
    polled: BTreeMap<Key, i64>,
    /// Per key, the highest offset any `:ok` send or poll saw: what the final phase waits for.
    max_offsets: BTreeMap<Key, i64>,
    crashes: CrashSchedule,
}

impl KafkaGen {
    /// `config` as the flags give it; kafka forces transactions of length 1.
    pub fn new(config: TxnConfig, concurrency: usize) -> KafkaGen {
        KafkaGen {
            txns: TxnGen::new(TxnConfig {
                max_txn_length: 1,
                ..config
            }),
            pending: None,
            sent: BTreeMap::new(),
            polled: BTreeMap::new(),
            max_offsets: BTreeMap::new(),
            crashes: CrashSchedule::new(concurrency),
        }
    }

    pub fn from_options(opts: &TestOptions) -> KafkaGen {
        KafkaGen::new(TxnConfig::from_options(opts), opts.threads())
    }

    /// The next op, for a thread free at `now` (nanoseconds on the run's clock). Ask only when
    /// about to issue: the answer commits the generator's state.
    pub fn next(&mut self, now: u64, rng: &mut dyn RngCore) -> KafkaOp {
        if self.crashes.is_due(now) && rng.gen_bool(0.5) {
            self.crashes.issued(now, rng);
            return KafkaOp::Crash;
        }
        let mop = match self.pending {
            Some(mop) => mop,
            None => self.txns.next(rng).0[0],
        };
        if rng.gen::<f64>() < ASSIGN_PROBABILITY {
            self.pending = Some(mop);
            return self.assign_before(mop.key(), rng);
        }
        self.pending = None;
        match mop {
            Mop::Read { .. } => KafkaOp::Poll { poll_ms: None },
            Mop::Write { key, value } => KafkaOp::Send { key, value },
        }
    }

    fn assign_before(&self, key: Key, rng: &mut dyn RngCore) -> KafkaOp {
        if rng.gen::<f64>() < UNSEEN_PROBABILITY && !self.sent.is_empty() {
            let mut keys: Vec<Key> = self.sent.keys().copied().collect();
            if !keys.contains(&key) {
                keys.push(key);
            }
            let unseen = self
                .sent
                .iter()
                .map(|(k, sent)| {
                    let polled = self.polled.get(k).copied().unwrap_or(-1);
                    (
                        *k,
                        Unseen {
                            polled,
                            sent: *sent,
                        },
                    )
                })
                .collect();
            return KafkaOp::Assign {
                keys,
                seek_to_beginning: false,
                unseen: Some(unseen),
            };
        }
        KafkaOp::Assign {
            keys: vec![key],
            seek_to_beginning: false,
            unseen: None,
        }
    }

    /// Feeds back a completion (any; only `:ok` sends and polls matter).
    pub fn observe(&mut self, completion: &Op) {
        let Some(offsets) = ok_offsets(completion) else {
            return;
        };
        let sends = completion.f == "send";
        for (key, offset) in offsets {
            let max = self.max_offsets.entry(key).or_insert(offset);
            *max = (*max).max(offset);
            let side = if sends {
                &mut self.sent
            } else {
                &mut self.polled
            };
            let entry = side.entry(key).or_insert(offset);
            *entry = (*entry).max(offset);
        }
        // Forget keys whose every sent offset has been polled.
        let caught_up: Vec<Key> = self
            .sent
            .keys()
            .chain(self.polled.keys())
            .copied()
            .filter(|k| {
                self.polled.get(k).copied().unwrap_or(-1) >= self.sent.get(k).copied().unwrap_or(-1)
            })
            .collect();
        for key in caught_up {
            self.sent.remove(&key);
            self.polled.remove(&key);
        }
    }

    pub fn crashes(&self) -> &CrashSchedule {
        &self.crashes
    }

    /// Per key, the highest offset seen by any `:ok` send or poll so far.
    pub fn max_offsets(&self) -> &BTreeMap<Key, i64> {
        &self.max_offsets
    }

    /// A final-phase poller for one thread, waiting for what the main phase saw. Make one per
    /// thread when the final phase starts.
    pub fn final_poller(&self) -> FinalPoller {
        FinalPoller::new(self.max_offsets.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FinalStage {
    Crash,
    Assign,
    Polls,
}

/// One thread's final phase (Jepsen's `final-polls`).
#[derive(Debug, Clone)]
pub struct FinalPoller {
    /// The keys to assign: every key the main phase saw, in ascending order.
    keys: Vec<Key>,
    /// Per key, the offset this thread still has to poll up to.
    waiting_for: BTreeMap<Key, i64>,
    stage: FinalStage,
    next_poll_due: Option<u64>,
}

impl FinalPoller {
    pub fn new(targets: BTreeMap<Key, i64>) -> FinalPoller {
        FinalPoller {
            keys: targets.keys().copied().collect(),
            waiting_for: targets,
            stage: FinalStage::Crash,
            next_poll_due: None,
        }
    }

    /// The thread's next op and when to issue it (nanoseconds on the run's clock, ≥ `now`), or
    /// `None` once the thread has polled everything it waits for. Ask when the thread is free.
    pub fn next(&mut self, now: u64, rng: &mut dyn RngCore) -> Option<(KafkaOp, u64)> {
        if self.waiting_for.is_empty() {
            return None;
        }
        match self.stage {
            FinalStage::Crash => {
                self.stage = FinalStage::Assign;
                Some((KafkaOp::Crash, now))
            }
            FinalStage::Assign => {
                self.stage = FinalStage::Polls;
                let assign = KafkaOp::Assign {
                    keys: self.keys.clone(),
                    seek_to_beginning: true,
                    unseen: None,
                };
                Some((assign, now))
            }
            FinalStage::Polls => {
                let at = self.next_poll_due.unwrap_or(now).max(now);
                let bound = FINAL_POLL_GAP_BOUND.as_nanos() as u64;
                self.next_poll_due = Some(at + rng.gen_range(0..bound));
                let poll = KafkaOp::Poll {
                    poll_ms: Some(FINAL_POLL_MS),
                };
                Some((poll, at))
            }
        }
    }

    /// Feeds back this thread's completions: an `:ok` poll that reached a key's offset ends the
    /// wait for that key.
    pub fn observe(&mut self, completion: &Op) {
        if completion.f != "poll" {
            return;
        }
        if let Some(offsets) = ok_offsets(completion) {
            for (key, seen) in offsets {
                if self.waiting_for.get(&key).copied().unwrap_or(-1) <= seen {
                    self.waiting_for.remove(&key);
                }
            }
        }
    }

    /// Per key, the offset this thread still waits to poll up to.
    pub fn waiting_for(&self) -> &BTreeMap<Key, i64> {
        &self.waiting_for
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const SECOND: u64 = 1_000_000_000;

    fn ok(f: &str, value: Value) -> Op {
        Op::new(OpType::Ok, Process::Client(0), f, value)
    }

    fn ok_send(key: Key, offset: i64, msg: i64) -> Op {
        ok(
            "send",
            Value::Vec(vec![Value::Vec(vec![
                Value::keyword("send"),
                Value::Str(wire_key(key)),
                Value::Vec(vec![Value::Int(offset), Value::Int(msg)]),
            ])]),
        )
    }

    fn ok_poll(msgs: &[(Key, &[i64])]) -> Op {
        let msgs = msgs
            .iter()
            .map(|(k, offsets)| {
                let pairs = offsets
                    .iter()
                    .map(|o| Value::Vec(vec![Value::Int(*o), Value::Int(o + 100)]))
                    .collect();
                (Value::Str(wire_key(*k)), Value::Vec(pairs))
            })
            .collect();
        ok(
            "poll",
            Value::Vec(vec![Value::Vec(vec![
                Value::keyword("poll"),
                Value::Map(msgs),
            ])]),
        )
    }

    /// A generator whose first crash is already behind it and whose next one is far away.
    fn without_crashes() -> KafkaGen {
        let mut gen = KafkaGen::new(TxnConfig::default(), 1);
        gen.crashes.next_due = Some(u64::MAX);
        gen
    }

    #[test]
    fn sends_carry_string_keys_and_per_key_values_1_to_16() {
        let mut gen = without_crashes();
        let mut rng = StdRng::seed_from_u64(1);
        let mut per_key: BTreeMap<Key, Vec<i64>> = BTreeMap::new();
        let (mut sends, mut polls) = (0, 0);
        for _ in 0..10_000 {
            match gen.next(0, &mut rng) {
                KafkaOp::Send { key, value } => {
                    per_key.entry(key).or_default().push(value);
                    sends += 1;
                }
                KafkaOp::Poll { poll_ms } => {
                    assert_eq!(poll_ms, None);
                    polls += 1;
                }
                KafkaOp::Assign { .. } => {}
                KafkaOp::Crash => panic!("no crash is due"),
            }
        }
        assert!((f64::from(sends) / f64::from(sends + polls) - 0.5).abs() < 0.02);
        for (key, values) in &per_key {
            assert_eq!(
                values,
                &(1..=values.len() as i64).collect::<Vec<_>>(),
                "key {key}"
            );
        }
        assert!(per_key.values().filter(|v| v.len() == 16).count() > 100);
        let send = KafkaOp::Send { key: 12, value: 3 };
        assert_eq!(send.value().to_string(), r#"[[:send "12" 3]]"#);
        assert_eq!(
            KafkaOp::Poll { poll_ms: None }.value().to_string(),
            "[[:poll]]"
        );
    }

    #[test]
    fn one_op_in_64_is_an_assign_of_the_next_ops_key() {
        let mut gen = without_crashes();
        let mut rng = StdRng::seed_from_u64(2);
        let mut assigns = 0;
        let n = 40_000;
        let mut last_assign: Option<Vec<Key>> = None;
        for _ in 0..n {
            let pending_before = gen.pending;
            let op = gen.next(0, &mut rng);
            match &op {
                KafkaOp::Assign {
                    keys,
                    seek_to_beginning,
                    unseen,
                } => {
                    assigns += 1;
                    assert!(!seek_to_beginning);
                    assert_eq!(unseen, &None, "nothing sent yet");
                    assert_eq!(keys.len(), 1);
                    assert_eq!(Some(keys[0]), gen.pending.map(Mop::key));
                    if let Some(before) = pending_before {
                        assert_eq!(Some(before), gen.pending, "the waiting op is kept");
                    }
                    last_assign = Some(keys.clone());
                }
                KafkaOp::Send { key, .. } => {
                    if let Some(keys) = last_assign.take() {
                        assert_eq!(keys, vec![*key], "the assign was for this send's key");
                    }
                }
                _ => last_assign = None,
            }
        }
        let share = f64::from(assigns) / f64::from(n);
        assert!((share - 1.0 / 64.0).abs() < 0.003, "assigns are {share:.4}");
        assert_eq!(
            KafkaOp::Assign {
                keys: vec![3, 5],
                seek_to_beginning: false,
                unseen: None
            }
            .value()
            .to_string(),
            r#"["3" "5"]"#
        );
    }

    #[test]
    fn a_third_of_assigns_name_sent_but_unpolled_keys() {
        let mut gen = without_crashes();
        let mut rng = StdRng::seed_from_u64(3);
        // Key 1000 is outside the pool, so an assign naming it was widened.
        gen.observe(&ok_send(1000, 4, 1));
        gen.observe(&ok_send(1000, 2, 2));
        let (mut plain, mut widened) = (0, 0);
        for _ in 0..40_000 {
            if let KafkaOp::Assign { keys, unseen, .. } = gen.next(0, &mut rng) {
                if keys.contains(&1000) {
                    widened += 1;
                    assert_eq!(keys[0], 1000);
                    assert_eq!(
                        unseen,
                        Some(BTreeMap::from([(
                            1000,
                            Unseen {
                                polled: -1,
                                sent: 4
                            }
                        )]))
                    );
                } else {
                    plain += 1;
                    assert_eq!(unseen, None);
                }
            }
        }
        let share = f64::from(widened) / f64::from(widened + plain);
        assert!(
            (share - 1.0 / 3.0).abs() < 0.05,
            "{widened} of {}",
            widened + plain
        );

        // Once a poll has caught up with key 1000, assigns stop naming it.
        gen.observe(&ok_poll(&[(1000, &[3, 4])]));
        for _ in 0..10_000 {
            if let KafkaOp::Assign { keys, .. } = gen.next(0, &mut rng) {
                assert!(!keys.contains(&1000));
            }
        }
    }

    #[test]
    fn only_ok_sends_and_polls_count() {
        let mut gen = without_crashes();
        let mut info = ok_send(7, 9, 1);
        info.kind = OpType::Info;
        gen.observe(&info);
        let mut invoke = ok_poll(&[(7, &[3])]);
        invoke.kind = OpType::Invoke;
        gen.observe(&invoke);
        assert!(gen.max_offsets().is_empty());
        gen.observe(&ok_send(7, -3, 1));
        gen.observe(&ok_poll(&[(8, &[]), (9, &[5, 2])]));
        assert_eq!(
            gen.max_offsets(),
            &BTreeMap::from([(7, 0), (8, -1), (9, 5)]),
            "sends count max(0, offset); an empty poll list counts -1"
        );
    }

    #[test]
    fn crashes_start_at_once_and_recur_every_30s_per_client() {
        let concurrency = 4;
        let mut gen = KafkaGen::new(TxnConfig::default(), concurrency);
        let mut rng = StdRng::seed_from_u64(4);
        assert!(gen.crashes().is_due(0));
        // Ask every 100 ms for two hours.
        let mut crash_times = Vec::new();
        for tick in 0..72_000u64 {
            let now = tick * SECOND / 10;
            if gen.next(now, &mut rng) == KafkaOp::Crash {
                crash_times.push(now);
                let due = gen.crashes().next_due().unwrap();
                assert!(
                    due >= now && due < now + 15 * SECOND,
                    "gap bound is 2 × 30 s / 4"
                );
            }
        }
        assert!(crash_times[0] < SECOND, "first crash at {}", crash_times[0]);
        let mean_gap = (crash_times.last().unwrap() - crash_times[0]) as f64
            / (crash_times.len() - 1) as f64
            / SECOND as f64;
        // 7.5 s on average, plus about one 100 ms tick lost to the 50/50 tie with the next op.
        assert!((mean_gap - 7.6).abs() < 0.5, "mean gap {mean_gap:.2} s");
    }

    #[test]
    fn the_final_phase_crashes_assigns_everything_and_polls_until_caught_up() {
        let mut gen = without_crashes();
        gen.observe(&ok_send(3, 4, 1));
        gen.observe(&ok_send(1, 0, 1));
        gen.observe(&ok_poll(&[(3, &[0, 1, 2, 3, 4, 5])]));
        let mut rng = StdRng::seed_from_u64(5);
        let mut poller = gen.final_poller();
        assert_eq!(poller.next(10, &mut rng), Some((KafkaOp::Crash, 10)));
        let (assign, _) = poller.next(11, &mut rng).unwrap();
        assert_eq!(
            assign,
            KafkaOp::Assign {
                keys: vec![1, 3],
                seek_to_beginning: true,
                unseen: None
            }
        );
        assert_eq!(
            assign.extra(),
            vec![("seek-to-beginning?".to_owned(), Value::Bool(true))]
        );
        let mut now = 12;
        let mut last_due = 0;
        for _ in 0..50 {
            let (poll, due) = poller.next(now, &mut rng).unwrap();
            assert_eq!(
                poll,
                KafkaOp::Poll {
                    poll_ms: Some(1000)
                }
            );
            assert!(due >= now && due >= last_due);
            assert!(due < now.max(last_due) + 400_000_000, "gaps below 0.4 s");
            last_due = due;
            now = due + 1_000;
        }
        poller.observe(&ok_poll(&[(3, &[0, 1, 2])]));
        assert_eq!(poller.waiting_for(), &BTreeMap::from([(1, 0), (3, 5)]));
        poller.observe(&ok_poll(&[(1, &[0]), (3, &[3, 4, 5])]));
        assert_eq!(poller.next(now, &mut rng), None, "caught up");
    }

    #[test]
    fn a_thread_with_nothing_to_wait_for_issues_no_final_op() {
        let gen = without_crashes();
        let mut rng = StdRng::seed_from_u64(6);
        assert_eq!(gen.final_poller().next(0, &mut rng), None);
    }
}
