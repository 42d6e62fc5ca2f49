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

mod analysis;
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
    analysis::analyze(history, consistency_models, cycles::DEFAULT_BUDGET)
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
