//! The one verdict structure every engine reports into.
//!
//! A run is judged by several checks (Maelstrom's `:workload`, `:stats`, `:availability`, `:net`,
//! the course's budgets, the nodes' own behaviour). Each produces a [`Check`]; the [`Verdict`]
//! gathers them with the figures that matter, and passes only when every check is valid.

use std::fmt;
use std::path::PathBuf;

/// Jepsen's three-valued validity: `true`, `false`, or `:unknown`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Validity {
    Valid,
    /// The checker could not decide (Maelstrom exits 2): the course does not count it as a pass.
    Unknown,
    Invalid,
}

impl Validity {
    /// Maelstrom's merge: false if any is false, else unknown if any is unknown, else true.
    pub fn merge(items: impl IntoIterator<Item = Validity>) -> Validity {
        items.into_iter().max().unwrap_or(Validity::Valid)
    }

    pub fn from_bool(valid: bool) -> Validity {
        if valid {
            Validity::Valid
        } else {
            Validity::Invalid
        }
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Validity::Valid => "valid",
            Validity::Unknown => "unknown",
            Validity::Invalid => "invalid",
        })
    }
}

/// A number worth showing, optionally beside the limit the level sets for it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    /// What it measures, e.g. `"msgs-per-op (servers)"`.
    pub label: String,
    /// The value as shown, e.g. `"7.4"` or `"312 ms"`.
    pub value: String,
    /// The limit as shown, e.g. `"< 30"`, when the level sets one.
    pub limit: Option<String>,
    /// Whether the value is within its limit, when there is one.
    pub within: Option<bool>,
}

impl Figure {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Figure {
        Figure {
            label: label.into(),
            value: value.into(),
            limit: None,
            within: None,
        }
    }

    pub fn with_limit(mut self, limit: impl Into<String>, within: bool) -> Figure {
        self.limit = Some(limit.into());
        self.within = Some(within);
        self
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Check {
    /// Short name: `"workload"`, `"stats"`, `"availability"`, `"net"`, `"budget"`, `"nodes"`, …
    pub name: String,
    pub validity: Validity,
    /// One sentence in plain words: what was found.
    pub summary: String,
    /// Evidence, one line each: the first lost values, the duplicate ids, the bad operation…
    pub details: Vec<String>,
    pub figures: Vec<Figure>,
}

impl Check {
    pub fn new(name: impl Into<String>, validity: Validity, summary: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            validity,
            summary: summary.into(),
            details: Vec::new(),
            figures: Vec::new(),
        }
    }

    pub fn valid(name: impl Into<String>, summary: impl Into<String>) -> Check {
        Check::new(name, Validity::Valid, summary)
    }

    pub fn invalid(name: impl Into<String>, summary: impl Into<String>) -> Check {
        Check::new(name, Validity::Invalid, summary)
    }

    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Check {
        self.details.extend(details);
        self
    }

    pub fn with_figure(mut self, figure: Figure) -> Check {
        self.figures.push(figure);
        self
    }
}

/// Which engine judged a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineName {
    Builtin,
    Maelstrom,
    /// The builtin engine in virtual time.
    Sim,
}

impl fmt::Display for EngineName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EngineName::Builtin => "builtin",
            EngineName::Maelstrom => "maelstrom",
            EngineName::Sim => "sim",
        })
    }
}

/// The verdict on one run of one level.
/// Serialized as `verdict.json` in every run folder, for instructors' scripts.
/// Read back by `grader report` (older files lack the newer optional fields).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    pub level: String,
    pub engine: EngineName,
    /// Which run of the level this was, when a level has several (6b), e.g. `"with partitions"`.
    pub run_label: Option<String>,
    pub checks: Vec<Check>,
    /// Where the history, node logs and results were written.
    pub run_dir: Option<PathBuf>,
    /// `runs/<level>/latest`, which points at the level's newest run folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<PathBuf>,
    /// Wall time of the run, in seconds.
    pub seconds: Option<f64>,
    /// What passing meant for this run, when it differs from the level's criteria (a re-check
    /// with partitions has no budget).
    pub criteria: Option<String>,
    /// The run's HTML report (`report.html` in the run folder), once written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<PathBuf>,
    /// The messages that tell the failure's story, one line each (empty when the run passed or
    /// the engine recorded no messages): what the terminal shows without the HTML.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flow_excerpt: Vec<String>,
    /// The seed of a simulated run (`--engine sim`), which replays it exactly.
    pub seed: Option<u64>,
    /// The virtual time a simulated run covered, in seconds.
    pub simulated_seconds: Option<f64>,
}

impl Verdict {
    pub fn new(level: &str, engine: EngineName, checks: Vec<Check>) -> Verdict {
        Verdict {
            level: level.to_owned(),
            engine,
            run_label: None,
            checks,
            run_dir: None,
            latest: None,
            seconds: None,
            criteria: None,
            report: None,
            flow_excerpt: Vec::new(),
            seed: None,
            simulated_seconds: None,
        }
    }

    /// The merged validity of every check.
    pub fn validity(&self) -> Validity {
        Validity::merge(self.checks.iter().map(|c| c.validity))
    }

    /// A level passes only when every check is valid.
    pub fn passed(&self) -> bool {
        self.validity() == Validity::Valid
    }

    /// The verdict as JSON: `passed` and `validity` first, then everything the report shows.
    pub fn to_json(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = json.as_object_mut() {
            map.insert("passed".into(), self.passed().into());
            map.insert("validity".into(), self.validity().to_string().into());
        }
        json
    }

    /// The checks that keep the run from passing, worst first.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        let mut bad: Vec<&Check> = self
            .checks
            .iter()
            .filter(|c| c.validity != Validity::Valid)
            .collect();
        bad.sort_by_key(|c| std::cmp::Reverse(c.validity));
        bad.into_iter()
    }

    /// Every figure of every check, in check order.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.checks.iter().flat_map(|c| c.figures.iter())
    }

    /// The check with this name, if any.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_follows_maelstrom() {
        use Validity::*;
        assert_eq!(Validity::merge([Valid, Valid]), Valid);
        assert_eq!(Validity::merge([Valid, Unknown]), Unknown);
        assert_eq!(Validity::merge([Unknown, Invalid, Valid]), Invalid);
        assert_eq!(Validity::merge([]), Valid);
    }

    #[test]
    fn an_unknown_check_does_not_pass() {
        let v = Verdict::new(
            "1",
            EngineName::Builtin,
            vec![
                Check::valid("stats", "every op kind succeeded at least once"),
                Check::new("workload", Validity::Unknown, "no value was ever read"),
            ],
        );
        assert!(!v.passed());
        assert_eq!(v.failures().count(), 1);
    }
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn json_leads_with_the_outcome_and_keeps_the_evidence() {
        let v = Verdict::new(
            "2",
            EngineName::Builtin,
            vec![Check::invalid("workload", "1 id was handed out twice")
                .with_details(["id 7: 2 times".to_owned()])],
        );
        let json = v.to_json();
        assert_eq!(json["passed"], false);
        assert_eq!(json["validity"], "invalid");
        assert_eq!(json["engine"], "builtin");
        assert_eq!(json["checks"][0]["details"][0], "id 7: 2 times");
    }
}
