//! Keeping `runs/` from growing without end: the last N run folders of each level are kept, older
//! ones removed, after every run and on `grader clean`.
//!
//! Run folders are named by their UTC start time (`runs/<level>/20260101T120000.000`), so name
//! order is age order. Only folders named that way are ever removed: anything else a learner
//! keeps under `runs/` (a symlink to the latest run, notes) is left alone.

use std::path::{Path, PathBuf};

/// How many runs of each level are kept unless `GRADER_KEEP_RUNS` says otherwise.
pub const KEEP_DEFAULT: usize = 20;

/// The number of runs to keep per level: `GRADER_KEEP_RUNS`, else [`KEEP_DEFAULT`].
pub fn keep_from_env() -> usize {
    std::env::var("GRADER_KEEP_RUNS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(KEEP_DEFAULT)
}

/// What a pruning removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub folders: usize,
    pub bytes: u64,
}

impl std::ops::AddAssign for Pruned {
    fn add_assign(&mut self, other: Pruned) {
        self.folders += other.folders;
        self.bytes += other.bytes;
    }
}

/// Whether `name` is a run folder's name: it starts with an 8-digit date and a `T`.
fn is_run_name(name: &str) -> bool {
    name.len() >= 9 && name[..8].bytes().all(|b| b.is_ascii_digit()) && &name[8..9] == "T"
}

/// The run folders of one level, oldest first.
fn runs_of(level_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(level_dir) else {
        return Vec::new();
    };
    let mut runs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| e.file_name().to_str().is_some_and(is_run_name))
        .map(|e| e.path())
        .collect();
    runs.sort();
    runs
}

/// Removes all but the newest `keep` run folders of `runs_dir/<level>`.
pub fn prune(runs_dir: &Path, level: &str, keep: usize) -> std::io::Result<Pruned> {
    let runs = runs_of(&runs_dir.join(level));
    let mut pruned = Pruned::default();
    let excess = runs.len().saturating_sub(keep);
    for old in &runs[..excess] {
        let bytes = dir_size(old);
        std::fs::remove_dir_all(old)?;
        pruned += Pruned { folders: 1, bytes };
    }
    Ok(pruned)
}

/// [`prune`] for every level folder under `runs_dir`.
pub fn clean(runs_dir: &Path, keep: usize) -> std::io::Result<Pruned> {
    let mut total = Pruned::default();
    let Ok(entries) = std::fs::read_dir(runs_dir) else {
        return Ok(total);
    };
    for e in entries.filter_map(Result::ok) {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            if let Some(level) = e.file_name().to_str() {
                total += prune(runs_dir, level, keep)?;
            }
        }
    }
    Ok(total)
}

/// The bytes of every file under `path` (symlinks not followed).
pub fn dir_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| dir_size(&e.path()))
        .sum()
}

/// "812 bytes", "3.4 MB", "1.2 GB".
pub fn human_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.1} GB", bytes as f64 / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_runs_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let level = dir.path().join("3b");
        for stamp in [
            "20260101T000000.000",
            "20260101T000001.000",
            "20260101T000002.000",
            "20260101T000002.000-2",
        ] {
            std::fs::create_dir_all(level.join(stamp)).unwrap();
            std::fs::write(level.join(stamp).join("history.edn"), "x".repeat(10)).unwrap();
        }
        std::fs::create_dir_all(level.join("notes")).unwrap();
        std::fs::create_dir_all(dir.path().join("1/20250101T000000.000")).unwrap();
        let pruned = clean(dir.path(), 2).unwrap();
        assert_eq!(
            pruned,
            Pruned {
                folders: 2,
                bytes: 20
            }
        );
        let mut left: Vec<_> = std::fs::read_dir(&level)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["20260101T000002.000", "20260101T000002.000-2", "notes"]
        );
        assert!(dir.path().join("1/20250101T000000.000").is_dir());
        assert_eq!(dir_size(&level), 20);
        assert_eq!(human_size(20), "20 bytes");
        assert_eq!(human_size(3_400_000), "3.4 MB");
    }
}
