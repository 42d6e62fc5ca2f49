//! The per-key and per-process anomaly searches of Jepsen's kafka checker, each a function
//! of the read history and its version orders.
//!
//! Each search follows the Jepsen function of the same name (v0.3.7): what it compares, what
//! it skips, and where Jepsen itself throws (which makes Maelstrom's verdict `:unknown`).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::anomaly::{Anomaly, AnomalyType, OpRef};
use super::ops::{KOp, KeyId, OpId, Parsed, ValId};
use super::orders::{KeyOrder, Orders};
use crate::history::OpType;
use crate::value::Value;

/// A history on which Jepsen's checker throws instead of answering.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Undecidable {
    /// A poll returned a message that no operation ever sent (`:no-writer-of-value`).
    #[error("an ok poll returned message {value} in key {key}, which no operation ever sent there (Jepsen's checker throws :no-writer-of-value)")]
    NoWriterOfValue { key: Value, value: Value },
    /// Every `:ok` poll that named a key returned an empty list for it: Jepsen's lost-write
    /// search then indexes its log at -1 and throws.
    #[error("ok polls named key {key} but only ever with an empty list, which makes Jepsen's lost-write search throw (IndexOutOfBoundsException); leave keys with no messages out of poll_ok")]
    KeyPolledOnlyEmpty { key: Value },
}

/// What the searches share.
pub(crate) struct Ctx<'a> {
    pub parsed: &'a Parsed,
    pub orders: &'a Orders,
}

impl Ctx<'_> {
    fn op_ref(&self, id: OpId) -> OpRef {
        let op = &self.parsed.ops[id];
        OpRef {
            index: op.index,
            process: op.process,
        }
    }

    fn key(&self, key: KeyId) -> Value {
        self.parsed.key(key).clone()
    }

    fn value(&self, value: ValId) -> Value {
        self.parsed.value(value).clone()
    }

    fn order(&self, key: KeyId) -> Option<&KeyOrder> {
        self.orders.keys.get(&key)
    }

    /// "offset 7 (message 12)" when the offset is known, else "message 12".
    fn at(&self, key: KeyId, value: ValId) -> String {
        match self.offset_of(key, value) {
            Some(o) => format!("offset {o} (message {})", self.parsed.value(value)),
            None => format!("message {}", self.parsed.value(value)),
        }
    }

    fn offset_of(&self, key: KeyId, value: ValId) -> Option<i64> {
        let order = self.order(key)?;
        order
            .by_value
            .get(&value)
            .map(|&index| order.offset_at[index])
    }

    /// Keys in a stable order (by their value), for deterministic reports.
    fn sorted_keys<'k>(&self, keys: impl IntoIterator<Item = &'k KeyId>) -> Vec<KeyId> {
        let mut keys: Vec<KeyId> = keys.into_iter().copied().collect();
        keys.sort_by(|a, b| self.parsed.key(*a).cmp(self.parsed.key(*b)));
        keys
    }

    /// A few of the skipped messages, for the explanation.
    fn skipped(&self, key: KeyId, from: usize, to: usize) -> String {
        let Some(order) = self.order(key) else {
            return String::new();
        };
        let between = order.values_between(from, to);
        let shown: Vec<String> = between
            .iter()
            .take(5)
            .map(|v| self.parsed.value(*v).to_string())
            .collect();
        let more = if between.len() > 5 { " …" } else { "" };
        format!("[{}{more}]", shown.join(" "))
    }
}

