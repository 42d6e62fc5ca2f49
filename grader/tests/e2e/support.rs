//! Test support shared by the end-to-end tests: where the real Maelstrom output lives.
//!
//! `shared/` (third-party data: runs of the real Maelstrom) sits beside the workspace on our
//! machines and in CI, never in a learner's clone, and is never copied into the repository. Tests
//! that read it skip with a one-line note when it is absent.

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

/// The profile the tests build nodes in: dev, which reuses what `cargo test` has compiled. A
/// simulated run does not depend on a node's speed, and the real-time tests' nodes are small.
pub const PROFILE: grader::build::Profile = grader::build::Profile::Dev;

/// The broken node `name` (the `broken-nodes` package, built once per test binary).
pub fn broken_node(name: &str) -> PathBuf {
    use std::sync::OnceLock;
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let node = DIR.get_or_init(|| built_by_name("broken-nodes")).join(name);
    assert!(node.exists(), "no broken node named {name}");
    node
}

/// Builds `package`, a multi-call executable (`broken-nodes`, `test-nodes`: one executable that
/// runs the node it is called by), and returns the folder of its nodes by name.
fn built_by_name(package: &str) -> PathBuf {
    let built = at_low_priority(|| {
        grader::build::build_node(&workspace(), package, PROFILE)
            .unwrap_or_else(|e| panic!("{package} builds: {e}"))
    });
    nodes_by_name(&built)
}

/// The nodes of a multi-call executable, each a hard link to it named after its node, in a folder
/// of links per build of the executable. Returns the folder.
///
/// Hard links, not symbolic ones: the grader resolves a node's path before it runs it, and would
/// call a symbolic link by its target's name. A folder per build, so that a test binary never
/// removes links that another one, running at the same time, is about to run.
fn nodes_by_name(executable: &Path) -> PathBuf {
    let built = std::fs::metadata(executable)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", executable.display()));
    let stamp = built
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let parent = executable.with_extension("by-name");
    let dir = parent.join(stamp.to_string());
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let list = std::process::Command::new(executable)
        .arg("--list")
        .output()
        .unwrap_or_else(|e| panic!("{} --list: {e}", executable.display()));
    assert!(
        list.status.success(),
        "{} --list failed",
        executable.display()
    );
    for name in String::from_utf8_lossy(&list.stdout).lines() {
        let link = dir.join(name);
        // Another test binary may have linked it meanwhile; where hard links are not allowed, a
        // copy runs the same.
        if !link.exists() && std::fs::hard_link(executable, &link).is_err() && !link.exists() {
            std::fs::copy(executable, &link).unwrap_or_else(|e| panic!("{}: {e}", link.display()));
        }
    }
    // Earlier builds' links, best effort: each keeps an old executable on disk.
    for old in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
        if old.path() != dir {
            let _ = std::fs::remove_dir_all(old.path());
        }
    }
    dir
}

/// The executable of the course's pristine stub for `challenge` (`grader/tests/stubs/<challenge>`,
/// built in [`PROFILE`]): what a learner starts from, whatever state their own
/// `challenges/` folder is in.
pub fn stub_node(challenge: &str) -> PathBuf {
    at_low_priority(|| {
        grader::build::build_node(&workspace(), &format!("{challenge}-stub"), PROFILE)
            .unwrap_or_else(|e| panic!("the {challenge} stub builds: {e}"))
    })
}

/// The executable of the reference solution `package` (`broadcast-solution`, …), built in
/// [`PROFILE`]: `cargo test` has usually built it already.
pub fn solution_node(package: &str) -> PathBuf {
    at_low_priority(|| {
        grader::build::build_node(&workspace(), package, PROFILE)
            .unwrap_or_else(|e| panic!("{package} builds: {e}"))
    })
}

/// The seed of the tests' simulated runs: fixed, so that a failure replays exactly.
pub const SEED: u64 = 20_260_101;

/// Grades `level` with `node` in the simulator (`--engine sim --seed SEED`), run folders under
/// `target/e2e-runs`. The real-time engine keeps its own end-to-end tests (`builtin_*.rs`).
pub fn grade(level: &str, node: grader::grade::NodeSource) -> Vec<grader::verdict::Verdict> {
    grade_with(level, node, grader::maelstrom::Engine::Sim, false)
}

/// `--engine sim --seeds n` from [`SEED`]: the first failing seed's verdicts, else the last's.
pub fn grade_seeds(
    level: &str,
    node: grader::grade::NodeSource,
    n: u32,
) -> Vec<grader::verdict::Verdict> {
    let mut request = request(level, node, grader::maelstrom::Engine::Sim);
    request.seeds = n;
    yield_cpu_to_real_time();
    grader::grade::grade(&request, &mut |_| {}).expect("grading runs")
}

