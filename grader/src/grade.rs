//! Grading a level: pick the node, run each of the level's runs with an engine, judge each run.
//!
//! This is the path `cargo run -p grader -- 3b` takes. It knows nothing about printing: it reports
//! progress through a callback and returns one [`Verdict`] per run, so that the CLI, the tests and
//! an instructor's batch script can all drive it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::build::{self, BuildError};
use crate::builtin::{self, EngineError};
use crate::live::{Phase, RunStatus};
use crate::maelstrom::{self, Decision, Engine, EngineUnavailable};
use crate::manifest::{Budget, Level};
use crate::options::{OptionsError, TestOptions};
use crate::verdict::{Check, EngineName, Subject, Verdict};

mod run;

pub use run::speed_line;
use run::{join_label, new_run_dir, LevelRun};

/// Which node to grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeSource {
    /// The learner's crate under `challenges/`, built in release mode (see [`build::Profile`]).
    Learner,
    /// The reference solution under `solutions/`.
    Solution,
    /// Any executable: a node in another language, or a student's submission.
    Binary(PathBuf),
}

/// Everything one grading needs.
#[derive(Debug, Clone)]
pub struct Request {
    pub level: &'static Level,
    pub node: NodeSource,
    /// The workspace to build in (a learner's checkout, or a student's clone).
    pub workspace: PathBuf,
    /// Run every run of the level this many times; all must pass.
    pub repeat: usize,
    /// Add `--nemesis partition` (the re-check 3d and 3e ask for); budgets are then not applied.
    pub partition: bool,
    /// Where run folders go; `<workspace>/runs` by default.
    pub runs_dir: Option<PathBuf>,
    /// Which engine the learner asked for (`--engine`, `GRADER_ENGINE`).
    pub engine: Engine,
    /// `--engine sim`: the seed of the first simulated run (random when not given), and how many
    /// seeds to try (`--seeds`; the first failing one is reported).
    pub seed: Option<u64>,
    pub seeds: u32,
    /// Who it is for and how it is watched (batch and course-wide grading set these).
    pub context: Context,
}

/// What a grading carries beyond the node and the level: set by `grader all`, `batch`, `watch`.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Who the submission is (`--label`): written into `verdict.json`.
    pub label: Option<String>,
    /// A `CARGO_TARGET_DIR` shared by many workspaces (batch grading builds every student's
    /// dependencies once). The built executable is then copied out before the next build.
    pub target_dir: Option<PathBuf>,
    /// Where a live display reads the run's phase and operation counts.
    pub status: Option<Arc<RunStatus>>,
    /// The learner's default loop ([`grade_with_precheck`]): the simulator first, then the
    /// real-time verdict of record. Set when no engine was chosen.
    pub precheck: bool,
    /// The cargo profile a built node is compiled in. `None`: as `GRADER_NODE_PROFILE` says,
    /// release unless it says dev; the test suite asks for dev.
    pub node_profile: Option<build::Profile>,
    /// The executable the simulated pre-check built for this very request: the real-time run
    /// grades the same one instead of asking cargo again (and saying "building…" twice).
    pub prebuilt: Option<PathBuf>,
}

