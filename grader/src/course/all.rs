//! `grader all`: many levels graded at once, each on its own thread, as many at a time as the
//! machine allows without distorting them.
//!
//! The real-time engine measures latencies and timeouts against the wall clock, so running levels
//! side by side is only honest while the machine keeps up. The default number of levels at once
//! ([`default_jobs`]) was measured (README, instructors' section); beyond it, the engine's stall
//! detector ([`crate::builtin::stall`]) turns any distorted run into an inconclusive one, rerun
//! once, rather than a failure.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::course::display::Display;
use crate::course::LevelResult;
use crate::grade::{self, Request};
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
pub fn grade_all(
    levels: &[&'static Level],
    template: &Request,
    jobs: usize,
    display: &Display,
) -> Vec<LevelResult> {
    let mut order: Vec<usize> = (0..levels.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(planned(levels[i])));
    let statuses: Vec<_> = levels.iter().map(|l| display.add(l)).collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<LevelResult>>> = Mutex::new(vec![None; levels.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, levels.len().max(1)) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = order.get(k) else { break };
                let level = levels[i];
                let mut request = template.clone();
                request.level = level;
                request.context.status = Some(statuses[i].clone());
                let result = grade_one(&request, display);
                display.finish(level, &super::summary::one_line(&result));
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// Grades one level into a [`LevelResult`]: verdicts, or the error that kept it from grading.
/// With `request.context.precheck`, the default loop: the simulator first, then real time.
pub fn grade_one(request: &Request, display: &Display) -> LevelResult {
    let started = Instant::now();
    let id = request.level.id;
    let mut note = |msg: &str| {
        // Per-run chatter ("running level 3b…") is what the bars show; keep the rest.
        let chatter = ["running level", "simulating level", "building"];
        if !chatter.iter().any(|c| msg.starts_with(c)) {
            display.note(&format!("{id}: {msg}"));
        }
    };
    let (verdicts, error) = match grade::grade_with_precheck(request, &mut note) {
        Ok(graded) => (graded.verdicts, None),
        Err(e) => {
            // Only batch grading writes into folders of its own choosing for an ungradable
            // submission; `grader all` on the learner's own checkout just reports the error.
            if request.context.label.is_some() {
                let _ = grade::record_ungradable(request, &e);
            }
            (Vec::new(), Some(e.to_string()))
        }
    };
    LevelResult {
        level: request.level,
        verdicts,
        error,
        wall: started.elapsed(),
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
