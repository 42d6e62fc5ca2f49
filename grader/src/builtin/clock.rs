//! The time source the harness runs on.
//!
//! Everything that waits or timestamps — the network's delivery deadlines, RPC timeouts, the
//! operation schedule, the nemesis — asks a [`Clock`] instead of the wall clock, so that the same
//! core can later drive in-process nodes in virtual time. [`WallClock`] is the real-time
//! implementation used with node processes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, as the clock and the workload clients hand them out.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A monotonic time source. Times are durations since the clock's own origin.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> Duration;

    /// Completes once [`Clock::now`] has reached `deadline` (at once if it already has).
    fn sleep_until(&self, deadline: Duration) -> BoxFuture<'static, ()>;
}

/// Waits shorter than this sleep on a blocking-pool thread instead of tokio's timer.
const FINE_SLEEP: Duration = Duration::from_millis(2);

/// Real time, through tokio's timer.
///
/// tokio's timer has millisecond ticks and rounds deadlines up, so every wait overshoots by up
/// to a millisecond. At `--rate 1000` (a mean gap of 1 ms) that would halve the operation rate
/// Maelstrom achieves, and it would add a millisecond to every network hop. So the last
/// millisecond or so of every wait is an OS sleep on the blocking pool, which overshoots by tens
/// of microseconds.
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    origin: tokio::time::Instant,
}

impl WallClock {
    /// A clock whose origin is now.
    pub fn start() -> WallClock {
        WallClock {
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Clock for WallClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep_until(&self, deadline: Duration) -> BoxFuture<'static, ()> {
        let remaining = deadline.saturating_sub(self.now());
        if remaining.is_zero() {
            return Box::pin(std::future::ready(()));
        }
        let clock = *self;
        Box::pin(async move {
            // Coarse part on the timer, which wakes at most a tick late; the rest precisely.
            if remaining >= FINE_SLEEP {
                tokio::time::sleep_until(clock.origin + deadline - FINE_SLEEP / 2).await;
            }
            let rest = deadline.saturating_sub(clock.now());
            if !rest.is_zero() {
                let sleeper = tokio::task::spawn_blocking(move || std::thread::sleep(rest));
                // Only a panic in thread::sleep could fail this; the wait is over either way.
                let _ = sleeper.await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wall_clock_sleeps_until_the_deadline() {
        let clock = WallClock::start();
        let deadline = clock.now() + Duration::from_millis(20);
        clock.sleep_until(deadline).await;
        assert!(clock.now() >= deadline);
        // A deadline in the past completes at once.
        clock.sleep_until(Duration::ZERO).await;
        // Short waits (the blocking-pool path) never end early either.
        for _ in 0..20 {
            let deadline = clock.now() + Duration::from_micros(300);
            clock.sleep_until(deadline).await;
            assert!(clock.now() >= deadline);
        }
    }
}
