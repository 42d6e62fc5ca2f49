//! The names learners type for a level: its id (`3b`, `3B`), or the challenge's name (`echo`,
//! `unique-ids`, `broadcast`, `g-counter`, `kafka`, `txn`, or the Maelstrom workload's name).
//!
//! A challenge name means the first of its levels the learner has not passed yet, so that
//! `grader broadcast` walks through 3a–3e as they go; once all are passed, it means the last one.

use crate::manifest::{Level, LEVELS};
use crate::progress::Progress;

/// A name that is neither a level id nor a challenge. Its message lists what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "there is no level {name:?}. The levels are {ids}; a challenge's name ({challenges}) picks \
     its first level you have not passed."
)]
pub struct UnknownLevel {
    pub name: String,
    ids: String,
    challenges: String,
}

impl UnknownLevel {
    fn new(name: &str) -> UnknownLevel {
        UnknownLevel {
            name: name.to_owned(),
            ids: LEVELS.iter().map(|l| l.id).collect::<Vec<_>>().join(", "),
            challenges: challenges().join(", "),
        }
    }
}

/// The level a name stands for, given what the learner has passed.
pub fn resolve(name: &str, progress: &Progress) -> Result<&'static Level, UnknownLevel> {
    if let Some(level) = crate::manifest::level(name) {
        return Ok(level);
    }
    let wanted = normalize(name);
    let levels: Vec<&'static Level> = LEVELS
        .iter()
        .filter(|l| {
            wanted == normalize(l.challenge)
                || wanted == normalize(l.workload.name())
                || wanted == normalize(l.title)
        })
        .collect();
    levels
        .iter()
        .find(|l| !progress.has_passed(l))
        .or(levels.last())
        .copied()
        .ok_or_else(|| UnknownLevel::new(name))
}

/// Whether `name` named a challenge rather than a level id (the CLI then says which level it
/// picked).
pub fn is_challenge_name(name: &str) -> bool {
    crate::manifest::level(name).is_none()
}

/// Every challenge's name, in course order.
pub fn challenges() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = LEVELS.iter().map(|l| l.challenge).collect();
    names.dedup();
    names
}

/// Case, surrounding blanks, and `_` or a space for `-` do not matter.
fn normalize(name: &str) -> String {
    name.trim().to_lowercase().replace(['_', ' '], "-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;

    fn none_passed() -> Progress {
        Progress::load(std::path::Path::new("/nonexistent/for/sure"))
    }

    fn passed(ids: &[&str]) -> (tempfile::TempDir, Progress) {
        let dir = tempfile::tempdir().unwrap();
        let mut progress = Progress::load(dir.path());
        for id in ids {
            progress.record_pass(level(id).unwrap()).unwrap();
        }
        (dir, progress)
    }

    fn id(name: &str, progress: &Progress) -> Result<&'static str, UnknownLevel> {
        resolve(name, progress).map(|l| l.id)
    }

    #[test]
    fn level_ids_in_any_case() {
        let p = none_passed();
        assert_eq!(id("3B", &p), Ok("3b"));
        assert_eq!(id(" 6c ", &p), Ok("6c"));
        assert_eq!(id("1", &p), Ok("1"));
    }

    #[test]
    fn challenge_names_as_learners_type_them() {
        let p = none_passed();
        for (name, want) in [
            ("echo", "1"),
            ("Echo", "1"),
            ("unique-ids", "2"),
            ("unique_ids", "2"),
            ("broadcast", "3a"),
            ("g-counter", "4"),
            ("kafka", "5a"),
            ("txn", "6a"),
            ("txn-rw-register", "6a"),
        ] {
            assert_eq!(id(name, &p), Ok(want), "{name}");
        }
    }

    #[test]
    fn a_challenge_name_means_its_first_level_not_passed() {
        let (_dir, p) = passed(&["1", "3a", "3c"]);
        assert_eq!(id("broadcast", &p), Ok("3b"));
        assert_eq!(id("echo", &p), Ok("1"), "all passed: the last level");
        let (_dir, p) = passed(&["3a", "3b", "3c", "3d", "3e"]);
        assert_eq!(id("BROADCAST", &p), Ok("3e"));
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let err = id("bradcast", &none_passed()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"bradcast\""), "{text}");
        assert!(text.contains("1, 2, 3a, 3b"), "{text}");
        assert!(
            text.contains("echo, unique-ids, broadcast, g-counter, kafka, txn"),
            "{text}"
        );
        assert!(id("7", &none_passed()).is_err());
        assert!(id("", &none_passed()).is_err());
    }
}
