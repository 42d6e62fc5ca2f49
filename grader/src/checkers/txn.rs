//! The txn-rw-register checker: Elle's rw-register analysis (spec §7.8–7.9), plus the G0 check
//! Maelstrom misses.
//!
//! A history of read/write transactions over integer registers is judged as Elle judges it:
//! per-transaction anomalies (internal inconsistency, G1a aborted reads, G1b intermediate reads,
//! lost updates), then a ww/wr/rw dependency graph over committed transactions built from an
//! inferred version order, searched for cycles (G0, G1c, G-single, G-nonadjacent, G2). Which of
//! these make the run invalid depends on the consistency models asked for; as in Maelstrom's
//! wrapper, an empty transaction graph is invalid too.
//!
//! Beyond Maelstrom: under read-uncommitted Maelstrom never reports G0 (issue #56). Elle names a
//! cycle by the first explanation of each edge, and in a register an inferred ww edge (nearly)
//! always has a wr twin, so write cycles come out as G1c, which read-uncommitted allows; and
//! writes that interleave through intermediate values are invisible to it. This checker names a
//! ww-only cycle G0, and also looks for write cycles through every write (the `writes` module).
//! Such findings are flagged by [`Anomaly::beyond_maelstrom`], and
//! [`TxnAnalysis::maelstrom_validity`] says what Maelstrom itself would have concluded.
//!
//! Not built: the process and real-time orders Elle adds for the strong models
//! (strict-serializable, strong-session-…), so `-process`/`-realtime` cycle variants are not
//! searched; the analysis says so in its notes when the models would forbid them.

mod cycles;
mod depgraph;
mod graph;
mod models;
mod single;
pub mod synth;
mod txns;
mod writes;

use std::collections::BTreeSet;
use std::fmt;

use crate::history::{History, OpType, Process};
use crate::value::Value;
use crate::verdict::{Check, Figure, Validity};

use graph::{WR, WW};
use txns::Txns;

pub use models::Models;

/// How many examples of each anomaly type the check's details print.
pub const EXAMPLES_SHOWN: usize = 3;

/// The kinds of anomaly this checker can find, by Elle's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnomalyKind {
    /// A cycle of write-write dependencies: writes interleaved.
    G0,
    /// Aborted read: a committed read of a value only a failed transaction wrote.
    G1a,
    /// Intermediate read: a read of a value its writer overwrote within itself.
    G1b,
    /// A cycle of write-write and write-read dependencies (circular information flow).
    G1c,
    /// A cycle with exactly one read-write anti-dependency (read skew).
    GSingleItem,
    /// A cycle with several anti-dependencies, never two in a row.
    GNonadjacentItem,
    /// A cycle with several anti-dependencies, some in a row (write skew).
    G2Item,
    /// A read disagreeing with its own transaction's earlier write or read of that key.
    Internal,
    /// Two committed transactions read the same version of a key and both wrote it.
    LostUpdate,
    /// The inferred version order of a key is cyclic.
    CyclicVersions,
    /// No transaction's effects were observed by another: there was nothing to check.
    EmptyTransactionGraph,
}

