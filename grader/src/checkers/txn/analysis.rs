//! From a history to a [`TxnAnalysis`]: each finder's cases (the `single`, `depgraph`, `cycles`
//! and `writes` modules) become [`Anomaly`]s told in the history's own terms — history indices,
//! keys and values — and the anomalies, weighed against the consistency models asked for,
//! become a validity.
//!
//! The finders work on dense transaction and value numbers ([`Txns`]); this module is where
//! those numbers turn back into what a learner can find in `history.edn`.

use std::collections::BTreeSet;

use super::depgraph::DepGraph;
use super::graph::{self, WR, WW};
use super::txns::{self, Txns};
use super::{
    cycles, single, writes, Anomaly, AnomalyKind, DependencyKind, Models, Step, TxnAnalysis, TxnRef,
};
use crate::history::History;
use crate::value::Value;
use crate::verdict::Validity;

/// Analyses `history` against `consistency_models` (Elle's default, strict-serializable, when
/// none are given), spending at most `budget` steps on each cycle search.
pub(super) fn analyze(
    history: &History,
    consistency_models: &[String],
    budget: u64,
) -> TxnAnalysis {
    let txns = Txns::from_history(history);
    let mut findings = Findings::new(&txns);
    findings.skipped_malformed_ops();
    findings.single_transaction_anomalies();
    let dep = DepGraph::build(&txns);
    findings.version_order_problems(&dep);
    let elle_found_g0 = findings.dependency_cycles(&dep, budget);
    if !elle_found_g0 {
        findings.write_cycles_through_intermediate_writes();
    }
    findings.conclude(&dep, consistency_models)
}

/// What the analysis has found so far, and the history it is reading.
struct Findings<'a> {
    txns: &'a Txns<'a>,
    anomalies: Vec<Anomaly>,
    /// Limits of the analysis worth knowing (search budgets, unchecked orders, bad input).
    notes: Vec<String>,
    /// Some input could not be analysed as Elle would: the verdict cannot be "valid".
    malformed: bool,
}

impl<'a> Findings<'a> {
    fn new(txns: &'a Txns<'a>) -> Self {
        Findings {
            txns,
            anomalies: Vec::new(),
            notes: Vec::new(),
            malformed: false,
        }
    }

    /// Transaction `t` as the history shows it.
    fn reference(&self, t: u32) -> TxnRef {
        let op = self.txns.txns[t as usize].op;
        TxnRef {
            index: op.index,
            process: op.process,
            kind: op.kind,
            value: op.value.clone(),
        }
    }

    /// The history index that names transaction `t` ("T12").
    fn index(&self, t: u32) -> usize {
        self.txns.txns[t as usize].op.index
    }

    /// Micro-op `i` of transaction `t`, as written in the history: `[:r 3 7]`.
    fn mop_text(&self, t: u32, i: usize) -> String {
        let m = self.txns.mops(t as usize)[i];
        format!(
            "[:{} {} {}]",
            if m.write { "w" } else { "r" },
            self.txns.key(m.key),
            self.txns.value(m.value)
        )
    }

