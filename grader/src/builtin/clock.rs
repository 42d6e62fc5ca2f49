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

/// Real time, through tokio's timer.
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
        Box::pin(tokio::time::sleep_until(self.origin + deadline))
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
    }
}
