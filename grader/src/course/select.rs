//! Which levels `grader all` grades: every level, a range such as `3a..3e`, a list such as
//! `1,2,4`, and with `--todo` only those the learner has not passed yet.

use crate::manifest::{self, Level, LEVELS};
use crate::progress::Progress;

/// A selection the grader cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("there is no level {0:?}. The levels are: {list}.", list = ids())]
    Unknown(String),
    #[error("the range {0} runs backwards: levels go 1, 2, 3a … 6c")]
    Backwards(String),
}

fn ids() -> String {
    LEVELS.iter().map(|l| l.id).collect::<Vec<_>>().join(", ")
}

/// Reads `spec` (`None`: every level): comma-separated levels and `A..B` ranges, in course order.
pub fn levels(spec: Option<&str>) -> Result<Vec<&'static Level>, SelectError> {
    let Some(spec) = spec.filter(|s| !s.trim().is_empty() && s.trim() != "all") else {
        return Ok(LEVELS.iter().collect());
    };
    let position = |id: &str| {
        LEVELS
            .iter()
            .position(|l| l.id.eq_ignore_ascii_case(id.trim()))
            .ok_or_else(|| SelectError::Unknown(id.trim().to_owned()))
    };
    let mut chosen = vec![false; LEVELS.len()];
    for part in spec.split(',') {
        match part.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (position(a)?, position(b)?);
                if a > b {
                    return Err(SelectError::Backwards(part.trim().to_owned()));
                }
                chosen[a..=b].fill(true);
            }
            None => chosen[position(part)?] = true,
        }
    }
    Ok(LEVELS
        .iter()
        .zip(chosen)
        .filter_map(|(l, c)| c.then_some(l))
        .collect())
}

/// Only the levels not passed yet.
pub fn todo(levels: Vec<&'static Level>, progress: &Progress) -> Vec<&'static Level> {
    levels
        .into_iter()
        .filter(|l| !progress.has_passed(l))
        .collect()
}

/// A single level, for the subcommands that take one.
pub fn one(id: &str) -> Result<&'static Level, SelectError> {
    manifest::level(id).ok_or_else(|| SelectError::Unknown(id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(spec: Option<&str>) -> Vec<&'static str> {
        levels(spec).unwrap().iter().map(|l| l.id).collect()
    }

    #[test]
    fn reads_ranges_lists_and_everything() {
        assert_eq!(ids(None).len(), 14);
        assert_eq!(ids(Some("all")).len(), 14);
        assert_eq!(ids(Some("3a..3e")), ["3a", "3b", "3c", "3d", "3e"]);
        assert_eq!(ids(Some("6c,1, 3B..3c")), ["1", "3b", "3c", "6c"]);
        assert_eq!(ids(Some("4..4")), ["4"]);
    }

    #[test]
    fn rejects_unknown_levels_and_backward_ranges() {
        assert_eq!(levels(Some("7")), Err(SelectError::Unknown("7".into())));
        assert!(matches!(
            levels(Some("3e..3a")),
            Err(SelectError::Backwards(_))
        ));
        assert!(levels(Some("1..x")).is_err());
    }

    #[test]
    fn todo_keeps_the_levels_not_passed() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Progress::load(dir.path());
        p.record_pass(manifest::level("1").unwrap()).unwrap();
        let left = todo(levels(Some("1..3a")).unwrap(), &p);
        assert_eq!(left.iter().map(|l| l.id).collect::<Vec<_>>(), ["2", "3a"]);
    }
}
