//! The kafka checker: Jepsen's kafka checker as Maelstrom's kafka workload runs it (spec §7.10,
//! `jepsen.tests.kafka` at v0.3.7, the version Maelstrom 0.2.4 pins).
//!
//! From a history of `:send`, `:poll`, `:assign` and `:crash` ops it builds each key's log
//! (which message sits at which offset), then looks for every way the log and the clients'
//! view of it can disagree: offsets holding two messages, messages at two offsets, writes
//! lost below what polls reached, messages never polled at all, reads of failed sends, polls
//! that skip or go backwards (between and within polls), sends that go backwards, and
//! send/poll cycles through realtime order. A run passes when nothing but Jepsen's allowed
//! types turns up.
//!
//! Jepsen's own edges are kept, because they decide verdicts:
//! - where Jepsen throws, the verdict is unknown: a polled message nobody sent, or a key that
//!   `:ok` polls only ever returned as an empty list (its lost-write search indexes at -1);
//! - a history with no relation between any two ops is Elle's `:empty-transaction-graph`,
//!   which the kafka checker does not allow;
//! - `:unseen` counts, as Jepsen's does, a key first polled by the very last `:ok` op without
//!   an acknowledged send;
//! - an `:assign` resets a process's poll positions only for the keys it drops.
//!
//! Where Jepsen picks an arbitrary message (an offset seen with several), this takes the
//! smallest; that only changes which examples of an already failing run are shown.

mod anomaly;
mod cases;
mod cycles;
mod lag;
mod ops;
mod orders;
mod report;

use std::collections::{BTreeMap, HashSet};

pub use anomaly::{Anomaly, AnomalyType, OpRef};
pub use lag::RealtimeLag;

use crate::history::{History, OpType};
use crate::value::Value;
use crate::verdict::{Check, Validity};
use cases::{Ctx, Undecidable};
use ops::{Func, Parsed};
use orders::Orders;

/// Operation counts worth showing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KafkaStats {
    pub sends: usize,
    pub ok_sends: usize,
    pub polls: usize,
    pub ok_polls: usize,
    pub assigns: usize,
    pub crashes: usize,
    /// Distinct keys sent to or polled.
    pub keys: usize,
}

/// Everything the kafka checker concluded about a history.
#[derive(Debug, Clone, PartialEq)]
pub struct KafkaAnalysis {
    /// Maelstrom's `:valid?` for the `:workload`.
    pub validity: Validity,
    /// Why the checker cannot decide, when Jepsen's would throw (or the history is malformed).
    pub unknown_reason: Option<String>,
    /// Every case found, by type. Empty types are absent.
    pub anomalies: BTreeMap<AnomalyType, Vec<Anomaly>>,
    /// The types that fail the run (`:bad-error-types`), in Jepsen's (keyword) order.
    pub bad_error_types: Vec<AnomalyType>,
    /// Acknowledged messages no poll returned, per key (`:unseen :messages`).
    pub unseen: BTreeMap<Value, Vec<Value>>,
    /// `:worst-realtime-lag`; `None` when no `:ok` poll was measured.
    pub worst_realtime_lag: Option<RealtimeLag>,
    /// Distinct `:error`s of indeterminate sends and polls (`:info-txn-causes`).
    pub info_txn_causes: Vec<Value>,
    pub stats: KafkaStats,
}

impl KafkaAnalysis {
    /// Every type found, in Jepsen's order (`:error-types`).
    pub fn error_types(&self) -> Vec<AnomalyType> {
        let mut types: Vec<AnomalyType> = self.anomalies.keys().copied().collect();
        types.sort_by_key(|t| t.keyword());
        types
    }

    /// The number of unseen messages over all keys.
    pub fn unseen_count(&self) -> usize {
        self.unseen.values().map(Vec::len).sum()
    }

    /// The cases of one type (empty when there are none).
    pub fn cases(&self, kind: AnomalyType) -> &[Anomaly] {
        self.anomalies.get(&kind).map_or(&[], Vec::as_slice)
    }
}

/// Checks a kafka history: the `:workload` part of Maelstrom's verdict.
pub fn check(history: &History) -> Check {
    report::check(&analyze(history))
}

