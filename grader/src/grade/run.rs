//! One run of a level on the builtin engine, and the folder it leaves: in real time, rerun once
//! when the machine stalled ([`LevelRun::judge_rerunning_a_stall`]), or in virtual time over
//! one seed or a search of many ([`LevelRun::search_seeds`]). Both are judged the same way
//! ([`judge`]): one set of checkers, whichever clock the run kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::{write_verdict, GradeError, Progress, Request};
use crate::builtin;
use crate::checkers;
use crate::live::{Phase, RunStatus};
use crate::manifest::{Budget, Level};
use crate::options::TestOptions;
use crate::verdict::{Check, EngineName, Outcome, Subject, Verdict};

/// One run of a level on the builtin engine, in real time ([`LevelRun::judge_rerunning_a_stall`])
/// or simulated ([`LevelRun::search_seeds`]).
pub(super) struct LevelRun<'a> {
    pub(super) level: &'a Level,
    pub(super) opts: &'a TestOptions,
    pub(super) budget: &'a Budget,
    pub(super) bin: &'a Path,
    pub(super) runs_dir: &'a Path,
    /// A live display's status. Simulated, it is fed by the first seed of each parallel batch:
    /// one bar cannot show several runs.
    pub(super) status: Option<&'a Arc<RunStatus>>,
}

