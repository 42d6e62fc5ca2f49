//! The real-time engine watching its own scheduling lag.
//!
//! Every timeout and latency the builtin engine measures assumes that the grader itself runs when
//! it asks to. On an overloaded machine (a laptop swapping, a CI runner shared with other jobs, a
//! grader suspended with Ctrl-Z) it does not, and a node would be blamed for the machine's pause.
//! So a ticker on the engine's own runtime wakes every [`TICK`] and measures how late it woke;
//! a lag of [`LIMIT`] or more makes a failing run inconclusive (see
//! [`crate::verdict::Outcome::Inconclusive`]), and the grader reruns it once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::verdict::Stall;

/// How often the ticker wakes.
pub const TICK: Duration = Duration::from_millis(10);

/// The smallest lag that distorts a run: a sixth of the tightest latency budget (3d's maximum of
/// 600 ms), and a tenth of the shortest RPC timeout the workloads use (1 s).
pub const LIMIT: Duration = Duration::from_millis(100);

/// Test hook: `GRADER_INJECT_STALL_MS=N` blocks the engine's runtime for N ms, one second into
/// the first run of the process, as a stopped or swapping machine would. Only the first run, so
/// that the automatic rerun shows what an undisturbed run gives.
pub const INJECT_ENV: &str = "GRADER_INJECT_STALL_MS";

static INJECTED: AtomicBool = AtomicBool::new(false);

/// The worst lag seen so far, and when (since the watch started).
#[derive(Debug, Default)]
pub struct StallWatch {
    worst: Mutex<Option<(Duration, Duration)>>,
}

impl StallWatch {
    /// Starts the ticker on the current tokio runtime; it runs until the returned handle is
    /// aborted (or the runtime dropped).
    pub fn start(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let watch = self.clone();
        let inject = std::env::var(INJECT_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|_| !INJECTED.swap(true, Ordering::SeqCst))
            .map(Duration::from_millis);
        tokio::spawn(async move {
            let origin = Instant::now();
            let mut due = origin + TICK;
            let mut inject_at = inject.map(|d| (origin + Duration::from_secs(1), d));
            loop {
                tokio::time::sleep_until(due).await;
                let now = Instant::now();
                watch.observe(now - due, now - origin);
                if let Some((_, stall)) = inject_at.filter(|(at, _)| now >= *at) {
                    // Blocks the whole runtime, as a paused machine would; the next wake-up is
                    // then late by as much, like every other timer of the run.
                    std::thread::sleep(stall);
                    inject_at = None;
                }
                due = now + TICK;
            }
        })
    }

    /// Records one wake-up `lag` late at `at`.
    pub fn observe(&self, lag: Duration, at: Duration) {
        let mut worst = self.worst.lock().unwrap_or_else(|e| e.into_inner());
        if worst.is_none_or(|(w, _)| lag > w) {
            *worst = Some((lag, at));
        }
    }

    /// The worst lag seen, in milliseconds (rounded up): evidence that a run was not distorted.
    pub fn worst_lag_ms(&self) -> Option<u64> {
        let worst = *self.worst.lock().unwrap_or_else(|e| e.into_inner());
        worst.map(|(lag, _)| lag.as_micros().div_ceil(1000) as u64)
    }

    /// The worst stall, when it was large enough to distort the run.
    pub fn stall(&self) -> Option<Stall> {
        let worst = *self.worst.lock().unwrap_or_else(|e| e.into_inner());
        worst
            .filter(|(lag, _)| *lag >= LIMIT)
            .map(|(lag, at)| Stall {
                lag_ms: lag.as_millis() as u64,
                at_s: (at.as_secs_f64() * 10.0).round() / 10.0,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_lags_are_normal_and_a_large_one_is_a_stall() {
        let w = StallWatch::default();
        w.observe(Duration::from_millis(3), Duration::from_secs(1));
        w.observe(Duration::from_millis(40), Duration::from_secs(2));
        assert_eq!(w.stall(), None);
        assert_eq!(w.worst_lag_ms(), Some(40));
        w.observe(Duration::from_millis(350), Duration::from_millis(7_250));
        w.observe(Duration::from_millis(120), Duration::from_secs(9));
        assert_eq!(
            w.stall(),
            Some(Stall {
                lag_ms: 350,
                at_s: 7.3
            })
        );
    }

    /// A runtime blocked the way a stopped machine blocks it is seen by the ticker.
    #[tokio::test]
    async fn the_ticker_sees_its_runtime_blocked() {
        let w = Arc::new(StallWatch::default());
        let ticker = w.start();
        tokio::time::sleep(Duration::from_millis(50)).await;
        std::thread::sleep(Duration::from_millis(250));
        tokio::time::sleep(Duration::from_millis(30)).await;
        ticker.abort();
        let stall = w.stall().expect("the block was seen");
        assert!(stall.lag_ms >= 200, "{stall:?}");
    }
}
