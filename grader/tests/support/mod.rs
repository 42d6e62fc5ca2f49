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

/// The workspace root (the folder above `grader/`).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The executables of the `broken-nodes` package, built once per test binary (release, as the
/// grader builds nodes).
pub fn broken_node(name: &str) -> PathBuf {
    use std::sync::OnceLock;
    static BUILT: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        grader::build::build_executables(&workspace(), "broken-nodes").expect("broken-nodes builds")
    });
    built
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| p.clone())
        .unwrap_or_else(|| panic!("no broken node named {name}"))
}

/// Grades `level` with `node` on the builtin engine, run folders under `target/e2e-runs`.
pub fn grade(level: &str, node: grader::grade::NodeSource) -> Vec<grader::verdict::Verdict> {
    let request = grader::grade::Request {
        level: grader::manifest::level(level).expect("a level"),
        node,
        workspace: workspace(),
        repeat: 1,
        partition: false,
        runs_dir: Some(workspace().join("target/e2e-runs")),
        engine: grader::maelstrom::Engine::Builtin,
        context: Default::default(),
    };
    let mut quiet = |_: &str| {};
    grader::grade::grade(&request, &mut quiet).expect("grading runs")
}

/// The rendered report of each verdict, for assertion messages.
pub fn describe(level: &str, verdicts: &[grader::verdict::Verdict]) -> String {
    let level = grader::manifest::level(level).expect("a level");
    verdicts
        .iter()
        .map(|v| grader::report::render(level, v))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs each case on its own thread — grading runs mostly wait on the clock, so running them side
/// by side keeps the suite short — and returns the results in order.
pub fn concurrently<T: Send>(cases: Vec<Box<dyn FnOnce() -> T + Send + '_>>) -> Vec<T> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = cases.into_iter().map(|case| scope.spawn(case)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a grading case panicked"))
            .collect()
    })
}

/// The raw-protocol test nodes (the `test-nodes` package, debug build), built once per test
/// binary: returns the path of the one named.
pub fn test_node(name: &str) -> PathBuf {
    use std::sync::OnceLock;
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "-q", "-p", "test-nodes"])
            .current_dir(workspace())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building test-nodes failed");
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target"))
            .join("debug")
    });
    dir.join(name)
}