/// `:inconsistent-offsets`: an offset seen with more than one message.
pub(crate) fn inconsistent_offsets(ctx: &Ctx) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for key in ctx.sorted_keys(ctx.orders.keys.keys()) {
        let order = &ctx.orders.keys[&key];
        for (index, (offset, values)) in order.log.iter().enumerate() {
            if values.len() < 2 {
                continue;
            }
            let shown: Vec<String> = values.iter().map(|v| ctx.value(*v).to_string()).collect();
            out.push(Anomaly {
                kind: AnomalyType::InconsistentOffsets,
                key: Some(ctx.key(key)),
                values: values.iter().map(|v| ctx.value(*v)).collect(),
                offsets: vec![*offset],
                ops: Vec::new(),
                rank: Some(values.len() as i64),
                explanation: format!(
                    "key {} offset {offset} (index {index}) holds {} different messages: {}",
                    ctx.key(key),
                    values.len(),
                    shown.join(", ")
                ),
            });
        }
    }
    out
}

/// `:duplicate`: one message at more than one offset of a key.
pub(crate) fn duplicates(ctx: &Ctx) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for key in ctx.sorted_keys(ctx.orders.keys.keys()) {
        let order = &ctx.orders.keys[&key];
        let mut offsets: HashMap<ValId, Vec<i64>> = HashMap::new();
        for (offset, values) in &order.log {
            for v in values {
                offsets.entry(*v).or_default().push(*offset);
            }
        }
        let mut dups: Vec<(ValId, Vec<i64>)> =
            offsets.into_iter().filter(|(_, o)| o.len() > 1).collect();
        dups.sort_by(|a, b| a.1.cmp(&b.1));
        for (value, offsets) in dups {
            out.push(Anomaly {
                kind: AnomalyType::Duplicate,
                key: Some(ctx.key(key)),
                values: vec![ctx.value(value)],
                rank: Some(offsets.len() as i64),
                explanation: format!(
                    "key {} holds message {} at {} offsets: {:?}",
                    ctx.key(key),
                    ctx.value(value),
                    offsets.len(),
                    offsets
                ),
                offsets,
                ops: Vec::new(),
            });
        }
    }
    out
}

/// `:G1a`: an `:ok` poll returned a message whose send definitely failed.
pub(crate) fn aborted_reads(ctx: &Ctx) -> Vec<Anomaly> {
    let mut out = Vec::new();
    if ctx.orders.failed_writes.is_empty() {
        return out;
    }
    for (id, op) in ctx.parsed.ops.iter().enumerate() {
        if !(op.is_ok() && op.f.reads()) {
            continue;
        }
        for (key, reads) in &op.reads {
            let Some(failed) = ctx.orders.failed_writes.get(key) else {
                continue;
            };
            for r in reads.iter().filter(|r| failed.contains(&r.value)) {
                let writer = ctx.orders.writer_of.get(&(*key, r.value)).copied();
                let mut ops = Vec::new();
                ops.extend(writer.map(|w| ctx.op_ref(w)));
                ops.push(ctx.op_ref(id));
                out.push(Anomaly {
                    kind: AnomalyType::G1a,
                    key: Some(ctx.key(*key)),
                    values: vec![ctx.value(r.value)],
                    offsets: r.offset.into_iter().collect(),
                    rank: None,
                    explanation: format!(
                        "{} polled key {} {} although its send{} failed",
                        ctx.op_ref(id),
                        ctx.key(*key),
                        ctx.at(*key, r.value),
                        writer
                            .map(|w| format!(" ({})", ctx.op_ref(w)))
                            .unwrap_or_default()
                    ),
                    ops,
                });
            }
        }
    }
    out
}

