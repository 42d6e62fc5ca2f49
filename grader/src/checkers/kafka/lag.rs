//! Realtime lag: how far behind the log's tail each `:ok` poll could have been.
//!
//! Jepsen reports the worst one as `:worst-realtime-lag`. It never fails a run, but Jepsen
//! 0.3.1 (Maelstrom 0.2.3) crashed formatting it when there was no measurement at all, which
//! is why such runs show `:workload {:valid? :unknown}` there (fixed in Jepsen 0.3.7).

use std::collections::HashMap;

use super::ops::{Func, KOp, KeyId, Parsed};
use crate::history::OpType;
use crate::value::Value;

/// One lag measurement: a process polled a key while it was `lag` nanoseconds behind.
#[derive(Debug, Clone, PartialEq)]
pub struct RealtimeLag {
    /// When the poll was invoked, in nanoseconds.
    pub time: u64,
    pub process: u64,
    pub key: Value,
    /// Nanoseconds.
    pub lag: u64,
}

/// The highest offset each key is known to hold, per op (`op->max-offsets`).
fn max_offsets(op: &KOp) -> Vec<(KeyId, i64)> {
    if !matches!(op.kind, OpType::Ok | OpType::Info) {
        return Vec::new();
    }
    let mut out: Vec<(KeyId, i64)> = Vec::new();
    let mut bump = |key: KeyId, offset: i64| match out.iter_mut().find(|(k, _)| *k == key) {
        Some((_, o)) => *o = (*o).max(offset),
        None => out.push((key, offset)),
    };
    if op.f.reads() {
        for (key, reads) in &op.reads {
            let max = reads.iter().filter_map(|r| r.offset).fold(-1, i64::max);
            bump(*key, max);
        }
    }
    if op.f.writes() {
        for w in &op.writes {
            if let Some(o) = w.offset {
                bump(w.key, o.max(0));
            }
        }
    }
    out
}

/// The worst lag of the run (the first of the highest), or `None` when no `:ok` poll was
/// ever measured.
pub(crate) fn worst_realtime_lag(parsed: &Parsed) -> Option<RealtimeLag> {
    // Per key, the times at which successive offsets were known to exist: a step function kept
    // as (highest offset known, time it became known), offsets rising.
    let mut expired: HashMap<KeyId, Vec<(i64, u64)>> = HashMap::new();
    for op in &parsed.ops {
        for (key, offset) in max_offsets(op) {
            let steps = expired.entry(key).or_default();
            if offset >= 0 && steps.last().is_none_or(|(known, _)| *known < offset) {
                steps.push((offset, op.time));
            }
        }
    }
    // The time index `i` of key `k` was known to exist (so offset i-1 was no longer the tail).
    let expired_at = |key: KeyId, i: i64| -> Option<u64> {
        let steps = expired.get(&key)?;
        let at = steps.partition_point(|(known, _)| *known < i);
        steps.get(at).map(|(_, t)| *t)
    };

    let mut worst: Option<RealtimeLag> = None;
    let mut positions: HashMap<u64, Vec<(KeyId, i64)>> = HashMap::new();
    for op in &parsed.ops {
        if op.kind != OpType::Ok {
            continue;
        }
        match op.f {
            Func::Assign => {
                let old = positions.remove(&op.process).unwrap_or_default();
                let new = op
                    .assigned
                    .iter()
                    .map(|k| {
                        let kept = old.iter().find(|(o, _)| o == k).map(|(_, p)| *p);
                        (*k, kept.unwrap_or(-1))
                    })
                    .collect();
                positions.insert(op.process, new);
            }
            Func::Subscribe => {
                positions.insert(op.process, Vec::new());
            }
            Func::Poll | Func::Txn => {
                let invoked = op.invoke_time.unwrap_or(op.time);
                let offsets = positions.entry(op.process).or_default();
                for (key, offset) in max_offsets(op) {
                    match offsets.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, o)) => *o = (*o).max(offset),
                        None => offsets.push((key, offset)),
                    }
                }
                for &(key, offset) in offsets.iter() {
                    let lag = expired_at(key, offset + 1).map_or(0, |t| invoked.saturating_sub(t));
                    if worst.as_ref().is_none_or(|w| w.lag < lag) {
                        worst = Some(RealtimeLag {
                            time: invoked,
                            process: op.process,
                            key: parsed.key(key).clone(),
                            lag,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    worst
}