/// Why grading could not happen at all (exit 2), as opposed to a node failing (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("{0} is a folder: --bin takes the node's executable")]
    NoBinary(PathBuf),
    /// `--bin` names something that cannot be started at all.
    #[error("{0}")]
    BadBinary(String),
    #[error("level {level}: {source}")]
    Options { level: String, source: OptionsError },
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    EngineUnavailable(#[from] EngineUnavailable),
    #[error("{0}")]
    NotGradable(String),
    #[error(transparent)]
    Maelstrom(#[from] maelstrom::RunError),
    #[error("could not create the run folder {path}: {source}")]
    RunDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl GradeError {
    /// A node that does not compile is the learner's failure, not a usage error.
    pub fn is_node_failure(&self) -> bool {
        matches!(self, GradeError::Build(BuildError::Compile { .. }))
    }
}

/// Something worth telling the person waiting: "building…", "running 3b (20 s)…".
pub type Progress<'a> = &'a mut dyn FnMut(&str);

/// Finds or builds the executable to grade.
pub fn resolve_node(request: &Request, progress: Progress<'_>) -> Result<PathBuf, GradeError> {
    let (learner, solution) = request.level.packages();
    let package = match &request.node {
        // A path that is missing, a folder, not executable or a script whose interpreter is
        // missing never starts: a usage or environment problem (exit 2), with no level hints.
        NodeSource::Binary(path) if path.is_dir() => {
            return Err(GradeError::NoBinary(path.clone()));
        }
        NodeSource::Binary(path) => {
            return builtin::process::resolve_binary(path).map_err(|e| GradeError::BadBinary(e.0));
        }
        NodeSource::Learner => learner,
        NodeSource::Solution => solution,
    };
    if let Some(bin) = &request.context.prebuilt {
        return Ok(bin.clone());
    }
    let profile = request
        .context
        .node_profile
        .unwrap_or_else(build::Profile::from_env);
    progress(&format!("building {package} ({})…", profile.name()));
    if let Some(s) = &request.context.status {
        s.set_phase(Phase::Building);
    }
    Ok(build::build_node_in(
        &request.workspace,
        &package,
        request.context.target_dir.as_deref(),
        profile,
    )?)
}

/// What was graded, and for whom, for `verdict.json`.
fn subject(request: &Request, bin: Option<&Path>) -> Subject {
    let built = !matches!(request.node, NodeSource::Binary(_));
    let repo = match (&request.node, bin) {
        (NodeSource::Binary(path), _) => path.parent().map(Path::to_path_buf),
        _ => Some(request.workspace.clone()),
    };
    Subject {
        label: request.context.label.clone(),
        binary: bin.map(Path::to_path_buf).or_else(|| match &request.node {
            NodeSource::Binary(p) => Some(p.clone()),
            _ => None,
        }),
        workspace: built.then(|| request.workspace.clone()),
        commit: repo.as_deref().and_then(build::git_commit),
    }
}

/// A node that does not compile still gets a run folder and a `verdict.json`, so that no
/// submission silently drops out of an instructor's script.
fn build_failure(
    request: &Request,
    runs_dir: &Path,
    error: &GradeError,
) -> Result<Verdict, GradeError> {
    let run_dir = new_run_dir(runs_dir, request.level.id)?;
    let (summary, messages) = match error {
        GradeError::Build(BuildError::Compile { package, messages }) => {
            (format!("`{package}` does not compile"), messages.as_str())
        }
        other => (other.to_string(), ""),
    };
    let name = match error {
        GradeError::Build(_) => "build",
        _ => "binary",
    };
    const MAX_LINES: usize = 200;
    let check = Check::invalid(name, summary).with_details(
        messages
            .lines()
            .take(MAX_LINES)
            .map(str::to_owned)
            .collect::<Vec<_>>(),
    );
    let mut verdict = Verdict::new(request.level.id, EngineName::Builtin, vec![check]);
    verdict.run_dir = Some(run_dir.clone());
    verdict.subject = subject(request, None);
    write_verdict(request.level, &verdict, &run_dir);
    Ok(verdict)
}

/// A submission that could not be graded at all (a `--bin` that is missing or cannot start, a
/// workspace that is not one) still gets a run folder and a `verdict.json` when it is graded with
/// many others (`grader all`, `batch`), so that it does not silently drop out of an instructor's
/// gradebook. A single `grader <level>` only says what is wrong and exits with 2.
pub fn record_ungradable(request: &Request, error: &GradeError) -> Option<Verdict> {
    let runs_dir = request
        .runs_dir
        .clone()
        .unwrap_or_else(|| request.workspace.join("runs"));
    build_failure(request, &runs_dir, error).ok()
}

/// Grades the level: every run, `repeat` times, each judged on its own.
pub fn grade(request: &Request, progress: Progress<'_>) -> Result<Vec<Verdict>, GradeError> {
    let level = request.level;
    let decision = maelstrom::decide_for(request.engine, &request.workspace, level.workload)?;
    match &decision {
        Decision::Builtin { .. } if !builtin::supports(level.workload) => {
            return Err(GradeError::NotGradable(format!(
                "level {} ({}) cannot be graded by the builtin engine yet: it does not run the {} \
                 workload. With Maelstrom installed, --engine maelstrom can grade it.",
                level.id,
                level.title,
                level.workload.name()
            )));
        }
        Decision::Builtin { reason } if request.engine != Engine::Builtin => {
            progress(&format!("using the builtin engine ({reason})"));
        }
        Decision::Maelstrom(install) => progress(&format!("using Maelstrom at {install}")),
        Decision::Builtin { .. } | Decision::Sim => {}
    }
    let runs_dir = request
        .runs_dir
        .clone()
        .unwrap_or_else(|| request.workspace.join("runs"));
    let bin = match resolve_node(request, progress) {
        Ok(bin) => bin,
        Err(e) if e.is_node_failure() => return Ok(vec![build_failure(request, &runs_dir, &e)?]),
        Err(e) => return Err(e),
    };
    let subject = subject(request, Some(&bin));
    let mut verdicts = Vec::new();
    for attempt in 1..=request.repeat.max(1) {
        for run in level.runs {
            let mut flags: Vec<&str> = run.flags.to_vec();
            if request.partition && !flags.contains(&"--nemesis") {
                flags.extend(["--nemesis", "partition"]);
            }
            let opts = TestOptions::parse(&flags).map_err(|source| GradeError::Options {
                level: level.id.to_owned(),
                source,
            })?;
            let budget = if request.partition {
                Budget::default()
            } else {
                level.budget
            };
            let label = run_label(request, run.label, attempt);
            let simulated = decision == Decision::Sim;
            announce(progress, level, &label, &bin, &opts, simulated);
            let level_run = LevelRun {
                level,
                opts: &opts,
                budget: &budget,
                bin: &bin,
                runs_dir: &runs_dir,
                status: request.context.status.as_ref(),
            };
            let (mut verdict, run_dir) = match &decision {
                Decision::Builtin { .. } => {
                    level_run.judge_rerunning_a_stall(progress, &label, &subject)?
                }
                Decision::Sim => {
                    let verdict = level_run.search_seeds(request, progress)?;
                    let seed = verdict.seed.unwrap_or_default();
                    if !verdict.passed() {
                        progress(&format!(
                            "replay this exact run: {}",
                            replay_command(request, seed)
                        ));
                    }
                    let run_dir = match &verdict.run_dir {
                        Some(dir) => dir.clone(),
                        None => new_run_dir(&runs_dir, level.id)?,
                    };
                    (verdict, run_dir)
                }
                Decision::Maelstrom(install) => {
                    let run = crate::manifest::Run {
                        label: run.label,
                        flags: &flags,
                    };
                    let run_dir = new_run_dir(&runs_dir, level.id)?;
                    let progress = maelstrom::Progress::Condensed;
                    let mut verdict =
                        maelstrom::run(install, level, &run, &bin, &run_dir, progress)?;
                    if request.partition {
                        verdict.checks.retain(|c| c.name != "budget");
                    }
                    (verdict, run_dir)
                }
            };
            verdict.run_label = (!label.is_empty()).then_some(label);
            if request.partition {
                verdict.criteria = Some(
                    "correct despite partitions (this re-check has no efficiency budget)".into(),
                );
            }
            verdict.latest = point_latest(&run_dir);
            verdict.subject = subject.clone();
            crate::html_report::attach(&mut verdict, &run_dir);
            write_verdict(level, &verdict, &run_dir);
            progress(&format!(
                "run folder {} ({})",
                run_dir.display(),
                crate::retention::human_size(crate::retention::dir_size(&run_dir))
            ));
            // `runs/` keeps the last GRADER_KEEP_RUNS runs of each level; a failure to prune
            // loses nothing of this run.
            let keep = crate::retention::keep_from_env();
            if let Err(e) = crate::retention::prune(&runs_dir, level.id, keep) {
                progress(&format!("could not remove old run folders: {e}"));
            }
            verdicts.push(verdict);
        }
    }
    Ok(verdicts)
}

/// How many seeds the simulated pre-check of the default loop tries.
pub const PRECHECK_SEEDS: u32 = 3;

/// The learner's default loop, before the real-time verdict of record: the level in the
/// simulator over [`PRECHECK_SEEDS`] seeds, which answers a failing node in about a second, with
/// the seed that replays the failure.
pub fn precheck(request: &Request, progress: Progress<'_>) -> Result<Precheck, GradeError> {
    let untried = Precheck::Passed { built: None };
    if !builtin::supports(request.level.workload) {
        return Ok(untried);
    }
    if let NodeSource::Binary(_) = request.node {
        // A --bin that cannot run is said before anything is announced.
        resolve_node(request, progress)?;
    }
    let sim = Request {
        engine: Engine::Sim,
        seed: None,
        seeds: PRECHECK_SEEDS,
        repeat: 1,
        ..request.clone()
    };
    progress(&format!(
        "simulating level {} over {PRECHECK_SEEDS} seeds first (virtual time: seconds, not minutes)…",
        request.level.id
    ));
    let started = Instant::now();
    match grade(&sim, progress) {
        Ok(verdicts) if verdicts.iter().all(Verdict::passed) => {
            progress(&format!(
                "the simulation passed in {:.1} s; now the real-time run, the verdict of record",
                started.elapsed().as_secs_f64()
            ));
            let built = match request.node {
                NodeSource::Binary(_) => None,
                _ => verdicts.first().and_then(|v| v.subject.binary.clone()),
            };
            Ok(Precheck::Passed { built })
        }
        Ok(verdicts) => Ok(Precheck::Failed(verdicts)),
        Err(GradeError::Engine(EngineError::Unsimulable(_))) => {
            progress("this node cannot be simulated; grading it in real time only");
            Ok(untried)
        }
        Err(e) => Err(e),
    }
}

/// What the simulated pre-check of the default loop concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Precheck {
    /// A seed failed: its verdicts answer the learner, and the real-time run is skipped.
    Failed(Vec<Verdict>),
    /// Every seed passed, or the node cannot be simulated: the real-time run follows, on the
    /// executable the pre-check built when it built one ([`Request::after_precheck`]).
    Passed { built: Option<PathBuf> },
}

impl Request {
    /// This request's real-time run after a passed pre-check: no second pre-check, and the node
    /// the pre-check built.
    pub fn after_precheck(&self, built: Option<PathBuf>) -> Request {
        let mut request = self.clone();
        request.context.precheck = false;
        request.context.prebuilt = built;
        request
    }
}

/// What the default loop gave: the verdicts, and whether they are the simulator's alone (a seed
/// failed, so the real-time run was skipped).
#[derive(Debug)]
pub struct Graded {
    pub verdicts: Vec<Verdict>,
    pub real_time_skipped: bool,
}

/// [`grade`], after [`precheck`] when the request asks for the default loop: a node the
/// simulator fails is answered in about a second, with its replay seed, and never run in real
/// time; one it passes gets the real-time verdict of record.
pub fn grade_with_precheck(
    request: &Request,
    progress: Progress<'_>,
) -> Result<Graded, GradeError> {
    if request.context.precheck && request.repeat <= 1 {
        match precheck(request, progress)? {
            Precheck::Failed(verdicts) => {
                return Ok(Graded {
                    verdicts,
                    real_time_skipped: true,
                })
            }
            Precheck::Passed { built } => {
                return Ok(Graded {
                    verdicts: grade(&request.after_precheck(built), progress)?,
                    real_time_skipped: false,
                })
            }
        }
    }
    Ok(Graded {
        verdicts: grade(request, progress)?,
        real_time_skipped: false,
    })
}

/// Whether `verdicts` may tick a level in `grader list`: a real-time (or Maelstrom) pass, the
/// verdict of record. A simulated pass is fast feedback, not a record.
pub fn of_record(verdicts: &[Verdict]) -> bool {
    !verdicts.is_empty()
        && verdicts
            .iter()
            .all(|v| v.passed() && v.engine != EngineName::Sim)
}

/// What distinguishes this run from the level's others: 6b's run label, the partition re-check,
/// the attempt of a `--repeat`.
fn run_label(request: &Request, manifest_label: &str, attempt: usize) -> String {
    let mut label = manifest_label.to_owned();
    if request.partition {
        label = join_label(&label, "with partitions added");
    }
    if request.repeat > 1 {
        label = join_label(&label, &format!("attempt {attempt} of {}", request.repeat));
    }
    label
}

/// Tells the person waiting what runs now and for how long.
fn announce(
    progress: Progress<'_>,
    level: &Level,
    label: &str,
    bin: &Path,
    opts: &TestOptions,
    simulated: bool,
) {
    let recovery = if opts.workload.has_final_phase() {
        " plus 10 s of recovery and the final reads"
    } else {
        ""
    };
    let shown = if label.is_empty() {
        String::new()
    } else {
        format!(" ({label})")
    };
    let (verb, length) = if simulated {
        ("simulating", " of virtual time")
    } else {
        ("running", "")
    };
    progress(&format!(
        "{verb} level {}{shown} against {} for {} s{length}{recovery}…",
        level.id,
        bin.display(),
        opts.time_limit.as_secs(),
    ));
}

/// Leaves the verdict in the run folder: `verdict.txt` as the learner saw it, `verdict.json` for
/// scripts. A folder that cannot be written to loses only these copies, not the verdict.
pub(super) fn write_verdict(level: &Level, verdict: &Verdict, run_dir: &Path) {
    let text = crate::report::render(level, verdict);
    let json = serde_json::to_string_pretty(&verdict.to_json()).unwrap_or_default();
    for (name, contents) in [("verdict.txt", text), ("verdict.json", json)] {
        if let Err(e) = std::fs::write(run_dir.join(name), contents) {
            errln!(
                "grader: could not write {name} in {}: {e}",
                run_dir.display()
            );
        }
    }
}

/// Points `runs/<level>/latest` at this run. Only a convenience: failing is reported, not fatal.
fn point_latest(run_dir: &Path) -> Option<PathBuf> {
    crate::latest::point_at(run_dir)
        .map_err(|e| errln!("grader: could not update the `latest` pointer: {e}"))
        .ok()
}

/// The command that replays a simulated run exactly.
pub fn replay_command(request: &Request, seed: u64) -> String {
    let mut cmd = format!(
        "cargo run -p grader -- {} --engine sim --seed {seed}",
        request.level.id
    );
    match &request.node {
        NodeSource::Learner => {}
        NodeSource::Solution => cmd.push_str(" --solution"),
        NodeSource::Binary(path) => cmd.push_str(&format!(" --bin {}", path.display())),
    }
    let builds = !matches!(request.node, NodeSource::Binary(_));
    if builds && request.workspace != build::workspace_root() {
        cmd.push_str(&format!(" --workspace {}", request.workspace.display()));
    }
    if request.partition {
        cmd.push_str(" --partition");
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs started at once get a folder each (they once could share one, and kill each
    /// other's nodes at teardown).
    #[test]
    fn concurrent_runs_never_share_a_folder() {
        let runs = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| new_run_dir(runs.path(), "3b").unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let unique: std::collections::BTreeSet<_> = dirs.iter().collect();
        assert_eq!(unique.len(), dirs.len(), "{dirs:?}");
    }

    /// After a passed pre-check the real-time run grades the executable the simulator graded:
    /// no second build, not even cargo's no-op one, and no second pre-check.
    #[test]
    fn the_real_time_run_after_a_precheck_grades_what_was_simulated() {
        let request = Request {
            level: crate::manifest::level("3a").unwrap(),
            node: NodeSource::Learner,
            // No workspace here: a build would fail, so only the prebuilt path can answer.
            workspace: PathBuf::from("/nonexistent-workspace"),
            repeat: 1,
            partition: false,
            runs_dir: None,
            engine: Engine::Builtin,
            seed: None,
            seeds: 1,
            context: Context {
                precheck: true,
                ..Context::default()
            },
        };
        assert!(resolve_node(&request, &mut |_| {}).is_err());
        let built = PathBuf::from("/somewhere/target/release/broadcast");
        let after = request.after_precheck(Some(built.clone()));
        assert!(!after.context.precheck);
        let mut said = Vec::new();
        let bin = resolve_node(&after, &mut |m| said.push(m.to_owned())).unwrap();
        assert_eq!(bin, built);
        assert!(said.is_empty(), "{said:?}");
    }

    #[test]
    fn a_simulated_run_says_its_speed_and_how_to_replay_it() {
        let level = crate::manifest::level("3c").unwrap();
        let mut verdict = Verdict::new("3c", EngineName::Sim, Vec::new());
        verdict.seed = Some(42);
        verdict.seconds = Some(0.21);
        verdict.simulated_seconds = Some(30.0);
        assert_eq!(
            speed_line(&verdict),
            "seed 42: 30.0 s simulated in 0.21 s, 143×"
        );
        verdict.simulated_seconds = Some(0.0);
        assert_eq!(
            speed_line(&verdict),
            "seed 42: stopped at 0.0 s of virtual time, after 0.21 s"
        );
        let request = Request {
            level,
            node: NodeSource::Binary(PathBuf::from("/tmp/node")),
            workspace: PathBuf::from("."),
            repeat: 1,
            partition: true,
            runs_dir: None,
            engine: Engine::Sim,
            seed: None,
            seeds: 100,
            context: Context::default(),
        };
        assert_eq!(
            replay_command(&request, 42),
            "cargo run -p grader -- 3c --engine sim --seed 42 --bin /tmp/node --partition"
        );
    }
}