/// `:lost-write`: below the highest index any `:ok` poll reached in a key, a message that
/// must have been written (acknowledged, or proven visible) which no `:ok` poll returned.
pub(crate) fn lost_writes(ctx: &Ctx) -> Result<Vec<Anomaly>, Undecidable> {
    let mut out = Vec::new();
    let empty = KeyOrder::default();
    for key in ctx.sorted_keys(ctx.orders.ok_reads.keys()) {
        let read = &ctx.orders.ok_reads[&key];
        let order = ctx.order(key).unwrap_or(&empty);
        // Each message's first and last index in the log.
        let mut first_index: HashMap<ValId, usize> = HashMap::new();
        let mut last_index: HashMap<ValId, usize> = HashMap::new();
        for (index, values) in order.log.values().enumerate() {
            for v in values {
                first_index.entry(*v).or_insert(index);
                last_index.insert(*v, index);
            }
        }
        let Some((bound, bound_value)) = read
            .iter()
            .filter_map(|v| first_index.get(v).map(|i| (*i, *v)))
            .max()
        else {
            return Err(Undecidable::KeyPolledOnlyEmpty { key: ctx.key(key) });
        };
        // Messages whose last appearance is at or below the bound, in index order.
        let mut must_read: Vec<(usize, ValId)> = last_index
            .iter()
            .filter(|(_, i)| **i <= bound)
            .map(|(v, i)| (*i, *v))
            .collect();
        must_read.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| ctx.parsed.value(a.1).cmp(ctx.parsed.value(b.1)))
        });
        let max_reader = ctx.orders.first_reader.get(&(key, bound_value)).copied();
        for (_, value) in must_read {
            if read.contains(&value) {
                continue;
            }
            let Some(&writer) = ctx.orders.writer_of.get(&(key, value)) else {
                return Err(Undecidable::NoWriterOfValue {
                    key: ctx.key(key),
                    value: ctx.value(value),
                });
            };
            if !ctx.orders.must_have_committed(&ctx.parsed.ops[writer]) {
                continue;
            }
            let index = first_index[&value];
            let offset = order.offset_at[index];
            let mut ops = vec![ctx.op_ref(writer)];
            ops.extend(max_reader.map(|r| ctx.op_ref(r)));
            out.push(Anomaly {
                kind: AnomalyType::LostWrite,
                key: Some(ctx.key(key)),
                values: vec![ctx.value(value), ctx.value(bound_value)],
                offsets: vec![offset, order.offset_at[bound]],
                rank: Some(index as i64),
                explanation: format!(
                    "key {} offset {offset} (message {}) was acknowledged by {} but no poll ever returned it, though {} polled as far as offset {} (message {})",
                    ctx.key(key),
                    ctx.value(value),
                    ctx.op_ref(writer),
                    max_reader
                        .map(|r| ctx.op_ref(r).to_string())
                        .unwrap_or_else(|| "a poll".into()),
                    order.offset_at[bound],
                    ctx.value(bound_value),
                ),
                ops,
            });
        }
    }
    Ok(out)
}

/// `:precommitted-read`: an op that polled a message it sent itself (first such key per op).
pub(crate) fn precommitted_reads(ctx: &Ctx) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for (id, op) in ctx.parsed.ops.iter().enumerate() {
        if op.writes.is_empty() || op.reads.is_empty() {
            continue;
        }
        let own = op.written_keys().into_iter().find_map(|key| {
            let read = op.reads.iter().find(|(k, _)| *k == key)?;
            op.writes_to(key)
                .find(|w| read.1.iter().any(|r| r.value == w.value))
                .map(|w| (key, w.value))
        });
        if let Some((key, value)) = own {
            out.push(Anomaly {
                kind: AnomalyType::PrecommittedRead,
                key: Some(ctx.key(key)),
                values: vec![ctx.value(value)],
                offsets: Vec::new(),
                ops: vec![ctx.op_ref(id)],
                rank: None,
                explanation: format!(
                    "{} polled key {} message {} that it sent itself",
                    ctx.op_ref(id),
                    ctx.key(key),
                    ctx.value(value)
                ),
            });
        }
    }
    out
}

/// Whether `delta` between successive indices is a skip (> 1) or goes backwards (< 1).
fn classify(delta: i64) -> Option<bool> {
    match delta {
        1 => None,
        d if d > 1 => Some(true),
        _ => Some(false),
    }
}

fn delta(a: Option<usize>, b: Option<usize>) -> i64 {
    match (a, b) {
        (Some(a), Some(b)) => b as i64 - a as i64,
        _ => 1,
    }
}

