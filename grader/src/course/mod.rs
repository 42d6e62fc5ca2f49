//! Grading at the scale of a course: every level at once (`grader all`), a class of submissions
//! (`grader batch`), a level regraded on every save (`grader watch`), and the results in forms
//! other tools read (`--format json|junit`, a gradebook CSV).
//!
//! All of it drives [`crate::grade::grade`], whatever the engine: an engine value passes through.

pub mod all;
pub mod batch;
#[cfg(test)]
mod ci_templates;
pub mod commands;
pub mod display;
pub mod select;
pub mod summary;
pub mod watch;

use std::time::Duration;

use crate::manifest::Level;
use crate::verdict::{Outcome, Verdict};

/// The exit code of a run the machine made inconclusive (it stalled): neither the node's pass
/// nor its failure. 0 pass, 1 fail and 2 usage or environment keep their meaning.
pub const EXIT_INCONCLUSIVE: u8 = 3;

/// One level graded: its verdicts (one per run), or why it could not be graded at all.
#[derive(Debug, Clone)]
pub struct LevelResult {
    pub level: &'static Level,
    pub verdicts: Vec<Verdict>,
    /// Grading could not happen (an environment problem, exit 2): no verdict.
    pub error: Option<String>,
    /// Wall time of the level, build included.
    pub wall: Duration,
}

/// A level's outcome over all its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LevelOutcome {
    Pass,
    Inconclusive,
    Error,
    Fail,
}

impl LevelOutcome {
    pub fn word(self) -> &'static str {
        match self {
            LevelOutcome::Pass => "PASS",
            LevelOutcome::Fail => "FAIL",
            LevelOutcome::Inconclusive => "INCONCLUSIVE",
            LevelOutcome::Error => "ERROR",
        }
    }

    /// 0 pass, 1 fail, 2 could not grade, 3 inconclusive.
    pub fn exit_code(self) -> u8 {
        match self {
            LevelOutcome::Pass => 0,
            LevelOutcome::Fail => 1,
            LevelOutcome::Error => 2,
            LevelOutcome::Inconclusive => EXIT_INCONCLUSIVE,
        }
    }

    /// The outcome of many levels: the worst one (fail, then error, then inconclusive).
    pub fn overall(outcomes: impl IntoIterator<Item = LevelOutcome>) -> LevelOutcome {
        outcomes.into_iter().max().unwrap_or(LevelOutcome::Pass)
    }
}

impl LevelResult {
    pub fn outcome(&self) -> LevelOutcome {
        if self.error.is_some() || self.verdicts.is_empty() {
            return LevelOutcome::Error;
        }
        let outcomes = self.verdicts.iter().map(|v| match v.outcome() {
            Outcome::Pass => LevelOutcome::Pass,
            Outcome::Fail => LevelOutcome::Fail,
            Outcome::Inconclusive => LevelOutcome::Inconclusive,
        });
        LevelOutcome::overall(outcomes)
    }

    /// The first reason it did not pass: the error, or the first failing run's headline.
    pub fn diagnosis(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(e.clone());
        }
        self.verdicts
            .iter()
            .find(|v| !v.passed())
            .map(Verdict::headline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;
    use crate::verdict::{Check, EngineName, Stall};

    fn result(checks: &[Vec<Check>]) -> LevelResult {
        LevelResult {
            level: level("6b").unwrap(),
            verdicts: checks
                .iter()
                .map(|c| Verdict::new("6b", EngineName::Builtin, c.clone()))
                .collect(),
            error: None,
            wall: Duration::from_secs(1),
        }
    }

    #[test]
    fn a_level_is_as_bad_as_its_worst_run() {
        let ok = vec![Check::valid("workload", "fine")];
        let bad = vec![Check::invalid("availability", "3 transactions timed out")];
        assert_eq!(
            result(&[ok.clone(), ok.clone()]).outcome(),
            LevelOutcome::Pass
        );
        assert_eq!(
            result(&[ok.clone(), bad.clone()]).outcome(),
            LevelOutcome::Fail
        );
        let mut stalled = result(&[ok, bad]);
        stalled.verdicts[1].stall = Some(Stall {
            lag_ms: 500,
            at_s: 3.0,
        });
        assert_eq!(stalled.outcome(), LevelOutcome::Inconclusive);
        assert_eq!(stalled.outcome().exit_code(), EXIT_INCONCLUSIVE);
        let mut broken = result(&[]);
        broken.error = Some("no cargo".into());
        assert_eq!(broken.outcome(), LevelOutcome::Error);
        assert_eq!(
            LevelOutcome::overall([LevelOutcome::Inconclusive, LevelOutcome::Fail]),
            LevelOutcome::Fail
        );
    }
}
