//! Per-key version orders: which message sits at which offset of each key's log.
//!
//! As Jepsen builds them (`version-orders`): offsets come from sends that must have committed
//! (`:ok`, or `:info` with one of their messages later polled) and from every poll, whatever
//! its outcome. Offsets are sparse; the *index* of an offset is its dense position among the
//! offsets anything was seen at. Every later analysis speaks in indices.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::ops::{KOp, KeyId, Parsed, ValId};
use crate::history::OpType;

/// What was seen at each offset of one key.
#[derive(Debug, Default)]
pub(crate) struct KeyOrder {
    /// Offset → every message seen there, in sorted order. Negative offsets are dropped, as
    /// Jepsen's dense log vector drops them.
    pub log: BTreeMap<i64, Vec<ValId>>,
    /// Dense index → the message taken as the one at that index (for conflicting offsets,
    /// the smallest; Jepsen takes an arbitrary one).
    pub by_index: Vec<ValId>,
    /// Dense index → its offset.
    pub offset_at: Vec<i64>,
    /// Message → the last index it was taken at.
    pub by_value: HashMap<ValId, usize>,
}

impl KeyOrder {
    /// The messages at indices `from..to`, for showing what a skip skipped.
    pub fn values_between(&self, from: usize, to: usize) -> &[ValId] {
        let to = to.min(self.by_index.len());
        &self.by_index[from.min(to)..to]
    }
}

/// Every key's order, plus the sets the analyses share.
#[derive(Debug, Default)]
pub(crate) struct Orders {
    pub keys: HashMap<KeyId, KeyOrder>,
    /// Messages read by `:ok` polls, per key (`reads-by-type :ok`). A key polled only as an
    /// empty list is present with an empty set.
    pub ok_reads: HashMap<KeyId, HashSet<ValId>>,
    /// Messages whose send definitely failed, per key.
    pub failed_writes: HashMap<KeyId, HashSet<ValId>>,
    /// The last completion that sent each message to each key (`writer-of`).
    pub writer_of: HashMap<(KeyId, ValId), usize>,
    /// The first completion that polled each message in each key (from `readers-of`).
    pub first_reader: HashMap<(KeyId, ValId), usize>,
}

impl Orders {
    pub fn build(parsed: &Parsed) -> Orders {
        let mut orders = Orders::default();
        for (id, op) in parsed.ops.iter().enumerate() {
            for (key, reads) in &op.reads {
                for r in reads {
                    orders.first_reader.entry((*key, r.value)).or_insert(id);
                }
            }
            if op.kind == OpType::Ok && op.f.reads() {
                for (key, reads) in &op.reads {
                    let set = orders.ok_reads.entry(*key).or_default();
                    set.extend(reads.iter().map(|r| r.value));
                }
            }
            if op.f.writes() {
                for w in &op.writes {
                    orders.writer_of.insert((w.key, w.value), id);
                    if op.kind == OpType::Fail {
                        orders
                            .failed_writes
                            .entry(w.key)
                            .or_default()
                            .insert(w.value);
                    }
                }
            }
        }

        let mut logs: HashMap<KeyId, BTreeMap<i64, Vec<ValId>>> = HashMap::new();
        let mut note = |key: KeyId, offset: Option<i64>, value: ValId| {
            if let Some(offset) = offset.filter(|o| *o >= 0) {
                let at = logs.entry(key).or_default().entry(offset).or_default();
                if !at.contains(&value) {
                    at.push(value);
                }
            }
        };
        for op in &parsed.ops {
            if !(op.f.reads() || op.f.writes()) {
                continue;
            }
            if orders.must_have_committed(op) {
                for w in &op.writes {
                    note(w.key, w.offset, w.value);
                }
            }
            for (key, reads) in &op.reads {
                for r in reads {
                    note(*key, r.offset, r.value);
                }
            }
        }

        for (key, mut log) in logs {
            let mut order = KeyOrder::default();
            for (offset, values) in log.iter_mut() {
                values.sort_by(|a, b| parsed.value(*a).cmp(parsed.value(*b)));
                let index = order.by_index.len();
                order.by_index.push(values[0]);
                order.offset_at.push(*offset);
                order.by_value.insert(values[0], index);
            }
            order.log = log;
            orders.keys.insert(key, order);
        }
        orders
    }

    /// Jepsen's `must-have-committed?`: the op was `:ok`, or `:info` and some message it sent
    /// was read by an `:ok` poll.
    pub fn must_have_committed(&self, op: &KOp) -> bool {
        match op.kind {
            OpType::Ok => true,
            OpType::Info => op.writes.iter().any(|w| {
                self.ok_reads
                    .get(&w.key)
                    .is_some_and(|read| read.contains(&w.value))
            }),
            _ => false,
        }
    }

    /// The dense index of a message in a key, when it has one.
    pub fn index_of(&self, key: KeyId, value: ValId) -> Option<usize> {
        self.keys.get(&key)?.by_value.get(&value).copied()
    }
}