/// `:int-poll-skip` and `:int-nonmonotonic-poll`: within one poll of a key, successive
/// messages that are not adjacent in the key's order.
pub(crate) fn internal_polls(ctx: &Ctx) -> (Vec<Anomaly>, Vec<Anomaly>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for (id, op) in ctx.parsed.ops.iter().enumerate() {
        for (key, reads) in &op.reads {
            let mut prev: Option<(Option<usize>, ValId)> = None;
            for r in reads {
                let i2 = ctx.orders.index_of(*key, r.value);
                if let Some((i1, v1)) = prev {
                    let d = delta(i1, i2);
                    if let Some(skip) = classify(d) {
                        let (kind, what) = if skip {
                            let (from, to) = (i1.unwrap_or(0) + 1, i2.unwrap_or(0));
                            (
                                AnomalyType::IntPollSkip,
                                format!(
                                    "skipping {} message(s) {}",
                                    d - 1,
                                    ctx.skipped(*key, from, to)
                                ),
                            )
                        } else {
                            (
                                AnomalyType::IntNonmonotonicPoll,
                                if d == 0 {
                                    "repeating it".to_owned()
                                } else {
                                    format!("going back {} message(s)", -d)
                                },
                            )
                        };
                        let anomaly = Anomaly {
                            kind,
                            key: Some(ctx.key(*key)),
                            values: vec![ctx.value(v1), ctx.value(r.value)],
                            offsets: [ctx.offset_of(*key, v1), ctx.offset_of(*key, r.value)]
                                .into_iter()
                                .flatten()
                                .collect(),
                            ops: vec![ctx.op_ref(id)],
                            rank: Some(d),
                            explanation: format!(
                                "{} polled key {} {} and next {}, {what}",
                                ctx.op_ref(id),
                                ctx.key(*key),
                                ctx.at(*key, v1),
                                ctx.at(*key, r.value),
                            ),
                        };
                        if skip {
                            skips.push(anomaly)
                        } else {
                            backs.push(anomaly)
                        }
                    }
                }
                prev = Some((i2, r.value));
            }
        }
    }
    (skips, backs)
}

/// `:int-send-skip` and `:int-nonmonotonic-send`: within one op, successive sends to a key
/// that did not land next to each other.
pub(crate) fn internal_sends(ctx: &Ctx) -> (Vec<Anomaly>, Vec<Anomaly>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for (id, op) in ctx.parsed.ops.iter().enumerate() {
        if op.writes.len() < 2 {
            continue;
        }
        for key in op.written_keys() {
            let sent: Vec<ValId> = op.writes_to(key).map(|w| w.value).collect();
            for pair in sent.windows(2) {
                let (v1, v2) = (pair[0], pair[1]);
                let (i1, i2) = (ctx.orders.index_of(key, v1), ctx.orders.index_of(key, v2));
                let d = delta(i1, i2);
                let Some(skip) = classify(d) else { continue };
                let anomaly = Anomaly {
                    kind: if skip {
                        AnomalyType::IntSendSkip
                    } else {
                        AnomalyType::IntNonmonotonicSend
                    },
                    key: Some(ctx.key(key)),
                    values: vec![ctx.value(v1), ctx.value(v2)],
                    offsets: [ctx.offset_of(key, v1), ctx.offset_of(key, v2)]
                        .into_iter()
                        .flatten()
                        .collect(),
                    ops: vec![ctx.op_ref(id)],
                    rank: Some(d),
                    explanation: format!(
                        "{} sent key {} {} and then {}, {} apart in the log",
                        ctx.op_ref(id),
                        ctx.key(key),
                        ctx.at(key, v1),
                        ctx.at(key, v2),
                        d
                    ),
                };
                if skip {
                    skips.push(anomaly)
                } else {
                    backs.push(anomaly)
                }
            }
        }
    }
    (skips, backs)
}

