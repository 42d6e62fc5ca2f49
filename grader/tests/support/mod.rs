//! Test support shared by the end-to-end tests: where the real Maelstrom output lives.
//!
//! `shared/` (third-party data: runs of the real Maelstrom) sits beside the workspace on our
//! machines and in CI, never in a learner's clone, and is never copied into the repository. Tests
//! that read it skip with a one-line note when it is absent.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `shared` folder: `$GLOMERS_SHARED`, else the nearest `shared/` beside the workspace root or
/// one of its ancestors (a git worktree sits one level deeper than the main checkout).
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GLOMERS_SHARED") {
        return Some(PathBuf::from(dir));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    root.ancestors()
        .skip(1)
        .map(|dir| dir.join("shared"))
        .find(|dir| dir.join("fixtures/maelstrom").is_dir())
}

/// `shared/fixtures/maelstrom`, or `None` after printing why the caller skips.
pub fn maelstrom_fixtures(test: &str) -> Option<PathBuf> {
    let dir = shared_dir().map(|s| s.join("fixtures/maelstrom"));
    match dir {
        Some(dir) if dir.is_dir() => Some(dir),
        _ => {
            eprintln!("skipping {test}: no shared/fixtures/maelstrom beside the workspace (set GLOMERS_SHARED)");
            None
        }
    }
}

/// One fixture folder by name, or `None` after printing why the caller skips.
pub fn maelstrom_fixture(name: &str) -> Option<PathBuf> {
    let dir = maelstrom_fixtures(name)?.join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping {name}: fixture folder {} is missing",
            dir.display()
        );
        None
    }
}
