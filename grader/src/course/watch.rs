//! `grader watch [LEVEL]`, after rustlings' watch: on every save under the learner's challenge
//! folder, rebuild and regrade the current level, show the verdict, and move on to the next level
//! when it passes.
//!
//! It grades in the simulator by default, over a few seeds: an answer in about a second on every
//! save. A simulated pass moves on but ticks nothing in `grader list`; the plain
//! `cargo run -p grader -- LEVEL` (or `--engine builtin` here) gives the verdict of record.
//!
//! The decisions — which level to start with, which saves matter, what to do after a verdict —
//! are pure functions ([`start`], [`matters`], [`after`]), tested without a file system watcher;
//! [`run`] only wires them to `notify` and the grader.

use std::path::{Component, Path};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::course::commands::{record_passes, workspace};
use crate::course::display::Display;
use crate::course::{all::grade_one, LevelOutcome};
use crate::grade::{Context, NodeSource, Request};
use crate::maelstrom::Engine;
use crate::manifest::{Level, LEVELS};
use crate::progress::Progress;

/// Saves closer together than this are one change (editors write several files, or twice).
const SETTLE: Duration = Duration::from_millis(300);

/// `grader watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The level to start with (default: the first one you have not passed).
    pub level: Option<String>,

    /// sim (the default here: virtual time, an answer in about a second), builtin, maelstrom,
    /// or auto. Also read from GRADER_ENGINE.
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Grade this level now.
    Grade(&'static Level),
    /// Wait for a save, then grade this level.
    Wait(&'static Level),
    /// Every level is passed.
    Done,
}

/// The level to start with: the one asked for, else the first not passed yet.
pub fn start(asked: Option<&'static Level>, progress: &Progress) -> Next {
    match asked.or_else(|| progress.next()) {
        Some(level) => Next::Grade(level),
        None => Next::Done,
    }
}

/// After a verdict on `level`: a failure (or an inconclusive run) waits for the next save; a pass
/// moves on to the next level not `passed` yet — graded at once when it is built from the same
/// challenge folder (3a's node may already pass 3b), else after the first save there.
pub fn after(
    level: &'static Level,
    outcome: LevelOutcome,
    passed: &dyn Fn(&Level) -> bool,
) -> Next {
    if outcome != LevelOutcome::Pass {
        return Next::Wait(level);
    }
    let position = LEVELS.iter().position(|l| l.id == level.id).unwrap_or(0);
    let next = LEVELS[position + 1..]
        .iter()
        .chain(LEVELS[..position].iter())
        .find(|l| !passed(l) && l.id != level.id);
    match next {
        None => Next::Done,
        Some(n) if n.challenge == level.challenge => Next::Grade(n),
        Some(n) => Next::Wait(n),
    }
}

/// Whether a change to `path` should regrade `level`: source files of its challenge crate, not
/// build output or editor droppings.
pub fn matters(path: &Path, workspace: &Path, level: &Level) -> bool {
    let Ok(inside) = path.strip_prefix(workspace.join("challenges").join(level.challenge)) else {
        return false;
    };
    let hidden_or_output = inside.components().any(|c| match c {
        Component::Normal(name) => {
            let name = name.to_string_lossy();
            name.starts_with('.') || name == "target"
        }
        _ => false,
    });
    let source = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("rs" | "toml")
    );
    source && !hidden_or_output
}

/// `grader watch`.
pub fn run(args: WatchArgs) -> ExitCode {
    let asked = match args.level.as_deref().map(crate::course::select::one) {
        Some(Err(e)) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
        Some(Ok(l)) => Some(l),
        None => None,
    };
    let engine = match Engine::from_flag_or_env(args.engine.as_deref()) {
        // Fast feedback on every save: the simulator, unless an engine was chosen.
        Ok(_) if super::commands::engine_unchosen(args.engine.as_deref()) => Engine::Sim,
        Ok(e) => e,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (workspace, _) = workspace(None);
    let (tx, rx) = mpsc::channel();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                for path in event.paths {
                    let _ = tx.send(path);
                }
            }
        }
    });
    let mut watcher = match watcher {
        Ok(w) => w,
        Err(e) => {
            errln!("error: cannot watch files: {e}");
            return ExitCode::from(2);
        }
    };
    let challenges = workspace.join("challenges");
    if let Err(e) = watcher.watch(&challenges, RecursiveMode::Recursive) {
        errln!("error: cannot watch {}: {e}", challenges.display());
        return ExitCode::from(2);
    }
    if engine == Engine::Sim {
        outln!(
            "Grading in the simulator over {} seeds on every save (about a second each); a pass \
             here moves on but is not the verdict of record: `cargo run -p grader -- LEVEL` \
             gives that, and ticks `grader list`.",
            crate::grade::PRECHECK_SEEDS
        );
    }
    let mut next = start(asked, &Progress::load(&workspace));
    // Levels passed in the simulator this session: moved on from, though not ticked.
    let mut passed_here: Vec<&'static str> = Vec::new();
    loop {
        let level = match next {
            Next::Done => {
                outln!("Every level passed. Well done!");
                return ExitCode::SUCCESS;
            }
            Next::Wait(level) => {
                outln!(
                    "\nWatching challenges/{}/ — save a file to grade level {} · {} (Ctrl-C to stop).",
                    level.challenge, level.id, level.title
                );
                if !wait_for_save(&rx, &workspace, level) {
                    return ExitCode::SUCCESS;
                }
                level
            }
            Next::Grade(level) => level,
        };
        let request = Request {
            level,
            node: NodeSource::Learner,
            workspace: workspace.clone(),
            repeat: 1,
            partition: false,
            runs_dir: None,
            engine,
            seed: None,
            seeds: if engine == Engine::Sim {
                crate::grade::PRECHECK_SEEDS
            } else {
                1
            },
            context: Context::default(),
        };
        let display = Display::new();
        let mut request = request;
        request.context.status = Some(display.add(level));
        let result = grade_one(&request, &display);
        drop(display);
        for v in &result.verdicts {
            outln!("{}", crate::report::render(level, v));
        }
        if let Some(e) = &result.error {
            outln!("error: {e}");
        }
        if result.outcome() == LevelOutcome::Pass {
            record_passes(&workspace, std::slice::from_ref(&result));
            if !crate::grade::of_record(&result.verdicts) {
                passed_here.push(level.id);
                outln!(
                    "Level {} passed in the simulator. For the verdict of record (real time, \
                     ticks `grader list`): cargo run -p grader -- {}",
                    level.id,
                    level.id
                );
            }
        }
        let progress = Progress::load(&workspace);
        let passed = |l: &Level| progress.has_passed(l) || passed_here.contains(&l.id);
        next = after(level, result.outcome(), &passed);
        // Saves made while grading are for the code just graded.
        while rx.try_recv().is_ok() {}
    }
}