impl AnomalyKind {
    /// Elle's name for it (`"G-single-item"`, `"internal"`, …).
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::G0 => "G0",
            AnomalyKind::G1a => "G1a",
            AnomalyKind::G1b => "G1b",
            AnomalyKind::G1c => "G1c",
            AnomalyKind::GSingleItem => "G-single-item",
            AnomalyKind::GNonadjacentItem => "G-nonadjacent-item",
            AnomalyKind::G2Item => "G2-item",
            AnomalyKind::Internal => "internal",
            AnomalyKind::LostUpdate => "lost-update",
            AnomalyKind::CyclicVersions => "cyclic-versions",
            AnomalyKind::EmptyTransactionGraph => "empty-transaction-graph",
        }
    }

    fn from_cycle(name: &str) -> AnomalyKind {
        match name {
            "G0" => AnomalyKind::G0,
            "G1c" => AnomalyKind::G1c,
            "G-single-item" => AnomalyKind::GSingleItem,
            "G-nonadjacent-item" => AnomalyKind::GNonadjacentItem,
            _ => AnomalyKind::G2Item,
        }
    }

    /// What it means, in plain words, for a case involving `n` transactions.
    fn describe(self, n: usize) -> String {
        match self {
            AnomalyKind::G0 => format!("{n} transactions form a cycle of writes (their writes interleaved)"),
            AnomalyKind::G1a => "a committed transaction read a value written only by a failed transaction".into(),
            AnomalyKind::G1b => "a transaction read a value that its writer later overwrote within itself".into(),
            AnomalyKind::G1c => format!("{n} transactions form a cycle of writes and reads"),
            AnomalyKind::GSingleItem => format!("{n} transactions form a cycle with exactly one read-write anti-dependency (read skew)"),
            AnomalyKind::GNonadjacentItem => format!("{n} transactions form a cycle with non-adjacent read-write anti-dependencies"),
            AnomalyKind::G2Item => format!("{n} transactions form a cycle with adjacent read-write anti-dependencies (write skew)"),
            AnomalyKind::Internal => "a transaction read something other than its own earlier write or read of that key".into(),
            AnomalyKind::LostUpdate => format!("{n} transactions read the same value of a key and all wrote it, so updates were lost"),
            AnomalyKind::CyclicVersions => "the inferred version order of a key is cyclic".into(),
            AnomalyKind::EmptyTransactionGraph => "no transaction observed another's writes (an empty transaction graph), so nothing could be checked".into(),
        }
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A transaction as the history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TxnRef {
    /// The history index of its completion (or of its invocation, when it never completed).
    pub index: usize,
    pub process: Process,
    pub kind: OpType,
    /// Its micro-ops, as completed.
    pub value: Value,
}

impl fmt::Display for TxnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "T{} (process {}, :{}) {}",
            self.index,
            self.process,
            self.kind.keyword(),
            self.value
        )
    }
}

/// A kind of dependency between two transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DependencyKind {
    /// `from` installed a version of the key, `to` the next one.
    WW,
    /// `to` read the version `from` wrote.
    WR,
    /// `from` read a version, `to` installed the next one (an anti-dependency).
    RW,
}

impl DependencyKind {
    pub fn name(self) -> &'static str {
        match self {
            DependencyKind::WW => "ww",
            DependencyKind::WR => "wr",
            DependencyKind::RW => "rw",
        }
    }

    fn from_bits(bits: u8) -> DependencyKind {
        match bits {
            WW => DependencyKind::WW,
            WR => DependencyKind::WR,
            _ => DependencyKind::RW,
        }
    }
}

/// One edge of a cycle, with the key and values that justify it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// History indices of the two transactions.
    pub from: usize,
    pub to: usize,
    pub kind: DependencyKind,
    pub key: Value,
    /// The version `from` wrote or read.
    pub value: Value,
    /// The version `to` wrote (ww, rw) or read (wr).
    pub next_value: Value,
    /// For edges through intermediate writes: the transaction (history index) whose micro-ops
    /// show that `value` came right before `next_value`.
    pub witness: Option<usize>,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b, k) = (self.from, self.to, &self.key);
        write!(f, "T{a} -{}-> T{b}: ", self.kind.name())?;
        match self.kind {
            DependencyKind::WR => write!(
                f,
                "T{a} wrote key {k} = {}, which was read by T{b}",
                self.value
            ),
            DependencyKind::WW => write!(
                f,
                "T{a} set key {k} to {}, and T{b} set it to {}, which came later in the version order",
                self.value, self.next_value
            ),
            DependencyKind::RW => write!(
                f,
                "T{a} read key {k} = {}, and T{b} set it to {}, which came later in the version order",
                self.value, self.next_value
            ),
        }?;
        if let Some(w) = self.witness {
            write!(f, " (T{w} saw {} then {})", self.value, self.next_value)?;
        }
        Ok(())
    }
}

/// One concrete anomaly.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// The transactions involved (for a cycle, in cycle order).
    pub txns: Vec<TxnRef>,
    /// For cycles: the edges, the last leading back to the first transaction.
    pub steps: Vec<Step>,
    /// What exactly went wrong, in one line.
    pub explanation: String,
    /// What Maelstrom's checker would file this under, `None` when it would not see it at all
    /// (see the module documentation).
    pub maelstrom_kind: Option<AnomalyKind>,
}

impl Anomaly {
    /// Whether the course is stricter than Maelstrom here: Maelstrom would not report this, or
    /// not under this name.
    pub fn beyond_maelstrom(&self) -> bool {
        self.maelstrom_kind != Some(self.kind)
    }
}