/// Analyses a kafka history as Jepsen's kafka checker does.
pub fn analyze(history: &History) -> KafkaAnalysis {
    let mut analysis = KafkaAnalysis {
        validity: Validity::Valid,
        unknown_reason: None,
        anomalies: BTreeMap::new(),
        bad_error_types: Vec::new(),
        unseen: BTreeMap::new(),
        worst_realtime_lag: None,
        info_txn_causes: Vec::new(),
        stats: KafkaStats::default(),
    };
    let parsed = match Parsed::read(history) {
        Ok(parsed) => parsed,
        Err(e) => {
            analysis.validity = Validity::Unknown;
            analysis.unknown_reason = Some(e.to_string());
            return analysis;
        }
    };
    analysis.stats = stats(&parsed);
    analysis.info_txn_causes = info_causes(&parsed);

    let orders = Orders::build(&parsed);
    let ctx = Ctx {
        parsed: &parsed,
        orders: &orders,
    };
    let mut found: Vec<Anomaly> = Vec::new();
    let mut undecidable: Option<Undecidable> = None;

    found.extend(cases::inconsistent_offsets(&ctx));
    found.extend(cases::duplicates(&ctx));
    found.extend(cases::aborted_reads(&ctx));
    found.extend(cases::precommitted_reads(&ctx));
    match cases::lost_writes(&ctx) {
        Ok(lost) => found.extend(lost),
        Err(e) => undecidable = Some(e),
    }
    let (skips, backs) = cases::internal_polls(&ctx);
    found.extend(skips.into_iter().chain(backs));
    let (skips, backs) = cases::internal_sends(&ctx);
    found.extend(skips.into_iter().chain(backs));
    let (skips, backs) = cases::external_polls(&ctx);
    found.extend(skips.into_iter().chain(backs));
    found.extend(cases::nonmonotonic_sends(&ctx));
    match cycles::cycles(&ctx) {
        Ok(cycles) => found.extend(cycles),
        Err(e) => undecidable = undecidable.or(Some(e)),
    }

    analysis.unseen = cases::unseen(&ctx);
    if !analysis.unseen.is_empty() {
        let count = analysis.unseen_count();
        found.push(Anomaly {
            kind: AnomalyType::Unseen,
            key: None,
            values: Vec::new(),
            offsets: Vec::new(),
            ops: Vec::new(),
            rank: Some(count as i64),
            explanation: format!(
                "{count} acknowledged message(s) in {} key(s) were never returned by any poll",
                analysis.unseen.len()
            ),
        });
    }
    analysis.worst_realtime_lag = lag::worst_realtime_lag(&parsed);

    for anomaly in found {
        analysis
            .anomalies
            .entry(anomaly.kind)
            .or_default()
            .push(anomaly);
    }
    analysis.bad_error_types = analysis
        .error_types()
        .into_iter()
        .filter(|t| !t.allowed())
        .collect();
    analysis.validity = match undecidable {
        Some(e) => {
            analysis.unknown_reason = Some(e.to_string());
            Validity::Unknown
        }
        None => Validity::from_bool(analysis.bad_error_types.is_empty()),
    };
    analysis
}

fn stats(parsed: &Parsed) -> KafkaStats {
    let mut stats = KafkaStats::default();
    let mut keys: HashSet<u32> = HashSet::new();
    for op in &parsed.ops {
        let ok = op.kind == OpType::Ok;
        match op.f {
            Func::Send => {
                stats.sends += 1;
                stats.ok_sends += usize::from(ok);
            }
            Func::Poll => {
                stats.polls += 1;
                stats.ok_polls += usize::from(ok);
            }
            Func::Assign | Func::Subscribe => stats.assigns += 1,
            Func::Crash => stats.crashes += 1,
            _ => {}
        }
        keys.extend(op.writes.iter().map(|w| w.key));
        keys.extend(op.reads.iter().map(|(k, _)| *k));
    }
    stats.keys = keys.len();
    stats
}

fn info_causes(parsed: &Parsed) -> Vec<Value> {
    let mut causes: Vec<Value> = Vec::new();
    for op in &parsed.ops {
        if op.kind == OpType::Info && (op.f.reads() || op.f.writes()) {
            let cause = op.error.clone().unwrap_or(Value::Nil);
            if !causes.contains(&cause) {
                causes.push(cause);
            }
        }
    }
    causes
}

#[cfg(test)]
mod tests;