/// Lowers the CPU priority of the calling thread, and so of every thread and process it starts
/// from then on (nice 19).
///
/// For simulated runs: they only need CPU, however late, while the real-time runs in this binary
/// need it on time. A real-time g-counter run beside simulated levels at equal priority issued half
/// the operations its rate asks for (731 of 1500). Nice 10 was not enough once several grading
/// tests ran at once: a few dozen simulated nodes and engines at nice 10 outweigh one real-time
/// engine at 0 (651 of 1500). At 19 a simulation can be starved for seconds, which the simulator
/// does not hold against its nodes (`grader::builtin::sim::starved`). (Linux keeps a nice value
/// per thread; elsewhere this lowers the whole test process, which changes nothing.)
pub fn yield_cpu_to_real_time() {
    // Failure leaves the priority as it was: slower real-time tests at worst, never wrong ones.
    let _ = rustix::process::setpriority_process(None, 19);
}

/// Runs `work` on a thread of its own at a low priority ([`yield_cpu_to_real_time`]): for
/// the nodes' builds, which a test waits for but which must not starve the real-time runs
/// beside it, while the calling thread keeps its priority.
pub fn at_low_priority<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            yield_cpu_to_real_time();
            work()
        })
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// [`grade`] with the engine and `--partition` chosen.
pub fn grade_with(
    level: &str,
    node: grader::grade::NodeSource,
    engine: grader::maelstrom::Engine,
    partition: bool,
) -> Vec<grader::verdict::Verdict> {
    let mut request = request(level, node, engine);
    request.partition = partition;
    if engine == grader::maelstrom::Engine::Sim {
        yield_cpu_to_real_time();
    }
    grader::grade::grade(&request, &mut |_| {}).expect("grading runs")
}

/// One run of `level` with seed [`SEED`], nodes built in [`PROFILE`], run folders under
/// `target/e2e-runs`.
fn request(
    level: &str,
    node: grader::grade::NodeSource,
    engine: grader::maelstrom::Engine,
) -> grader::grade::Request {
    grader::grade::Request {
        level: grader::manifest::level(level).expect("a level"),
        node,
        workspace: workspace(),
        repeat: 1,
        partition: false,
        runs_dir: Some(workspace().join("target/e2e-runs")),
        engine,
        seed: Some(SEED),
        seeds: 1,
        context: grader::grade::Context {
            node_profile: Some(PROFILE),
            ..Default::default()
        },
    }
}

/// Asserts that two simulated gradings with the same seed recorded byte-identical histories and
/// message journals.
pub fn assert_replays(
    level: &str,
    first: &[grader::verdict::Verdict],
    again: &[grader::verdict::Verdict],
) {
    assert_eq!(first.len(), again.len());
    for (a, b) in first.iter().zip(again) {
        let (a, b) = (a.run_dir.as_ref().unwrap(), b.run_dir.as_ref().unwrap());
        assert_ne!(a, b);
        for file in ["history.edn", "messages.jsonl"] {
            let x = std::fs::read(a.join(file)).unwrap();
            let y = std::fs::read(b.join(file)).unwrap();
            assert!(
                x == y,
                "level {level}: two runs with seed {SEED} wrote different {file}: {} and {}",
                a.display(),
                b.display()
            );
        }
    }
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

/// Runs each named case on its own thread, so that their waits overlap, and fails naming every
/// case that panicked (each panic's message is printed as it happens). Prints how long each
/// case took (shown with --nocapture, and on failure): a slow case shows a loaded machine.
pub fn run_cases(cases: Vec<(&'static str, fn())>) {
    let handles: Vec<_> = cases
        .into_iter()
        .map(|(name, case)| {
            (
                name,
                std::thread::spawn(move || {
                    let started = std::time::Instant::now();
                    case();
                    eprintln!("case {name}: {:.1} s", started.elapsed().as_secs_f64());
                }),
            )
        })
        .collect();
    let failed: Vec<&str> = handles
        .into_iter()
        .filter_map(|(name, h)| h.join().is_err().then_some(name))
        .collect();
    assert!(failed.is_empty(), "failed cases: {failed:?}");
}

/// The path of the raw-protocol test node `name` (the `test-nodes` package, built once per test
/// binary), whether or not there is one: a test of a missing executable asks for a name that is
/// not there. `test_node("")` only builds them.
pub fn test_node(name: &str) -> PathBuf {
    use std::sync::OnceLock;
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| built_by_name("test-nodes")).join(name)
}

/// A shell-script test node from `grader/tests/nodes/scripts`.
pub fn test_script(name: &str) -> PathBuf {
    workspace().join("grader/tests/nodes/scripts").join(name)
}