/// Everything the analysis found.
#[derive(Debug, Clone, PartialEq)]
pub struct TxnAnalysis {
    /// The verdict: invalid if any anomaly the models forbid was found (or the graph is empty);
    /// unknown if a model is unknown or the history cannot be analysed.
    pub validity: Validity,
    /// What Maelstrom's own checker would have said of this history.
    pub maelstrom_validity: Validity,
    /// The models checked (Elle's default, strict-serializable, when none were given).
    pub consistency_models: Vec<String>,
    pub unknown_models: Vec<String>,
    /// Every anomaly found, most severe types first; allowed ones included, as information.
    pub anomalies: Vec<Anomaly>,
    /// The types found that the models forbid.
    pub prohibited: BTreeSet<AnomalyKind>,
    /// Elle's boundary: the weakest models these anomalies rule out, and the stronger ones.
    pub not: BTreeSet<String>,
    pub also_not: BTreeSet<String>,
    /// Committed, indeterminate and failed transactions.
    pub ok_count: usize,
    pub info_count: usize,
    pub fail_count: usize,
    /// Vertices and edges of the dependency graph.
    pub graph_vertices: usize,
    pub graph_edges: usize,
    /// Limits of the analysis worth knowing (search budgets, unchecked orders, bad input).
    pub notes: Vec<String>,
}

impl TxnAnalysis {
    /// The anomalies of one kind.
    pub fn of_kind(&self, kind: AnomalyKind) -> impl Iterator<Item = &Anomaly> {
        self.anomalies.iter().filter(move |a| a.kind == kind)
    }

    /// The distinct kinds found.
    pub fn kinds(&self) -> BTreeSet<AnomalyKind> {
        self.anomalies.iter().map(|a| a.kind).collect()
    }
}

/// Checks a txn-rw-register history against the given consistency models.
pub fn check(history: &History, consistency_models: &[String]) -> Check {
    render(&analyze(history, consistency_models))
}

/// Analyses a txn-rw-register history: every anomaly, and which of them the models forbid.
pub fn analyze(history: &History, consistency_models: &[String]) -> TxnAnalysis {
    analyze_with_budget(history, consistency_models, cycles::DEFAULT_BUDGET)
}