    /// "T3, T9, T12".
    fn names(&self, txns: &[u32]) -> String {
        txns.iter()
            .map(|&t| format!("T{}", self.index(t)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn push(
        &mut self,
        kind: AnomalyKind,
        txns: &[u32],
        steps: Vec<Step>,
        explanation: String,
        maelstrom_kind: Option<AnomalyKind>,
    ) {
        let txns = txns.iter().map(|&t| self.reference(t)).collect();
        self.anomalies.push(Anomaly {
            kind,
            txns,
            steps,
            explanation,
            maelstrom_kind,
        });
    }

    /// Operations that are not transactions are skipped, and said to be: Maelstrom's checker
    /// would crash on them.
    fn skipped_malformed_ops(&mut self) {
        if let Some(first) = self.txns.malformed.first() {
            self.malformed = true;
            self.notes.push(format!(
                "{} operation(s) are not lists of [:r k v] / [:w k v] micro-ops and were skipped (Maelstrom's checker would crash); the first: {first}",
                self.txns.malformed.len(),
            ));
        }
    }

    /// What one transaction shows on its own, or with the writer of what it read: internal
    /// inconsistency, aborted (G1a) and intermediate (G1b) reads, lost updates.
    fn single_transaction_anomalies(&mut self) {
        let txns = self.txns;
        for case in single::internal(txns) {
            let explanation = format!(
                "T{} read {} but its own earlier micro-ops left the key at {}",
                self.index(case.txn),
                self.mop_text(case.txn, case.mop),
                txns.value(case.expected)
            );
            let kind = AnomalyKind::Internal;
            self.push(kind, &[case.txn], Vec::new(), explanation, Some(kind));
        }
        // A read of a value that was never committed: its writer failed (G1a), or overwrote
        // it within the same transaction (G1b).
        let bad_reads = [
            (AnomalyKind::G1a, single::aborted_reads(txns)),
            (AnomalyKind::G1b, single::intermediate_reads(txns)),
        ];
        for (kind, cases) in bad_reads {
            for case in cases {
                let reader = self.index(case.txn);
                let read = self.mop_text(case.txn, case.mop);
                let writer = self.index(case.writer);
                let explanation = match kind {
                    AnomalyKind::G1a => format!(
                        "T{reader} read {read}, a value written only by T{writer}, which failed"
                    ),
                    _ => format!(
                        "T{reader} read {read}, an intermediate value: T{writer} overwrote it \
                         within the same transaction"
                    ),
                };
                let involved = [case.txn, case.writer];
                self.push(kind, &involved, Vec::new(), explanation, Some(kind));
            }
        }
        for case in single::lost_updates(txns) {
            let explanation = format!(
                "{} transactions ({}) all read key {} = {} and then wrote it",
                case.txns.len(),
                self.names(&case.txns),
                txns.key(case.key),
                txns.value(case.value)
            );
            let kind = AnomalyKind::LostUpdate;
            self.push(kind, &case.txns, Vec::new(), explanation, Some(kind));
        }
    }

    /// What inferring each key's version order ran into: versions in a cycle, values written
    /// twice (which Elle cannot analyse), and a graph with no edge at all (which Maelstrom's
    /// wrapper calls invalid).
    fn version_order_problems(&mut self, dep: &DepGraph) {
        let txns = self.txns;
        for case in &dep.cyclic_versions {
            let explanation = format!(
                "the inferred versions of key {} form a cycle: {}",
                txns.key(case.key),
                case.values
                    .iter()
                    .map(|&v| txns.value(v).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let kind = AnomalyKind::CyclicVersions;
            self.push(kind, &[], Vec::new(), explanation, Some(kind));
        }
        if let Some(d) = dep.duplicate_writes.first() {
            self.malformed = true;
            let note = format!(
                "{} value(s) were written by more than one committed transaction and read, which Elle cannot analyse (Maelstrom's checker would crash); the first: key {} = {} written by {}",
                dep.duplicate_writes.len(),
                txns.key(d.key),
                txns.value(d.value),
                self.names(&d.writers)
            );
            self.notes.push(note);
        }
        if dep.vertex_count == 0 {
            let explanation = format!(
                "{} committed transaction(s), none of which observed another's writes",
                (0..txns.len()).filter(|&t| txns.is_ok(t)).count()
            );
            let kind = AnomalyKind::EmptyTransactionGraph;
            self.push(kind, &[], Vec::new(), explanation, Some(kind));
        }
    }

    /// Elle's cycle search over the ww/wr/rw dependency graph. Returns whether it found a G0, in
    /// which case the search through intermediate writes has nothing to add.
    fn dependency_cycles(&mut self, dep: &DepGraph, budget: u64) -> bool {
        let found = cycles::search(&dep.graph, budget);
        for (size, kind) in &found.timeouts {
            self.notes.push(format!(
                "the search for {kind} in a cycle of {size} transactions ran out of budget (Elle's cycle-search-timeout; it does not change the verdict)"
            ));
        }
        let mut elle_found_g0 = false;
        for c in &found.cycles {
            let kind = AnomalyKind::from_cycle(c.kind);
            elle_found_g0 |= kind == AnomalyKind::G0;
            let members: Vec<u32> = c.steps.iter().map(|&(t, _)| t).collect();
            let steps: Vec<Step> = c
                .steps
                .iter()
                .enumerate()
                .map(|(i, &(t, k))| self.explain_edge(dep, t, members[(i + 1) % members.len()], k))
                .collect();
            // Elle labels each edge wr before ww: every ww edge of a register history has a wr
            // twin, so it files write cycles under G1c.
            let elle_kind = AnomalyKind::from_cycle(c.elle_kind);
            self.push(
                kind,
                &members,
                steps,
                kind.describe(members.len()),
                Some(elle_kind),
            );
        }
        elle_found_g0
    }

    /// The edge `a -kind-> b` of the dependency graph, with the first key and pair of values
    /// that justify it.
    fn explain_edge(&self, dep: &DepGraph, a: u32, b: u32, kind: u8) -> Step {
        let txns = self.txns;
        let justifies = |x: &txns::Mop, y: &txns::Mop| match kind {
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
        let (am, bm) = (txns.mops(a as usize), txns.mops(b as usize));
        let (key, v1, v2) = am
            .iter()
            .flat_map(|x| bm.iter().map(move |y| (x, y)))
            .find(|(x, y)| x.key == y.key && justifies(x, y))
            .map_or((0, 0, 0), |(x, y)| (x.key, x.value, y.value));
        Step {
            from: self.index(a),
            to: self.index(b),
            kind: DependencyKind::from_bits(kind),
            key: txns.key(key).clone(),
            value: txns.value(v1).clone(),
            next_value: txns.value(v2).clone(),
            witness: None,
        }
    }

    /// Beyond Maelstrom: write cycles that only show through intermediate writes (a
    /// transaction's writes that another overwrote in between), which Elle's graph does not
    /// hold. Each strongly connected component of the write order yields one G0.
    fn write_cycles_through_intermediate_writes(&mut self) {
        let txns = self.txns;
        let order = writes::WriteOrder::build(txns);
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
                    let s = order.explain(txns, x, y);
                    Step {
                        from: self.index(x),
                        to: self.index(y),
                        kind: DependencyKind::WW,
                        key: s.map_or(Value::Nil, |s| txns.key(s.key).clone()),
                        value: s.map_or(Value::Nil, |s| txns.value(s.v1).clone()),
                        next_value: s.map_or(Value::Nil, |s| txns.value(s.v2).clone()),
                        witness: s.map(|s| self.index(s.witness)),
                    }
                })
                .collect();
            let explanation = format!(
                "{} (through intermediate writes, which Maelstrom's checker does not see)",
                AnomalyKind::G0.describe(cycle.len())
            );
            self.push(AnomalyKind::G0, &cycle, steps, explanation, None);
        }
    }

    /// Weighs what was found against the models asked for: which anomaly types they forbid,
    /// what the course and Maelstrom conclude, and Elle's boundary of ruled-out models.
    fn conclude(mut self, dep: &DepGraph, consistency_models: &[String]) -> TxnAnalysis {
        let models = Models::new();
        let consistency_models: Vec<String> = if consistency_models.is_empty() {
            vec!["strict-serializable".to_owned()]
        } else {
            consistency_models.to_vec()
        };
        let (known, unknown_models): (Vec<String>, Vec<String>) = consistency_models
            .iter()
            .cloned()
            .partition(|m| models.is_known(m));
        let prohibited_names = models.prohibited(&known);
        let forbidden = |k: &AnomalyKind| {
            *k == AnomalyKind::EmptyTransactionGraph || prohibited_names.contains(k.name())
        };

        self.anomalies.sort_by_key(|a| a.kind);
        let prohibited: BTreeSet<AnomalyKind> = self
            .anomalies
            .iter()
            .map(|a| a.kind)
            .filter(forbidden)
            .collect();
        let maelstrom_bad = self
            .anomalies
            .iter()
            .filter_map(|a| a.maelstrom_kind)
            .any(|k| forbidden(&k));
        let names: Vec<&str> = self.anomalies.iter().map(|a| a.kind.name()).collect();
        let (not, also_not) = models.boundary(&names);

        let undecided = !unknown_models.is_empty() || self.malformed;
        let decide = |bad: bool| {
            if bad {
                Validity::Invalid
            } else if undecided {
                Validity::Unknown
            } else {
                Validity::Valid
            }
        };
        if prohibited_names
            .iter()
            .any(|a| a.ends_with("-realtime") || a.ends_with("-process"))
        {
            self.notes.push(
                "these models also forbid -process and -realtime cycle variants, which need process and real-time order edges this checker does not build".to_owned(),
            );
        }

        let count = |o: txns::Outcome| self.txns.txns.iter().filter(|t| t.outcome == o).count();
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
            notes: self.notes,
            anomalies: self.anomalies,
        }
    }
}
