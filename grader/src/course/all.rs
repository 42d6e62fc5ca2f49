//! `grader all`: many levels graded at once, each on its own thread, as many at a time as the
//! machine allows without distorting them.
//!
//! The real-time engine measures latencies and timeouts against the wall clock, so running levels
//! side by side is only honest while the machine keeps up. The default number of levels at once
//! ([`default_jobs`]) was measured (README, instructors' section); beyond it, the engine's stall
//! detector ([`crate::builtin::stall`]) turns any distorted run into an inconclusive one, rerun
//! once, rather than a failure.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::course::display::Display;
use crate::course::LevelResult;
use crate::grade::{self, Precheck, Request};
use crate::manifest::Level;

/// Levels graded at once by default: enough to grade the whole course in well under a minute on
/// two cores, few enough that the machine does not stall the runs (measured: see the README).
pub fn default_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores * 7).clamp(1, 14)
}

/// Levels simulated at once by default: one per core. A simulated run never waits on the wall
/// clock, so more at once than there are cores only shares them.
pub fn default_sim_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How long a level's schedule lasts, to start the longest first.
pub fn planned(level: &Level) -> Duration {
    level
        .options()
        .iter()
        .map(|o| {
            let fin = if o.workload.has_final_phase() { 11 } else { 0 };
            o.time_limit + Duration::from_secs(fin)
        })
        .sum()
}

/// Grades each level with `template` (its level replaced), `jobs` at a time, longest first.
/// Results come back in the order of `levels`.
///
/// With `template.context.precheck` (no engine chosen), in two waves: every level in the
/// simulator first, one per core, then the real-time runs of the levels it passed, `jobs` at a
/// time. So the simulator's CPU-bound runs never compete with real-time runs for the machine (they
/// could distort their latencies), and a level the simulator fails costs no real time at all.
pub fn grade_all(
    levels: &[&'static Level],
    template: &Request,
    jobs: usize,
    display: &Display,
) -> Vec<LevelResult> {
    let statuses: Vec<_> = levels.iter().map(|l| display.add(l)).collect();
    let request_for = |i: usize| {
        let mut request = template.clone();
        request.level = levels[i];
        request.context.status = Some(statuses[i].clone());
        request
    };
    let finish = |result: LevelResult| {
        display.finish(result.level, &super::summary::one_line(&result));
        result
    };
    let all: Vec<usize> = (0..levels.len()).collect();
    if !template.context.precheck || template.repeat > 1 {
        let results = each_level(levels, &all, jobs, |i| {
            finish(grade_one(&request_for(i), display))
        });
        return results.into_iter().flatten().collect();
    }
    let simulated = each_level(levels, &all, default_sim_jobs(), |i| {
        precheck_one(&request_for(i), display)
    });
    let mut results: Vec<Option<LevelResult>> = vec![None; levels.len()];
    let mut real_time = Vec::new();
    let mut sim_wall = vec![Duration::ZERO; levels.len()];
    let mut prebuilt: Vec<Option<PathBuf>> = vec![None; levels.len()];
    for (i, sim) in simulated.into_iter().enumerate() {
        match sim {
            Some(FirstWave::Settled(result)) => results[i] = Some(finish(result)),
            Some(FirstWave::Passed { wall, built }) => {
                sim_wall[i] = wall;
                prebuilt[i] = built;
                real_time.push(i);
            }
            None => {}
        }
    }
    let graded = each_level(levels, &real_time, jobs, |i| {
        let request = request_for(i).after_precheck(prebuilt[i].clone());
        let mut result = grade_one(&request, display);
        result.wall += sim_wall[i];
        finish(result)
    });
    for (slot, result) in results.iter_mut().zip(graded) {
        if result.is_some() {
            *slot = result;
        }
    }
    results.into_iter().flatten().collect()
}

/// Runs `work` for the levels at `indices`, `jobs` at a time, the longest first; the answers come
/// back by level index (`None` for the levels not in `indices`).
fn each_level<T: Send>(
    levels: &[&'static Level],
    indices: &[usize],
    jobs: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Vec<Option<T>> {
    let mut order = indices.to_vec();
    order.sort_by_key(|&i| std::cmp::Reverse(planned(levels[i])));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..levels.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, order.len().max(1)) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = order.get(k) else { break };
                let answer = work(i);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(answer);
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// What the simulated first wave made of a level.
enum FirstWave {
    /// The simulator failed it, or it could not be graded: this is its result.
    Settled(LevelResult),
    /// Every seed passed (or it cannot be simulated), after `wall`: on to real time, with the
    /// executable the simulator graded.
    Passed {
        wall: Duration,
        built: Option<PathBuf>,
    },
}

/// Keeps a level's notes that the bars do not already show ("running level 3b…").
fn notes<'a>(id: &'a str, display: &'a Display) -> impl FnMut(&str) + 'a {
    move |msg: &str| {
        let chatter = ["running level", "simulating level", "building"];
        if !chatter.iter().any(|c| msg.starts_with(c)) {
            display.note(&format!("{id}: {msg}"));
        }
    }
}

/// An error that kept a level from grading, as its result.
fn ungradable(request: &Request, e: &grade::GradeError, started: Instant) -> LevelResult {
    // Only batch grading writes into folders of its own choosing for an ungradable submission;
    // `grader all` on the learner's own checkout just reports the error.
    if request.context.label.is_some() {
        let _ = grade::record_ungradable(request, e);
    }
    LevelResult {
        level: request.level,
        verdicts: Vec::new(),
        error: Some(e.to_string()),
        wall: started.elapsed(),
    }
}

/// The simulated first wave for one level.
fn precheck_one(request: &Request, display: &Display) -> FirstWave {
    let started = Instant::now();
    let mut note = notes(request.level.id, display);
    match grade::precheck(request, &mut note) {
        Ok(Precheck::Passed { built }) => FirstWave::Passed {
            wall: started.elapsed(),
            built,
        },
        Ok(Precheck::Failed(verdicts)) => FirstWave::Settled(LevelResult {
            level: request.level,
            verdicts,
            error: None,
            wall: started.elapsed(),
        }),
        Err(e) => FirstWave::Settled(ungradable(request, &e, started)),
    }
}

/// Grades one level into a [`LevelResult`]: verdicts, or the error that kept it from grading.
/// With `request.context.precheck`, the default loop: the simulator first, then real time.
pub fn grade_one(request: &Request, display: &Display) -> LevelResult {
    let started = Instant::now();
    let mut note = notes(request.level.id, display);
    match grade::grade_with_precheck(request, &mut note) {
        Ok(graded) => LevelResult {
            level: request.level,
            verdicts: graded.verdicts,
            error: None,
            wall: started.elapsed(),
        },
        Err(e) => ungradable(request, &e, started),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;

    #[test]
    fn the_longest_levels_are_known() {
        assert_eq!(planned(level("1").unwrap()), Duration::from_secs(10));
        assert_eq!(planned(level("3b").unwrap()), Duration::from_secs(31));
        assert_eq!(planned(level("6b").unwrap()), Duration::from_secs(40));
    }
}