/// Each client process's completions, in history order.
fn by_process(parsed: &Parsed) -> BTreeMap<u64, Vec<OpId>> {
    let mut map: BTreeMap<u64, Vec<OpId>> = BTreeMap::new();
    for (id, op) in parsed.ops.iter().enumerate() {
        map.entry(op.process).or_default().push(id);
    }
    map
}

/// An `:assign`/`:subscribe` that took effect keeps only the positions of the keys it names.
fn reassigned(op: &KOp) -> bool {
    matches!(op.f, super::ops::Func::Assign | super::ops::Func::Subscribe)
        && matches!(op.kind, OpType::Ok | OpType::Info)
}

/// `:poll-skip` and `:nonmonotonic-poll`: per process, each key's next poll must start at
/// the message right after the last one its previous `:ok` poll of that key returned.
pub(crate) fn external_polls(ctx: &Ctx) -> (Vec<Anomaly>, Vec<Anomaly>) {
    let (mut skips, mut backs) = (Vec::new(), Vec::new());
    for ids in by_process(ctx.parsed).values() {
        // Key → (the last :ok poll of it, the last message that poll returned for it).
        let mut last: HashMap<KeyId, (OpId, Option<ValId>)> = HashMap::new();
        for &id in ids {
            let op = &ctx.parsed.ops[id];
            if reassigned(op) {
                last.retain(|k, _| op.assigned.contains(k));
                continue;
            }
            if !op.f.reads() {
                continue;
            }
            for (key, reads) in &op.reads {
                let Some(&(last_op, v)) = last.get(key) else {
                    continue;
                };
                let v2 = reads.first().map(|r| r.value);
                let i = v.and_then(|v| ctx.orders.index_of(*key, v));
                let i2 = v2.and_then(|v| ctx.orders.index_of(*key, v));
                let d = delta(i, i2);
                let Some(skip) = classify(d) else { continue };
                // Both indices are known whenever delta is not 1.
                let (v, v2) = (v.unwrap_or_default(), v2.unwrap_or_default());
                let what = if skip {
                    format!(
                        "skipping {} message(s) {}",
                        d - 1,
                        ctx.skipped(*key, i.unwrap_or(0) + 1, i2.unwrap_or(0))
                    )
                } else if d == 0 {
                    "polling it again".to_owned()
                } else {
                    format!("going back {} message(s)", -d)
                };
                let anomaly = Anomaly {
                    kind: if skip {
                        AnomalyType::PollSkip
                    } else {
                        AnomalyType::NonmonotonicPoll
                    },
                    key: Some(ctx.key(*key)),
                    values: vec![ctx.value(v), ctx.value(v2)],
                    offsets: [ctx.offset_of(*key, v), ctx.offset_of(*key, v2)]
                        .into_iter()
                        .flatten()
                        .collect(),
                    ops: vec![ctx.op_ref(last_op), ctx.op_ref(id)],
                    rank: Some(d),
                    explanation: format!(
                        "process {} polled key {} up to {} in op {}, then its next poll (op {}) started at {}, {what}",
                        op.process,
                        ctx.key(*key),
                        ctx.at(*key, v),
                        ctx.parsed.ops[last_op].index,
                        op.index,
                        ctx.at(*key, v2),
                    ),
                };
                if skip {
                    skips.push(anomaly)
                } else {
                    backs.push(anomaly)
                }
            }
            if op.is_ok() {
                for (key, reads) in &op.reads {
                    last.insert(*key, (id, reads.last().map(|r| r.value)));
                }
            }
        }
    }
    (skips, backs)
}

