//! One CPU per simulated run: the run's thread and every node it starts share it.
//!
//! A simulated run is a chain of pipe round trips — the engine writes one input, the node answers
//! and says it is idle — with nothing to do in parallel: the engine waits for every answer. When
//! the engine and the node sit on different CPUs, each hand-over is a cross-CPU wake-up, which on
//! a virtual machine costs tens of microseconds (`perf bench sched pipe`: 49 µs per round trip
//! across CPUs, 5 µs on one, on the 2-core machines this course is built on). Pinning the run's
//! thread before it starts its nodes makes them inherit the pin, and the whole run 2–3× faster.
//! Runs side by side (`--seeds`, `grader all --engine sim`) take the least used CPU each.
//!
//! The pin is lifted when the run ends, so the same thread can go on to a real-time run, whose
//! nodes must spread over every CPU.

use std::sync::Mutex;

/// How many simulated runs of this process are pinned to each CPU.
static RUNS_ON: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The current thread pinned to one CPU until dropped. Pinning is an optimisation: where it is
/// not possible, the guard does nothing.
#[derive(Debug)]
pub struct Pinned {
    #[cfg(target_os = "linux")]
    restore: Option<(usize, rustix::thread::CpuSet)>,
}

/// Pins the current thread (and so every process it starts from now on) to the allowed CPU that
/// the fewest simulated runs of this process use.
pub fn pin_current_thread() -> Pinned {
    #[cfg(target_os = "linux")]
    {
        use rustix::thread::{sched_getaffinity, sched_setaffinity, CpuSet};
        let Ok(allowed) = sched_getaffinity(None) else {
            return Pinned { restore: None };
        };
        let cpus: Vec<usize> = (0..CpuSet::MAX_CPU)
            .filter(|&c| allowed.is_set(c))
            .collect();
        if cpus.len() < 2 {
            return Pinned { restore: None };
        }
        let mut runs = RUNS_ON.lock().unwrap_or_else(|e| e.into_inner());
        if runs.len() < CpuSet::MAX_CPU {
            runs.resize(CpuSet::MAX_CPU, 0);
        }
        let Some(cpu) = least_used(&cpus, &runs, rustix::thread::sched_getcpu()) else {
            return Pinned { restore: None };
        };
        let mut one = CpuSet::new();
        one.set(cpu);
        if sched_setaffinity(None, &one).is_err() {
            return Pinned { restore: None };
        }
        runs[cpu] += 1;
        Pinned {
            restore: Some((cpu, allowed)),
        }
    }
    #[cfg(not(target_os = "linux"))]
    Pinned {}
}

/// The CPU of `cpus` with the fewest runs; among equals the one the thread is on (`here`), to
/// keep its caches warm, then the lowest.
fn least_used(cpus: &[usize], runs: &[usize], here: usize) -> Option<usize> {
    let runs_on = |c: usize| runs.get(c).copied().unwrap_or(0);
    cpus.iter()
        .copied()
        .min_by_key(|&c| (runs_on(c), usize::from(c != here), c))
}

impl Drop for Pinned {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some((cpu, allowed)) = self.restore.take() {
            let _ = rustix::thread::sched_setaffinity(None, &allowed);
            let mut runs = RUNS_ON.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = runs.get_mut(cpu) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_used_cpu_is_taken_and_ties_stay_where_the_thread_is() {
        assert_eq!(least_used(&[0, 1], &[1, 0], 0), Some(1));
        assert_eq!(least_used(&[0, 1], &[1, 1], 1), Some(1));
        assert_eq!(least_used(&[0, 1, 2], &[], 5), Some(0));
        assert_eq!(least_used(&[2, 3], &[0, 0, 4, 4], 3), Some(3));
        assert_eq!(least_used(&[], &[], 0), None);
    }

    /// While pinned the thread may run on one CPU only; afterwards on all it could before.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_pin_holds_for_the_run_and_is_lifted_after() {
        use rustix::thread::{sched_getaffinity, CpuSet};
        let allowed = || {
            let set = sched_getaffinity(None).unwrap();
            (0..CpuSet::MAX_CPU).filter(|&c| set.is_set(c)).count()
        };
        let before = allowed();
        if before < 2 {
            eprintln!("skipped: one CPU allowed, nothing to pin");
            return;
        }
        {
            let _pin = pin_current_thread();
            assert_eq!(allowed(), 1);
        }
        assert_eq!(allowed(), before, "the pin outlived its run");
    }
}
