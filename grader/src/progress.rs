//! The learner's progress: which levels their own node has passed, kept in `.grader-progress` at
//! the workspace root (one level id a line), so that `grader list` can show where they are and a
//! pass can point at the next level — the way rustlings keeps its state file.
//!
//! Only passes of the learner's node count: grading the reference solution or another binary says
//! nothing about the learner's own work, and an instructor grading a student's clone writes
//! nothing into it.
//!
//! `grader all` and a `grader watch` may finish levels at the same moment, so a pass is recorded
//! under a lock file (`.grader-progress.lock`), merged with what is on disk, and written to a
//! temporary file renamed over the old one: a reader never sees half a file, and no pass is lost.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::manifest::{Level, LEVELS};

const FILE: &str = ".grader-progress";
const LOCK: &str = ".grader-progress.lock";

/// The levels passed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    passed: BTreeSet<String>,
    path: PathBuf,
}

impl Progress {
    /// Reads the progress file of `workspace`; a missing or unreadable file is no progress.
    pub fn load(workspace: &Path) -> Progress {
        let path = workspace.join(FILE);
        let passed = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| crate::manifest::level(l).is_some())
            .map(str::to_owned)
            .collect();
        Progress { passed, path }
    }

    pub fn has_passed(&self, level: &Level) -> bool {
        self.passed.contains(level.id)
    }

    /// Records a pass and writes the file. Progress is a convenience: failing to save it is
    /// reported by the caller, never fatal.
    pub fn record_pass(&mut self, level: &Level) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        *self = Progress::record_passes(dir, &[level])?;
        Ok(())
    }

    /// Records passes in `workspace`'s file, merged with whatever other runs recorded meanwhile,
    /// and returns the progress now on disk.
    pub fn record_passes(workspace: &Path, levels: &[&Level]) -> std::io::Result<Progress> {
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(workspace.join(LOCK))?;
        lock.lock()?;
        let mut progress = Progress::load(workspace);
        progress
            .passed
            .extend(levels.iter().map(|l| l.id.to_owned()));
        let text: String = LEVELS
            .iter()
            .filter(|l| progress.passed.contains(l.id))
            .map(|l| format!("{}\n", l.id))
            .collect();
        let partial = workspace.join(format!("{FILE}.{}.partial", std::process::id()));
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, &progress.path)?;
        // The lock is released when `lock` is closed.
        Ok(progress)
    }

    /// The first level in course order not passed yet.
    pub fn next(&self) -> Option<&'static Level> {
        LEVELS.iter().find(|l| !self.passed.contains(l.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;

    #[test]
    fn records_passes_in_course_order_and_finds_the_next_level() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Progress::load(dir.path());
        assert_eq!(p.next().map(|l| l.id), Some("1"));
        p.record_pass(level("2").unwrap()).unwrap();
        p.record_pass(level("1").unwrap()).unwrap();
        let again = Progress::load(dir.path());
        assert!(again.has_passed(level("1").unwrap()));
        assert_eq!(again.next().map(|l| l.id), Some("3a"));
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert_eq!(text, "1\n2\n");
    }

    #[test]
    fn concurrent_passes_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|s| {
            for level in LEVELS {
                let dir = dir.path();
                s.spawn(move || {
                    for _ in 0..5 {
                        Progress::load(dir).record_pass(level).unwrap();
                        // A reader in between never sees a torn file.
                        let text = std::fs::read_to_string(dir.join(FILE)).unwrap_or_default();
                        assert!(text.is_empty() || text.ends_with('\n'), "{text:?}");
                    }
                });
            }
        });
        let p = Progress::load(dir.path());
        assert!(LEVELS.iter().all(|l| p.has_passed(l)));
        assert_eq!(p.next(), None);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn ignores_lines_that_are_not_levels() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "1\nbogus\n\n3a\n").unwrap();
        let p = Progress::load(dir.path());
        assert!(p.has_passed(level("3a").unwrap()));
        assert_eq!(p.next().map(|l| l.id), Some("2"));
    }
}