impl LevelRun<'_> {
    /// Runs and judges; a run the machine made inconclusive keeps its folder and verdict, and
    /// is run once more: the second verdict is the one that counts, inconclusive or not.
    pub(super) fn judge_rerunning_a_stall(
        &self,
        progress: Progress<'_>,
        label: &str,
        subject: &Subject,
    ) -> Result<(Verdict, PathBuf), GradeError> {
        let run_dir = new_run_dir(self.runs_dir, self.level.id)?;
        let mut first = self.judge(&run_dir)?;
        let Some(stall) = first
            .stall
            .filter(|_| first.outcome() == Outcome::Inconclusive)
        else {
            return Ok((first, run_dir));
        };
        progress(&format!(
            "the machine stalled for {} ms at {:.1} s, so this run ({}) is inconclusive: \
             running it once more…",
            stall.lag_ms,
            stall.at_s,
            run_dir.display()
        ));
        first.run_label = Some(join_label(label, "inconclusive, rerun"));
        first.subject = subject.clone();
        write_verdict(self.level, &first, &run_dir);
        let run_dir = new_run_dir(self.runs_dir, self.level.id)?;
        Ok((self.judge(&run_dir)?, run_dir))
    }

    fn judge(&self, run_dir: &Path) -> Result<Verdict, GradeError> {
        run_builtin_observed(
            self.level,
            self.opts,
            self.budget,
            self.bin,
            run_dir,
            self.status,
        )
    }

    /// `--seeds N`: simulated runs, in parallel across the cores, until one fails. Returns the
    /// first failing seed's verdict, else the last passing one's; the folders of the other
    /// passing seeds are removed.
    pub(super) fn search_seeds(
        &self,
        request: &Request,
        progress: Progress<'_>,
    ) -> Result<Verdict, GradeError> {
        let first = request.seed.unwrap_or_else(rand::random);
        let count = u64::from(request.seeds.max(1));
        let width = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(count as usize) as u64;
        let mut kept: Option<Verdict> = None;
        let mut next = 0;
        while next < count {
            let batch: Vec<u64> = (next..count.min(next + width))
                .map(|k| first.wrapping_add(k))
                .collect();
            next += batch.len() as u64;
            let mut dirs = Vec::new();
            for _ in &batch {
                dirs.push(new_run_dir(self.runs_dir, self.level.id)?);
            }
            let results: Vec<Result<Verdict, GradeError>> = std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .iter()
                    .zip(&dirs)
                    .enumerate()
                    .map(|(k, (&seed, dir))| {
                        let status = self.status.filter(|_| k == 0);
                        scope.spawn(move || {
                            run_sim_observed(
                                self.level,
                                self.opts,
                                self.budget,
                                self.bin,
                                dir,
                                seed,
                                status,
                            )
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a simulated run panicked"))
                    .collect()
            });
            for result in results {
                let verdict = result?;
                progress(&speed_line(&verdict));
                let failed = !verdict.passed();
                if let Some(old) = kept.replace(verdict) {
                    if let Some(dir) = old.run_dir {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                }
                if failed {
                    return Ok(kept.expect("just set"));
                }
            }
        }
        if count > 1 {
            progress(&format!("{count} seeds, all passed"));
        }
        Ok(kept.expect("at least one seed ran"))
    }
}

/// One run on the builtin engine in real time, judged by the checkers, keeping a live display's
/// `status` up to date.
fn run_builtin_observed(
    level: &Level,
    opts: &TestOptions,
    budget: &Budget,
    bin: &Path,
    run_dir: &Path,
    status: Option<&Arc<RunStatus>>,
) -> Result<Verdict, GradeError> {
    let started = Instant::now();
    let record = builtin::run_observed(opts, bin, run_dir, &|_| {}, status.cloned())?;
    if let Some(s) = status {
        s.set_phase(Phase::Checking);
    }
    let mut verdict = Verdict::new(level.id, EngineName::Builtin, judge(opts, budget, &record));
    verdict.run_dir = Some(run_dir.to_path_buf());
    verdict.seconds = Some(started.elapsed().as_secs_f64());
    verdict.stall = record.stall;
    verdict.scheduler_lag_ms = record.worst_lag_ms;
    Ok(verdict)
}

/// The checks of one builtin or simulated run: a stub's "TODO: …" answers first (they say, in
/// the stub's words, what is left), then the node diagnoses, then the checkers — unless the run
/// was aborted, leaving nothing to judge.
fn judge(opts: &TestOptions, budget: &Budget, record: &builtin::RunRecord) -> Vec<Check> {
    let mut checks: Vec<_> = crate::unfinished::check(&record.history)
        .into_iter()
        .collect();
    checks.extend(record.node_checks.iter().cloned());
    if !record.aborted {
        checks.extend(checkers::evaluate(
            opts,
            budget,
            &record.history,
            &record.net,
        ));
    }
    checks
}

/// One run in virtual time with `seed`, judged by the checkers, keeping a live display's
/// `status` up to date (in virtual time).
fn run_sim_observed(
    level: &Level,
    opts: &TestOptions,
    budget: &Budget,
    bin: &Path,
    run_dir: &Path,
    seed: u64,
    status: Option<&Arc<RunStatus>>,
) -> Result<Verdict, GradeError> {
    let started = Instant::now();
    let record = builtin::simulate_observed(opts, bin, run_dir, seed, status.cloned())?;
    if let Some(s) = status {
        s.set_phase(Phase::Checking);
    }
    let mut verdict = Verdict::new(level.id, EngineName::Sim, judge(opts, budget, &record));
    verdict.run_dir = Some(run_dir.to_path_buf());
    verdict.seconds = Some(started.elapsed().as_secs_f64());
    verdict.seed = Some(seed);
    verdict.simulated_seconds = record.simulated.map(|s| s.time.as_secs_f64());
    Ok(verdict)
}

/// "seed 42: 30.0 s simulated in 0.21 s, 143×". A run that ended before its virtual clock moved
/// (a node that failed its setup) has no speed to speak of, and "0×" would only puzzle.
pub fn speed_line(verdict: &Verdict) -> String {
    let wall = verdict.seconds.unwrap_or_default();
    let simulated = verdict.simulated_seconds.unwrap_or_default();
    let seed = verdict.seed.unwrap_or_default();
    if simulated < 0.05 {
        return format!("seed {seed}: stopped at 0.0 s of virtual time, after {wall:.2} s");
    }
    format!(
        "seed {seed}: {simulated:.1} s simulated in {wall:.2} s, {:.0}×",
        simulated / wall.max(1e-9)
    )
}

pub(super) fn join_label(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_owned()
    } else {
        format!("{a}, {b}")
    }
}

/// `runs/<level>/<UTC timestamp>`, made unique if two runs start in the same millisecond.
pub(super) fn new_run_dir(runs_dir: &Path, level: &str) -> Result<PathBuf, GradeError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f").to_string();
    let base = runs_dir.join(level);
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GradeError::RunDir { path, source }
    };
    std::fs::create_dir_all(&base).map_err(failed(&base))?;
    // `create_dir` claims the name atomically: runs started in the same millisecond (`grader
    // all`, the tests' concurrent runs) must never share a folder, or one run's teardown would
    // take the other's nodes (tagged by their folder) for its own leftovers and kill them.
    let mut n = 1;
    loop {
        let path = match n {
            1 => base.join(&stamp),
            _ => base.join(format!("{stamp}-{n}")),
        };
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
            Err(e) => return Err(failed(&path)(e)),
        }
    }
}
