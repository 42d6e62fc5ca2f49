//! Virtual time for `--engine sim`.
//!
//! [`SimClock`] keeps its own queue of sleepers ordered by (deadline, sequence), exact to the
//! nanosecond. It never moves by itself: [`advance`] runs as a task on a tokio runtime whose
//! own (paused) clock auto-advances only when no task can run, so the advancer wakes exactly when
//! the whole core — network, clients, nemesis, services, and the node steps, which run
//! synchronously inside their tasks — is blocked. It then moves virtual time to the earliest
//! pending deadline and wakes the sleepers due then, in the order they went to sleep.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::builtin::clock::{BoxFuture, Clock};

/// A clock that moves only when [`SimClock::advance`] moves it.
#[derive(Debug, Default)]
pub struct SimClock {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    now: Duration,
    next_seq: u64,
    sleepers: BinaryHeap<Reverse<Entry>>,
    /// How many times time moved, for the speed report.
    advances: u64,
    /// Queue length at which cancelled sleepers are swept out.
    purge_at: usize,
}

#[derive(Debug)]
struct Entry {
    deadline: Duration,
    seq: u64,
    sleeper: Arc<Sleeper>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

#[derive(Debug, Default)]
struct Sleeper {
    fired: AtomicBool,
    /// Set when the sleep future is dropped unfinished, so that time does not stop for it.
    cancelled: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl SimClock {
    pub fn new() -> SimClock {
        SimClock::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves time to the earliest pending deadline and wakes every sleeper due then; false when
    /// nobody sleeps.
    pub fn advance(&self) -> bool {
        let mut due = Vec::new();
        {
            let mut s = self.state();
            while s
                .sleepers
                .peek()
                .is_some_and(|e| e.0.sleeper.cancelled.load(Ordering::Relaxed))
            {
                s.sleepers.pop();
            }
            let Some(Reverse(first)) = s.sleepers.pop() else {
                return false;
            };
            let at = first.deadline;
            s.now = s.now.max(at);
            s.advances += 1;
            due.push(first);
            while s.sleepers.peek().is_some_and(|e| e.0.deadline <= at) {
                due.extend(s.sleepers.pop().map(|e| e.0));
            }
        }
        for entry in due {
            entry.sleeper.fired.store(true, Ordering::Release);
            let waker = entry
                .sleeper
                .waker
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
        true
    }

    /// How many distinct instants time stopped at so far.
    pub fn advances(&self) -> u64 {
        self.state().advances
    }
}

impl Clock for SimClock {
    fn now(&self) -> Duration {
        self.state().now
    }

    fn sleep_until(&self, deadline: Duration) -> BoxFuture<'static, ()> {
        let mut s = self.state();
        if deadline <= s.now {
            return Box::pin(std::future::ready(()));
        }
        if deadline == Duration::MAX {
            // Never due: nothing to queue (it would only be dropped, cancelled, later).
            return Box::pin(std::future::pending());
        }
        if s.sleepers.len() >= s.purge_at {
            // Dropped sleeps stay queued until their time comes; sweep them out before the
            // queue grows with them. The order of the rest is by (deadline, seq): unchanged.
            s.sleepers
                .retain(|e| !e.0.sleeper.cancelled.load(Ordering::Relaxed));
            s.purge_at = (2 * s.sleepers.len()).max(1024);
        }
        let sleeper = Arc::new(Sleeper::default());
        let seq = s.next_seq;
        s.next_seq += 1;
        s.sleepers.push(Reverse(Entry {
            deadline,
            seq,
            sleeper: sleeper.clone(),
        }));
        Box::pin(Sleep { sleeper })
    }
}

struct Sleep {
    sleeper: Arc<Sleeper>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.sleeper.fired.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *self.sleeper.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        if self.sleeper.fired.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.sleeper.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Moves `clock` whenever every other task of the (paused, current-thread) runtime is blocked.
/// Runs until aborted.
pub async fn advance(clock: Arc<SimClock>) {
    loop {
        // The runtime's clock is paused: this sleep ends as soon as no task can run.
        tokio::time::sleep(Duration::from_millis(1)).await;
        clock.advance();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paused() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    /// Sleepers wake in (deadline, order of sleeping) order, at exact sub-millisecond times, and
    /// a dropped sleep does not hold time up.
    #[test]
    fn sleepers_wake_in_deadline_then_sleep_order() {
        let clock = Arc::new(SimClock::new());
        let log = Arc::new(Mutex::new(Vec::new()));
        paused().block_on(async {
            let advancer = tokio::spawn(advance(clock.clone()));
            let cancelled = clock.sleep_until(Duration::from_nanos(10));
            drop(cancelled);
            let mut tasks = tokio::task::JoinSet::new();
            for (name, at) in [("b", 1_500), ("a", 700), ("c", 1_500), ("d", 3_000_000)] {
                let (clock, log) = (clock.clone(), log.clone());
                tasks.spawn(async move {
                    clock.sleep_until(Duration::from_nanos(at)).await;
                    log.lock().unwrap().push((name, clock.now().as_nanos()));
                });
            }
            while tasks.join_next().await.is_some() {}
            advancer.abort();
        });
        assert_eq!(
            *log.lock().unwrap(),
            [("a", 700), ("b", 1_500), ("c", 1_500), ("d", 3_000_000)]
        );
        assert_eq!(clock.advances(), 3);
    }
}
