//! Consistency models and the anomalies they forbid, as Elle relates them.
//!
//! Which anomalies make a run invalid depends on the models the learner asked for (spec §7.9).
//! Elle derives that from three small graphs: models imply weaker models, each model directly
//! forbids some anomalies, and anomalies imply other anomalies (G0 implies G1c, …). The tables
//! below are those graphs as Elle 0.2.2 has them: Maelstrom 0.2.4, the version the course pins,
//! depends on Jepsen 0.3.7, which pins Elle 0.2.2. Its names are the ones Maelstrom 0.2.4 prints
//! in `:not` and `:also-not` (`read-uncommitted` for PL-1, `read-committed` for PL-2,
//! `strong-serializable` for PL-SS, and `update-atomic`). Older runs read differently: Maelstrom
//! 0.2.3 (Jepsen 0.3.1, Elle 0.1.6) called update-atomic `ROLA` and had causal-cerone imply it,
//! so one of its lost updates printed `:not #{:ROLA :cursor-stability}` with `causal-cerone` and
//! `prefix` among the `:also-not`.

use std::collections::{BTreeSet, HashMap};

/// Friendly model names and the canonical (Adya) names Elle works with.
const CANONICAL: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("serializable", "PL-3"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// `a` implies each of `b…` (a history that satisfies `a` satisfies `b`). Friendly or canonical
/// names; everything is canonicalised when the graph is built.
const MODEL_IMPLIES: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("conflict-serializable", &["view-serializable"]),
    ("cursor-stability", &["read-committed", "PL-2"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("PL-2", &["PL-1"]),
    ("PL-3", &["repeatable-read", "update-serializable"]),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["PL-2"]),
    ("monotonic-snapshot-read", &["PL-2"]),
    (
        "parallel-snapshot-isolation",
        &["causal-cerone", "update-atomic"],
    ),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("read-committed", &["read-uncommitted"]),
    (
        "repeatable-read",
        &["cursor-stability", "monotonic-atomic-view"],
    ),
    ("update-atomic", &["read-atomic"]),
    (
        "serializable",
        &["repeatable-read", "snapshot-isolation", "view-serializable"],
    ),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "PL-3",
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    (
        "strong-session-serializable",
        &["serializable", "strong-session-snapshot-isolation"],
    ),
    (
        "strong-session-snapshot-isolation",
        &["snapshot-isolation", "strong-session-PL-2"],
    ),
    ("strong-serializable", &["session-serializable"]),
    (
        "strong-snapshot-isolation",
        &["strong-session-snapshot-isolation", "strong-PL-2"],
    ),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    (
        "PRAM",
        &["monotonic-reads", "monotonic-writes", "read-your-writes"],
    ),
];

/// The anomalies each model forbids directly (weaker models it implies add theirs).
const MODEL_FORBIDS: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    (
        "PL-3",
        &["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"],
    ),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    (
        "PL-1",
        &[
            "G0",
            "duplicate-elements",
            "cyclic-versions",
            "PL-1-cycle-exists",
        ],
    ),
    ("prefix", &["internal", "G1a"]),
    ("serializable", &["internal"]),
    (
        "snapshot-isolation",
        &[
            "internal",
            "G1",
            "G-SI",
            "G-nonadjacent",
            "PL-SI-cycle-exists",
        ],
    ),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    (
        "repeatable-read",
        &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"],
    ),
    ("update-atomic", &["lost-update"]),
    (
        "strict-serializable",
        &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"],
    ),
    (
        "strong-session-PL-1",
        &["strong-session-PL-1-cycle-exists", "G0-process"],
    ),
    (
        "strong-session-PL-2",
        &["strong-session-PL-2-cycle-exists", "G1c-process"],
    ),
    ("strong-PL-1", &["strong-PL-1-cycle-exists", "G0-realtime"]),
    ("strong-PL-2", &["strong-PL-2-cycle-exists", "G1c-realtime"]),
    (
        "strong-session-snapshot-isolation",
        &[
            "internal",
            "G1-process",
            "G-nonadjacent-process",
            "strong-session-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-snapshot-isolation",
        &[
            "internal",
            "G1-realtime",
            "G-nonadjacent-realtime",
            "strong-snapshot-isolation-cycle-exists",
        ],
    ),
    (
        "strong-session-serializable",
        &[
            "G1-process",
            "G2-process",
            "strong-session-serializable-cycle-exists",
        ],
    ),
    ("update-serializable", &["G1", "G-update"]),
];

/// `a` implies each of `b…`: whenever `a` is present, so is `b` (G1 is G1a ∪ G1b ∪ G1c, …).
const ANOMALY_IMPLIES: &[(&str, &[&str])] = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    (
        "G-single-item",
        &["G-single", "G-single-item-process", "G-nonadjacent-item"],
    ),
    (
        "G-single-item-process",
        &[
            "G-single-process",
            "G-single-item-realtime",
            "G-nonadjacent-item-process",
        ],
    ),
    (
        "G-single-item-realtime",
        &["G-single-realtime", "G-nonadjacent-item-realtime"],
    ),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    (
        "G-single-process",
        &["G-nonadjacent-process", "G-single-realtime"],
    ),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    (
        "G-nonadjacent-item",
        &["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"],
    ),
    (
        "G-nonadjacent-item-process",
        &[
            "G-nonadjacent-process",
            "G2-item-process",
            "G-nonadjacent-item-realtime",
        ],
    ),
    (
        "G-nonadjacent-item-realtime",
        &["G2-item-realtime", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    (
        "G-nonadjacent-process",
        &["G2-process", "G-nonadjacent-realtime"],
    ),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

/// The canonical name of a model (`read-committed` is `PL-2`).
pub fn canonical(model: &str) -> &str {
    CANONICAL
        .iter()
        .find(|(friendly, _)| *friendly == model)
        .map_or(model, |(_, c)| c)
}

/// The name Elle prints for a canonical model (the last friendly alias wins, `PL-3` is
/// `serializable`, as Elle's own inverse map has it).
pub fn friendly(model: &str) -> String {
    match model {
        "PL-3" => "serializable".to_owned(),
        "PL-SS" => "strong-serializable".to_owned(),
        _ => CANONICAL
            .iter()
            .rev()
            .find(|(_, c)| *c == model)
            .map_or(model, |(f, _)| f)
            .to_owned(),
    }
}

/// A directed graph of names, with both directions indexed.
struct NameGraph {
    out: HashMap<String, Vec<String>>,
    inn: HashMap<String, Vec<String>>,
}

impl NameGraph {
    fn new(table: &[(&str, &[&str])], name: fn(&str) -> &str) -> NameGraph {
        let mut g = NameGraph {
            out: HashMap::new(),
            inn: HashMap::new(),
        };
        for (a, bs) in table {
            for b in *bs {
                let (a, b) = (name(a).to_owned(), name(b).to_owned());
                g.out.entry(a.clone()).or_default().push(b.clone());
                g.inn.entry(b).or_default().push(a.clone());
            }
        }
        g
    }

    /// Everything reachable from `start` (start included), following `out` or `in` edges.
    fn reach(&self, start: impl IntoIterator<Item = String>, forward: bool) -> BTreeSet<String> {
        let edges = if forward { &self.out } else { &self.inn };
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut stack: Vec<String> = start.into_iter().collect();
        while let Some(n) = stack.pop() {
            if seen.insert(n.clone()) {
                stack.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
        seen
    }

    fn vertices(&self) -> impl Iterator<Item = &String> {
        self.out.keys().chain(self.inn.keys())
    }
}

fn same(name: &str) -> &str {
    name
}

/// Elle's knowledge of models and anomalies, built once per check (it is a few hundred names).
pub struct Models {
    models: NameGraph,
    forbids: NameGraph,
    anomalies: NameGraph,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Models")
    }
}

impl Default for Models {
    fn default() -> Self {
        Models::new()
    }
}

impl Models {
    pub fn new() -> Models {
        Models {
            models: NameGraph::new(MODEL_IMPLIES, canonical),
            forbids: NameGraph::new(MODEL_FORBIDS, canonical),
            anomalies: NameGraph::new(ANOMALY_IMPLIES, same),
        }
    }

    /// Whether Elle knows this model name (friendly or canonical).
    pub fn is_known(&self, model: &str) -> bool {
        let c = canonical(model);
        c != model
            || self.models.vertices().any(|v| v == c)
            || CANONICAL.iter().any(|(_, v)| *v == c)
    }

    /// Every known model name, for error messages.
    pub fn known(&self) -> BTreeSet<String> {
        self.models
            .vertices()
            .cloned()
            .chain(CANONICAL.iter().map(|(f, _)| (*f).to_owned()))
            .collect()
    }

    /// The anomalies that would show that one of `models` does not hold.
    pub fn prohibited(&self, models: &[String]) -> BTreeSet<String> {
        let implied = self
            .models
            .reach(models.iter().map(|m| canonical(m).to_owned()), true);
        let direct = implied
            .iter()
            .flat_map(|m| self.forbids.out.get(m).into_iter().flatten().cloned());
        self.anomalies.reach(direct, false)
    }

    /// Elle's "boundary": the weakest models these anomalies rule out (`not`), and the stronger
    /// ones that therefore fail too (`also_not`), in friendly names.
    pub fn boundary(&self, anomalies: &[&str]) -> (BTreeSet<String>, BTreeSet<String>) {
        let implied = self
            .anomalies
            .reach(anomalies.iter().map(|a| (*a).to_owned()), true);
        let direct = implied
            .iter()
            .flat_map(|a| self.forbids.inn.get(a).into_iter().flatten().cloned());
        let impossible = self.models.reach(direct, false);
        let weakest: BTreeSet<String> = impossible
            .iter()
            .filter(|m| {
                let below = self.models.reach([(*m).clone()], true);
                !below.iter().any(|b| b != *m && impossible.contains(b))
            })
            .cloned()
            .collect();
        let also: BTreeSet<String> = impossible
            .iter()
            .filter(|m| !weakest.contains(*m))
            .map(|m| friendly(m))
            .collect();
        let not: BTreeSet<String> = weakest.iter().map(|m| friendly(m)).collect();
        let also = also.difference(&not).cloned().collect::<BTreeSet<_>>();
        (not, also)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(set: &BTreeSet<String>) -> Vec<&str> {
        set.iter().map(String::as_str).collect()
    }

    #[test]
    fn models_print_with_the_friendly_names_maelstrom_prints() {
        assert_eq!(friendly("PL-1"), "read-uncommitted");
        assert_eq!(friendly("PL-2"), "read-committed");
        assert_eq!(friendly("PL-SS"), "strong-serializable");
        assert_eq!(friendly("PL-3"), "serializable");
        assert_eq!(friendly("read-atomic"), "read-atomic");
        let m = Models::new();
        // Read-atomic: read-committed's anomalies plus internal (spec §7.9).
        let ra = m.prohibited(&["read-atomic".to_owned()]);
        let rc = m.prohibited(&["read-committed".to_owned()]);
        assert!(rc.is_subset(&ra) && ra.contains("internal"));
        assert_eq!(ra.difference(&rc).collect::<Vec<_>>(), ["internal"]);
    }

    #[test]
    fn read_uncommitted_forbids_only_write_cycles() {
        let m = Models::new();
        let p = m.prohibited(&["read-uncommitted".to_owned()]);
        assert_eq!(
            names(&p),
            [
                "G0",
                "PL-1-cycle-exists",
                "cyclic-versions",
                "duplicate-elements"
            ]
        );
    }

    #[test]
    fn read_committed_adds_g1_but_not_internal_or_lost_update() {
        let m = Models::new();
        let p = m.prohibited(&["read-committed".to_owned()]);
        for a in ["G0", "G1a", "G1b", "G1c", "future-read", "dirty-update"] {
            assert!(p.contains(a), "{a}");
        }
        for a in ["internal", "lost-update", "G-single-item", "G2-item"] {
            assert!(!p.contains(a), "{a}");
        }
    }

    #[test]
    fn serializable_forbids_item_cycles_but_strict_adds_realtime() {
        let m = Models::new();
        let s = m.prohibited(&["serializable".to_owned()]);
        assert!(s.contains("G2-item") && s.contains("G-single-item") && s.contains("internal"));
        assert!(!s.contains("G1c-realtime"));
        let ss = m.prohibited(&["strict-serializable".to_owned()]);
        assert!(ss.contains("G1c-realtime") && ss.contains("G0-process"));
    }

    #[test]
    fn lost_update_rules_out_cursor_stability_and_update_atomic_as_elle_0_2_2_names_them() {
        let m = Models::new();
        let (not, also) = m.boundary(&["lost-update"]);
        assert_eq!(names(&not), ["cursor-stability", "update-atomic"]);
        assert!(also.contains("repeatable-read") && also.contains("strong-serializable"));
        assert!(also.contains("parallel-snapshot-isolation"));
        // Elle 0.2.2 no longer has causal-cerone (nor prefix) imply update-atomic.
        assert!(!also.contains("causal-cerone") && !also.contains("prefix"));
        assert!(!also.contains("read-committed") && !also.contains("ROLA"));
    }

    #[test]
    fn knows_model_names() {
        let m = Models::new();
        assert!(m.is_known("read-committed") && m.is_known("PL-2") && m.is_known("update-atomic"));
        assert!(!m.is_known("read-comitted"));
    }
}