fn analyze_with_budget(
    history: &History,
    consistency_models: &[String],
    budget: u64,
) -> TxnAnalysis {
    let models = Models::new();
    let consistency_models: Vec<String> = if consistency_models.is_empty() {
        vec!["strict-serializable".to_owned()]
    } else {
        consistency_models.to_vec()
    };
    let unknown_models: Vec<String> = consistency_models
        .iter()
        .filter(|m| !models.is_known(m))
        .cloned()
        .collect();
    let known: Vec<String> = consistency_models
        .iter()
        .filter(|m| models.is_known(m))
        .cloned()
        .collect();
    let prohibited_names = models.prohibited(&known);

    let txns = Txns::from_history(history);
    let mut notes = Vec::new();
    let mut malformed = false;
    if !txns.malformed.is_empty() {
        malformed = true;
        notes.push(format!(
            "{} operation(s) are not lists of [:r k v] / [:w k v] micro-ops and were skipped (Maelstrom's checker would crash); the first: {}",
            txns.malformed.len(),
            txns.malformed[0]
        ));
    }

    let reference = |t: u32| {
        let op = txns.txns[t as usize].op;
        TxnRef {
            index: op.index,
            process: op.process,
            kind: op.kind,
            value: op.value.clone(),
        }
    };
    let mop_text = |t: u32, i: usize| {
        let m = txns.mops(t as usize)[i];
        format!(
            "[:{} {} {}]",
            if m.write { "w" } else { "r" },
            txns.key(m.key),
            txns.value(m.value)
        )
    };
    let index = |t: u32| txns.txns[t as usize].op.index;

    let mut anomalies: Vec<Anomaly> = Vec::new();
    let mut push = |kind, txns: Vec<TxnRef>, steps, explanation, maelstrom_kind| {
        anomalies.push(Anomaly {
            kind,
            txns,
            steps,
            explanation,
            maelstrom_kind,
        })
    };

    for case in single::internal(&txns) {
        push(
            AnomalyKind::Internal,
            vec![reference(case.txn)],
            Vec::new(),
            format!(
                "T{} read {} but its own earlier micro-ops left the key at {}",
                index(case.txn),
                mop_text(case.txn, case.mop),
                txns.value(case.expected)
            ),
            Some(AnomalyKind::Internal),
        );
    }
    for case in single::aborted_reads(&txns) {
        push(
            AnomalyKind::G1a,
            vec![reference(case.txn), reference(case.writer)],
            Vec::new(),
            format!(
                "T{} read {}, a value written only by T{}, which failed",
                index(case.txn),
                mop_text(case.txn, case.mop),
                index(case.writer)
            ),
            Some(AnomalyKind::G1a),
        );
    }
    for case in single::intermediate_reads(&txns) {
        push(
            AnomalyKind::G1b,
            vec![reference(case.txn), reference(case.writer)],
            Vec::new(),
            format!(
                "T{} read {}, an intermediate value: T{} overwrote it within the same transaction",
                index(case.txn),
                mop_text(case.txn, case.mop),
                index(case.writer)
            ),
            Some(AnomalyKind::G1b),
        );
    }
    for case in single::lost_updates(&txns) {
        let n = case.txns.len();
        push(
            AnomalyKind::LostUpdate,
            case.txns.iter().map(|&t| reference(t)).collect(),
            Vec::new(),
            format!(
                "{n} transactions ({}) all read key {} = {} and then wrote it",
                case.txns
                    .iter()
                    .map(|&t| format!("T{}", index(t)))
                    .collect::<Vec<_>>()
                    .join(", "),
                txns.key(case.key),
                txns.value(case.value)
            ),
            Some(AnomalyKind::LostUpdate),
        );
    }

    let dep = depgraph::DepGraph::build(&txns);
    for case in &dep.cyclic_versions {
        push(
            AnomalyKind::CyclicVersions,
            Vec::new(),
            Vec::new(),
            format!(
                "the inferred versions of key {} form a cycle: {}",
                txns.key(case.key),
                case.values
                    .iter()
                    .map(|&v| txns.value(v).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(AnomalyKind::CyclicVersions),
        );
    }
    if let Some(d) = dep.duplicate_writes.first() {
        malformed = true;
        notes.push(format!(
            "{} value(s) were written by more than one committed transaction and read, which Elle cannot analyse (Maelstrom's checker would crash); the first: key {} = {} written by {}",
            dep.duplicate_writes.len(),
            txns.key(d.key),
            txns.value(d.value),
            d.writers.iter().map(|&t| format!("T{}", index(t))).collect::<Vec<_>>().join(", ")
        ));
    }
    if dep.vertex_count == 0 {
        push(
            AnomalyKind::EmptyTransactionGraph,
            Vec::new(),
            Vec::new(),
            format!(
                "{} committed transaction(s), none of which observed another's writes",
                (0..txns.len()).filter(|&t| txns.is_ok(t)).count()
            ),
            Some(AnomalyKind::EmptyTransactionGraph),
        );
    }

    let explain = |a: u32, b: u32, kind: u8| -> Step {
        let (am, bm) = (txns.mops(a as usize), txns.mops(b as usize));
        let (mut key, mut v1, mut v2) = (0, 0, 0);
        'found: for x in am {
            for y in bm {
                if x.key != y.key {
                    continue;
                }
                let ok = match kind {
                    WR => {
                        x.value == y.value
                            && dep.ext_wrote(x.key, x.value, a)
                            && dep.ext_read(y.key, y.value, b)
                    }
                    WW => {
                        dep.ext_wrote(x.key, x.value, a)
                            && dep.ext_wrote(y.key, y.value, b)
                            && dep.precedes(x.key, x.value, y.value)
                    }
                    _ => {
                        dep.ext_read(x.key, x.value, a)
                            && dep.ext_wrote(y.key, y.value, b)
                            && dep.precedes(x.key, x.value, y.value)
                    }
                };
                if ok {
                    (key, v1, v2) = (x.key, x.value, y.value);
                    break 'found;
                }
            }
        }
        Step {
            from: index(a),
            to: index(b),
            kind: DependencyKind::from_bits(kind),
            key: txns.key(key).clone(),
            value: txns.value(v1).clone(),
            next_value: txns.value(v2).clone(),
            witness: None,
        }
    };

    let found = cycles::search(&dep.graph, budget);
    for (size, kind) in &found.timeouts {
        notes.push(format!(
            "the search for {kind} in a cycle of {size} transactions ran out of budget (Elle's cycle-search-timeout; it does not change the verdict)"
        ));
    }
    let mut elle_g0 = false;
    for c in &found.cycles {
        let kind = AnomalyKind::from_cycle(c.kind);
        elle_g0 |= kind == AnomalyKind::G0;
        let steps: Vec<Step> = c
            .steps
            .iter()
            .enumerate()
            .map(|(i, &(t, k))| explain(t, c.steps[(i + 1) % c.steps.len()].0, k))
            .collect();
        // Elle labels each edge wr before ww: every ww edge of a register history has a wr
        // twin, so it files write cycles under G1c.
        push(
            kind,
            c.steps.iter().map(|&(t, _)| reference(t)).collect(),
            steps,
            kind.describe(c.steps.len()),
            Some(AnomalyKind::from_cycle(c.elle_kind)),
        );
    }

    if !elle_g0 {
        let order = writes::WriteOrder::build(&txns);
        let mut bfs = graph::Bfs::new(txns.len(), 1);
        let mut never = false;
        for scc in order.graph.sccs(WW) {
            let a = scc[0];
            let Some((b, _)) = order
                .graph
                .out(a)
                .find(|(w, _)| scc.binary_search(w).is_ok())
            else {
                continue;
            };
            let Some(path) = bfs.path(b, a, u64::MAX, &mut never, |v, next| {
                next.extend(order.graph.out(v).map(|(w, _)| (w, WW)))
            }) else {
                continue;
            };
            let mut cycle: Vec<u32> = vec![a];
            cycle.extend(path[..path.len() - 1].iter().map(|p| p.0));
            let steps: Vec<Step> = (0..cycle.len())
                .map(|i| {
                    let (x, y) = (cycle[i], cycle[(i + 1) % cycle.len()]);
                    let s = order.explain(&txns, x, y);
                    Step {
                        from: index(x),
                        to: index(y),
                        kind: DependencyKind::WW,
                        key: s.map_or(Value::Nil, |s| txns.key(s.key).clone()),
                        value: s.map_or(Value::Nil, |s| txns.value(s.v1).clone()),
                        next_value: s.map_or(Value::Nil, |s| txns.value(s.v2).clone()),
                        witness: s.map(|s| index(s.witness)),
                    }
                })
                .collect();
            push(
                AnomalyKind::G0,
                cycle.iter().map(|&t| reference(t)).collect(),
                steps,
                format!(
                    "{} (through intermediate writes, which Maelstrom's checker does not see)",
                    AnomalyKind::G0.describe(cycle.len())
                ),
                None,
            );
        }
    }

    anomalies.sort_by_key(|a| a.kind);

    let prohibited: BTreeSet<AnomalyKind> = anomalies
        .iter()
        .map(|a| a.kind)
        .filter(|k| *k == AnomalyKind::EmptyTransactionGraph || prohibited_names.contains(k.name()))
        .collect();
    let maelstrom_kinds: BTreeSet<AnomalyKind> =
        anomalies.iter().filter_map(|a| a.maelstrom_kind).collect();
    let maelstrom_bad = maelstrom_kinds
        .iter()
        .any(|k| *k == AnomalyKind::EmptyTransactionGraph || prohibited_names.contains(k.name()));

    let names: Vec<&str> = anomalies.iter().map(|a| a.kind.name()).collect();
    let (not, also_not) = models.boundary(&names);

    let undecided = !unknown_models.is_empty() || malformed;
    let decide = |bad: bool| {
        if bad {
            Validity::Invalid
        } else if undecided {
            Validity::Unknown
        } else {
            Validity::Valid
        }
    };
    let needs_orders: Vec<&String> = prohibited_names
        .iter()
        .filter(|a| a.ends_with("-realtime") || a.ends_with("-process"))
        .take(1)
        .collect();
    if !needs_orders.is_empty() {
        notes.push(
            "these models also forbid -process and -realtime cycle variants, which need process and real-time order edges this checker does not build".to_owned(),
        );
    }

    let count = |o: txns::Outcome| txns.txns.iter().filter(|t| t.outcome == o).count();
    TxnAnalysis {
        validity: decide(!prohibited.is_empty()),
        maelstrom_validity: decide(maelstrom_bad),
        consistency_models,
        unknown_models,
        prohibited,
        not,
        also_not,
        ok_count: count(txns::Outcome::Ok),
        info_count: count(txns::Outcome::Info),
        fail_count: count(txns::Outcome::Fail),
        graph_vertices: dep.vertex_count,
        graph_edges: dep.graph.edge_count(),
        notes,
        anomalies,
    }
}

/// The check the verdict shows: a one-line summary and, for each anomaly type, a few examples
/// with their transactions and edges.
pub fn render(analysis: &TxnAnalysis) -> Check {
    let models = analysis.consistency_models.join(", ");
    let counts = |kind: AnomalyKind| analysis.of_kind(kind).count();
    let phrase = |kind: AnomalyKind| {
        let first = analysis.of_kind(kind).next();
        let n = first.map_or(0, |a| a.txns.len());
        let total = counts(kind);
        let many = if total > 1 {
            format!(" ({total} found)")
        } else {
            String::new()
        };
        format!("{kind}{many}: {}", kind.describe(n))
    };
    let summary = if !analysis.unknown_models.is_empty() {
        format!(
            "unknown consistency model(s) {}: Maelstrom's checker would not know what to forbid",
            analysis.unknown_models.join(", ")
        )
    } else if !analysis.prohibited.is_empty() {
        analysis
            .prohibited
            .iter()
            .map(|&k| phrase(k))
            .collect::<Vec<_>>()
            .join("; ")
    } else if analysis.validity == Validity::Unknown {
        "the history could not be analysed (see details)".to_owned()
    } else {
        let allowed: Vec<String> = analysis
            .kinds()
            .iter()
            .map(|&k| format!("{k} ×{}", counts(k)))
            .collect();
        let mut s = format!(
            "no anomaly that {models} forbids among {} committed transactions",
            analysis.ok_count
        );
        if !allowed.is_empty() {
            s.push_str(&format!(" (found, but allowed: {})", allowed.join(", ")));
        }
        s
    };

    let mut details = Vec::new();
    if analysis.validity != analysis.maelstrom_validity {
        details.push(format!(
            "Maelstrom's own checker would say {} here: this checker is stricter (see the anomalies marked beyond Maelstrom)",
            analysis.maelstrom_validity
        ));
    }
    details.extend(analysis.notes.iter().cloned());
    for kind in analysis.kinds() {
        let all: Vec<&Anomaly> = analysis.of_kind(kind).collect();
        let verdict = if analysis.prohibited.contains(&kind) {
            format!("forbidden by {models}")
        } else {
            format!("allowed by {models}; information only")
        };
        details.push(format!("{kind}: {} case(s), {verdict}", all.len()));
        // A transaction that reads the same value twice is two cases (Elle counts each read);
        // showing both would only repeat the same lines.
        let mut seen = std::collections::HashSet::new();
        let distinct: Vec<_> = all
            .iter()
            .filter(|a| seen.insert(a.explanation.as_str()))
            .collect();
        for a in distinct.iter().take(EXAMPLES_SHOWN) {
            let beyond = match a.maelstrom_kind {
                Some(k) if k == a.kind => String::new(),
                Some(k) => format!(" [beyond Maelstrom, which files this under {k}]"),
                None => " [beyond Maelstrom, which misses this]".to_owned(),
            };
            details.push(format!("  - {}{beyond}", a.explanation));
            for t in &a.txns {
                details.push(format!("      {t}"));
            }
            for s in &a.steps {
                details.push(format!("      {s}"));
            }
        }
        let shown = distinct.len().min(EXAMPLES_SHOWN);
        if all.len() > shown {
            details.push(format!("  … and {} more case(s)", all.len() - shown));
        }
    }
    if !analysis.not.is_empty() {
        details.push(format!(
            "these anomalies rule out {} and {} stronger model(s)",
            analysis.not.iter().cloned().collect::<Vec<_>>().join(", "),
            analysis.also_not.len()
        ));
    }

    let mut check = Check::new("workload", analysis.validity, summary).with_details(details);
    check = check
        .with_figure(Figure::new(
            "transactions (ok)",
            analysis.ok_count.to_string(),
        ))
        .with_figure(Figure::new(
            "dependency graph",
            format!(
                "{} transactions, {} edges",
                analysis.graph_vertices, analysis.graph_edges
            ),
        ));
    check
}