/// `:nonmonotonic-send`: per process, each send to a key must land after its previous one
/// (counting `:ok` and `:info` sends).
pub(crate) fn nonmonotonic_sends(ctx: &Ctx) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for ids in by_process(ctx.parsed).values() {
        // Key → the last op that sent to it.
        let mut last: HashMap<KeyId, OpId> = HashMap::new();
        for &id in ids {
            let op = &ctx.parsed.ops[id];
            if !matches!(op.kind, OpType::Ok | OpType::Info) {
                continue;
            }
            if reassigned(op) {
                last.retain(|k, _| op.assigned.contains(k));
                continue;
            }
            if !op.f.writes() {
                continue;
            }
            let keys = op.written_keys();
            for &key in &keys {
                let Some(&last_op) = last.get(&key) else {
                    continue;
                };
                let Some(v) = ctx.parsed.ops[last_op]
                    .writes_to(key)
                    .last()
                    .map(|w| w.value)
                else {
                    continue;
                };
                let Some(v2) = op.writes_to(key).next().map(|w| w.value) else {
                    continue;
                };
                let d = delta(ctx.orders.index_of(key, v), ctx.orders.index_of(key, v2));
                if d >= 1 {
                    continue;
                }
                out.push(Anomaly {
                    kind: AnomalyType::NonmonotonicSend,
                    key: Some(ctx.key(key)),
                    values: vec![ctx.value(v), ctx.value(v2)],
                    offsets: [ctx.offset_of(key, v), ctx.offset_of(key, v2)]
                        .into_iter()
                        .flatten()
                        .collect(),
                    ops: vec![ctx.op_ref(last_op), ctx.op_ref(id)],
                    rank: Some(d),
                    explanation: format!(
                        "process {} sent key {} {} in op {}, then {} in op {}, {}",
                        op.process,
                        ctx.key(key),
                        ctx.at(key, v),
                        ctx.parsed.ops[last_op].index,
                        ctx.at(key, v2),
                        op.index,
                        if d == 0 {
                            "at the same place".to_owned()
                        } else {
                            format!("{} message(s) earlier in the log", -d)
                        }
                    ),
                });
            }
            for key in keys {
                last.insert(key, id);
            }
        }
    }
    out
}

/// The acknowledged messages no `:ok` poll returned by the end of the run, per key
/// (`unseen`'s last observation, including its quirk: a key first polled by the very last
/// `:ok` send/poll, and never acknowledged as sent, counts what that poll read as unseen).
pub(crate) fn unseen(ctx: &Ctx) -> BTreeMap<Value, Vec<Value>> {
    let ok_ops: Vec<&KOp> = ctx
        .parsed
        .ops
        .iter()
        .filter(|op| op.is_ok() && (op.f.reads() || op.f.writes()))
        .collect();
    let Some(last) = ok_ops.last() else {
        return BTreeMap::new();
    };
    let mut sent: HashMap<KeyId, HashSet<ValId>> = HashMap::new();
    let mut polled: HashMap<KeyId, HashSet<ValId>> = HashMap::new();
    let mut polled_before_last: HashSet<KeyId> = HashSet::new();
    for (i, op) in ok_ops.iter().enumerate() {
        for w in &op.writes {
            sent.entry(w.key).or_default().insert(w.value);
        }
        for (key, reads) in &op.reads {
            polled
                .entry(*key)
                .or_default()
                .extend(reads.iter().map(|r| r.value));
            if i + 1 < ok_ops.len() {
                polled_before_last.insert(*key);
            }
        }
    }
    let mut out: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    let mut put = |key: KeyId, values: Vec<ValId>| {
        if !values.is_empty() {
            let mut values: Vec<Value> = values.into_iter().map(|v| ctx.value(v)).collect();
            values.sort();
            out.insert(ctx.key(key), values);
        }
    };
    for (key, values) in &sent {
        let seen = polled.get(key);
        put(
            *key,
            values
                .iter()
                .filter(|v| !seen.is_some_and(|s| s.contains(v)))
                .copied()
                .collect(),
        );
    }
    for (key, reads) in &last.reads {
        if !sent.contains_key(key) && !polled_before_last.contains(key) {
            put(*key, reads.iter().map(|r| r.value).collect());
        }
    }
    out
}