/// Blocks until a save that matters, then lets the burst settle. False when the watcher is gone.
fn wait_for_save(rx: &mpsc::Receiver<std::path::PathBuf>, workspace: &Path, level: &Level) -> bool {
    loop {
        match rx.recv() {
            Ok(path) if matters(&path, workspace, level) => break,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
    while rx.recv_timeout(SETTLE).is_ok() {}
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;

    fn progress(passed: &[&str]) -> (tempfile::TempDir, Progress) {
        let dir = tempfile::tempdir().unwrap();
        let levels: Vec<_> = passed.iter().map(|id| level(id).unwrap()).collect();
        let p = Progress::record_passes(dir.path(), &levels).unwrap();
        (dir, p)
    }

    #[test]
    fn starts_where_asked_or_at_the_first_level_not_passed() {
        let (_d, p) = progress(&["1", "2"]);
        assert_eq!(start(None, &p), Next::Grade(level("3a").unwrap()));
        assert_eq!(start(level("5a"), &p), Next::Grade(level("5a").unwrap()));
        let all: Vec<_> = LEVELS.iter().map(|l| l.id).collect();
        let (_d, done) = progress(&all);
        assert_eq!(start(None, &done), Next::Done);
    }

    #[test]
    fn a_pass_moves_on_and_a_failure_waits() {
        let (_d, p) = progress(&["1", "3a"]);
        let l3a = level("3a").unwrap();
        assert_eq!(
            after(l3a, LevelOutcome::Fail, &|l| p.has_passed(l)),
            Next::Wait(l3a)
        );
        assert_eq!(
            after(l3a, LevelOutcome::Inconclusive, &|l| p.has_passed(l)),
            Next::Wait(l3a)
        );
        // Same challenge folder: the same node may pass 3b already.
        assert_eq!(
            after(l3a, LevelOutcome::Pass, &|l| p.has_passed(l)),
            Next::Grade(level("3b").unwrap())
        );
        // Level 1 passed: next not passed is 2, another folder: wait for a save there.
        let (_d, p) = progress(&["1"]);
        assert_eq!(
            after(level("1").unwrap(), LevelOutcome::Pass, &|l| p
                .has_passed(l)),
            Next::Wait(level("2").unwrap())
        );
        // The last level passed with an earlier one still open goes back to it.
        let (_d, p) = progress(&["6c"]);
        assert_eq!(
            after(level("6c").unwrap(), LevelOutcome::Pass, &|l| p
                .has_passed(l)),
            Next::Wait(level("1").unwrap())
        );
        let all: Vec<_> = LEVELS.iter().map(|l| l.id).collect();
        let (_d, p) = progress(&all);
        assert_eq!(
            after(level("6c").unwrap(), LevelOutcome::Pass, &|l| p
                .has_passed(l)),
            Next::Done
        );
        // Levels passed in the simulator this session count for moving on, not for the ticks.
        let (_d, p) = progress(&["1", "2"]);
        let here = ["3a", "3b", "3c", "3d"];
        let passed = |l: &Level| p.has_passed(l) || here.contains(&l.id);
        assert_eq!(
            after(level("3d").unwrap(), LevelOutcome::Pass, &passed),
            Next::Grade(level("3e").unwrap())
        );
    }

    #[test]
    fn only_sources_of_the_current_challenge_matter() {
        let w = Path::new("/w");
        let l = level("3b").unwrap();
        assert!(matters(
            Path::new("/w/challenges/broadcast/src/main.rs"),
            w,
            l
        ));
        assert!(matters(
            Path::new("/w/challenges/broadcast/Cargo.toml"),
            w,
            l
        ));
        assert!(!matters(Path::new("/w/challenges/echo/src/main.rs"), w, l));
        assert!(!matters(
            Path::new("/w/challenges/broadcast/target/x.rs"),
            w,
            l
        ));
        assert!(!matters(
            Path::new("/w/challenges/broadcast/src/.main.rs.swp"),
            w,
            l
        ));
        assert!(!matters(
            Path::new("/w/challenges/broadcast/src/main.rs~"),
            w,
            l
        ));
        assert!(!matters(Path::new("/w/runs/3b/x/verdict.json"), w, l));
    }
}
