//! A simulated step's wall-clock limits, less the time its node waited for a CPU.
//!
//! A step takes no virtual time, so the simulator bounds it in wall-clock time instead: a node
//! may compute for 10 s on one input, and may fall silent for 2 s after answering before it is
//! taken for one that does not speak the step protocol. Those limits are about the node. On a
//! busy machine (a classroom's batch of students graded at once, the test suite's real-time runs
//! beside the simulated ones) a node can sit runnable for seconds without getting a CPU, and the
//! same node would then hang or be unsimulable on one machine and pass on another.
//!
//! So once a step has lasted [`PROBE_AFTER`] — a healthy step takes microseconds, and the sample
//! costs a few system calls, which only slow steps pay — waiting for a CPU starts being sampled,
//! and a limit that fires is pushed back by the time spent waiting meanwhile, up to
//! [`MAX_GRANT`] in all. Two waits count: the node's, and the engine thread's that reads it (a
//! node whose output is not read sits blocked on a full pipe, through no fault of its own).
//! Linux says how long each thread waited (`/proc/<pid>/task/<tid>/schedstat`); elsewhere the
//! limits stay plain wall-clock time.

use std::time::Duration;

/// How long a step lasts before its node's waiting time is sampled.
pub const PROBE_AFTER: Duration = Duration::from_millis(200);
/// The most wall-clock time one step's limits are pushed back in all: a node on a machine that
/// busy is as good as hung.
pub const MAX_GRANT: Duration = Duration::from_secs(50);
/// Less waiting than this does not push a limit back: that little is scheduling noise, and a
/// node spinning on a quiet machine waits about that much too.
const NOISE: Duration = Duration::from_millis(50);

/// The waiting time of one node over one slow step.
#[derive(Debug)]
pub struct Starvation {
    pid: Option<u32>,
    /// The node's total waiting time at the last sample.
    last: Option<Duration>,
    granted: Duration,
}

impl Starvation {
    /// No sample yet: [`Starvation::start`] takes the first.
    pub fn new(pid: Option<u32>) -> Starvation {
        Starvation {
            pid,
            last: None,
            granted: Duration::ZERO,
        }
    }

    /// Takes the first sample: waiting from now on pushes the limits back. Called on the thread
    /// that reads the node.
    pub fn start(&mut self) {
        self.last = self.waited();
    }

    /// The node's waiting time and this thread's, summed.
    fn waited(&self) -> Option<Duration> {
        let node = waited_for_cpu(self.pid?)?;
        let reader = run_delay("/proc/thread-self/schedstat").unwrap_or_default();
        Some(node + Duration::from_nanos(reader))
    }

    /// How much longer a limit that just fired should wait: the time the node waited for a CPU
    /// since the last sample, or zero when that was noise or the grant is spent.
    pub fn grant(&mut self) -> Duration {
        let (Some(last), Some(now)) = (self.last, self.waited()) else {
            return Duration::ZERO;
        };
        self.last = Some(now);
        let waited = now.saturating_sub(last);
        let grant = waited.min(MAX_GRANT.saturating_sub(self.granted));
        if grant < NOISE {
            return Duration::ZERO;
        }
        self.granted += grant;
        grant
    }
}

/// The time the threads of process `pid` have spent runnable but waiting for a CPU, summed; `None`
/// where the kernel does not tell.
pub fn waited_for_cpu(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let waits: Vec<u64> = tasks
        .filter_map(Result::ok)
        .filter_map(|task| run_delay(task.path().join("schedstat")))
        .collect();
    (!waits.is_empty()).then(|| Duration::from_nanos(waits.iter().sum()))
}

/// A thread's waiting time in nanoseconds: the second field of its `schedstat` file.
fn run_delay(schedstat: impl AsRef<std::path::Path>) -> Option<u64> {
    let stat = std::fs::read_to_string(schedstat).ok()?;
    stat.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Child, Command};

    /// Child processes, killed when dropped.
    struct Children(Vec<Child>);

    impl Drop for Children {
        fn drop(&mut self) {
            for child in &mut self.0 {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    fn sh(script: &str) -> Child {
        Command::new("sh").args(["-c", script]).spawn().unwrap()
    }

    #[test]
    fn a_sleeping_process_gets_no_grant() {
        let sleeper = Children(vec![sh("exec sleep 5")]);
        let pid = sleeper.0[0].id();
        if waited_for_cpu(pid).is_none() {
            eprintln!("skipping: no /proc/<pid>/task/*/schedstat here");
            return;
        }
        let mut starvation = Starvation::new(Some(pid));
        starvation.start();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(starvation.grant(), Duration::ZERO);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_starved_process_gets_its_waiting_time_back() {
        use rustix::thread::{sched_getaffinity, sched_getcpu, sched_setaffinity, CpuSet};
        let Ok(allowed) = sched_getaffinity(None) else {
            return;
        };
        // Three spinning processes on one CPU: each waits for it about two thirds of the time.
        let mut one = CpuSet::new();
        one.set(sched_getcpu());
        sched_setaffinity(None, &one).unwrap();
        let spinners = Children((0..3).map(|_| sh("while :; do :; done")).collect());
        sched_setaffinity(None, &allowed).unwrap();
        let pid = spinners.0[0].id();
        if waited_for_cpu(pid).is_none() {
            eprintln!("skipping: no /proc/<pid>/task/*/schedstat here");
            return;
        }
        let mut starvation = Starvation::new(Some(pid));
        starvation.start();
        std::thread::sleep(Duration::from_millis(300));
        let grant = starvation.grant();
        assert!(grant >= Duration::from_millis(100), "{grant:?}");
        // At most the spinner's 300 ms, and this sleeping thread's wait for a CPU to wake on.
        assert!(grant <= Duration::from_millis(300) + 2 * NOISE, "{grant:?}");
    }

    #[test]
    fn the_grant_is_bounded_and_needs_a_first_sample() {
        let mut unsampled = Starvation::new(Some(std::process::id()));
        assert_eq!(unsampled.grant(), Duration::ZERO);
        let mut unknown = Starvation::new(None);
        unknown.start();
        assert_eq!(unknown.grant(), Duration::ZERO);
        let mut spent = Starvation::new(Some(std::process::id()));
        spent.start();
        spent.granted = MAX_GRANT;
        assert_eq!(spent.grant(), Duration::ZERO);
    }
}
