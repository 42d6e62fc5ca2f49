//! What a run is doing right now — its phase and its operations so far — shared between the
//! engine that runs it and the display that draws it ([`crate::course::display`]).
//!
//! The engine only stores numbers into atomics: drawing never slows a run down, and a run with
//! nobody watching costs a few relaxed stores.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::history::{Op, OpType, Process};

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Queued,
    Building,
    Starting,
    Ops,
    Partition,
    Recovery,
    FinalReads,
    Checking,
    Done,
}

impl Phase {
    const ALL: [Phase; 9] = [
        Phase::Queued,
        Phase::Building,
        Phase::Starting,
        Phase::Ops,
        Phase::Partition,
        Phase::Recovery,
        Phase::FinalReads,
        Phase::Checking,
        Phase::Done,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Building => "building",
            Phase::Starting => "starting nodes",
            Phase::Ops => "ops",
            Phase::Partition => "ops, partitioned",
            Phase::Recovery => "recovery",
            Phase::FinalReads => "final reads",
            Phase::Checking => "checking",
            Phase::Done => "done",
        }
    }
}

/// The live status of one run.
#[derive(Debug)]
pub struct RunStatus {
    phase: AtomicU8,
    ok: AtomicU64,
    fail: AtomicU64,
    info: AtomicU64,
    /// How long the schedule lasts (time limit, plus recovery and final reads), in ms.
    planned_ms: AtomicU64,
    started: Mutex<Option<Instant>>,
    /// A simulated run: its progress is the virtual time of the latest operation recorded, not
    /// the wall clock (a 20 s schedule passes in a fraction of a second).
    virtual_time: AtomicBool,
    virtual_ns: AtomicU64,
}

impl Default for RunStatus {
    fn default() -> RunStatus {
        RunStatus {
            phase: AtomicU8::new(Phase::Queued as u8),
            ok: AtomicU64::new(0),
            fail: AtomicU64::new(0),
            info: AtomicU64::new(0),
            planned_ms: AtomicU64::new(0),
            started: Mutex::new(None),
            virtual_time: AtomicBool::new(false),
            virtual_ns: AtomicU64::new(0),
        }
    }
}

/// A snapshot for drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub phase: Phase,
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
    pub planned: Duration,
    /// Time since the operations started (zero before): virtual time in a simulated run.
    pub elapsed: Duration,
}

impl RunStatus {
    pub fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// The schedule starts now and lasts about `planned`; the counts start again from zero (a
    /// rerun, or the next run of a level with several).
    pub fn start_schedule(&self, planned: Duration) {
        self.planned_ms
            .store(planned.as_millis() as u64, Ordering::Relaxed);
        for n in [&self.ok, &self.fail, &self.info] {
            n.store(0, Ordering::Relaxed);
        }
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        self.virtual_time.store(false, Ordering::Relaxed);
        self.virtual_ns.store(0, Ordering::Relaxed);
        self.set_phase(Phase::Ops);
    }

    /// [`RunStatus::start_schedule`] for a simulated run: how far it is comes from the virtual
    /// time of the operations recorded.
    pub fn start_virtual_schedule(&self, planned: Duration) {
        self.start_schedule(planned);
        self.virtual_time.store(true, Ordering::Relaxed);
    }

    /// Counts one client completion.
    pub fn completed(&self, kind: OpType) {
        let counter = match kind {
            OpType::Ok => &self.ok,
            OpType::Fail => &self.fail,
            OpType::Info => &self.info,
            OpType::Invoke => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Follows the history as it is written: client completions are counted, the nemesis'
    /// operations move the phase in and out of a partition.
    pub fn recorded(&self, op: &Op) {
        self.virtual_ns.fetch_max(op.time, Ordering::Relaxed);
        match (&op.process, op.f.as_str()) {
            (Process::Client(_), _) => self.completed(op.kind),
            (Process::Nemesis, "start-partition") => self.set_phase(Phase::Partition),
            (Process::Nemesis, "stop-partition") => self.set_phase(Phase::Ops),
            _ => {}
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let phase = Phase::ALL
            .get(self.phase.load(Ordering::Relaxed) as usize)
            .copied()
            .unwrap_or(Phase::Queued);
        let started = *self.started.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = if self.virtual_time.load(Ordering::Relaxed) {
            Duration::from_nanos(self.virtual_ns.load(Ordering::Relaxed))
        } else {
            started.map_or(Duration::ZERO, |s| s.elapsed())
        };
        Snapshot {
            phase,
            ok: self.ok.load(Ordering::Relaxed),
            fail: self.fail.load(Ordering::Relaxed),
            info: self.info.load(Ordering::Relaxed),
            planned: Duration::from_millis(self.planned_ms.load(Ordering::Relaxed)),
            elapsed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn counts_completions_by_kind_and_restarts_with_a_schedule() {
        let s = RunStatus::default();
        assert_eq!(s.snapshot().phase, Phase::Queued);
        s.start_schedule(Duration::from_secs(20));
        for k in [
            OpType::Ok,
            OpType::Ok,
            OpType::Fail,
            OpType::Info,
            OpType::Invoke,
        ] {
            s.completed(k);
        }
        let snap = s.snapshot();
        assert_eq!((snap.ok, snap.fail, snap.info), (2, 1, 1));
        assert_eq!(snap.phase, Phase::Ops);
        assert_eq!(snap.planned, Duration::from_secs(20));
        s.set_phase(Phase::FinalReads);
        s.recorded(&Op::new(
            OpType::Info,
            Process::Nemesis,
            "start-partition",
            Value::Nil,
        ));
        assert_eq!(s.snapshot().phase, Phase::Partition);
        s.recorded(&Op::new(OpType::Ok, Process::Client(3), "read", Value::Nil));
        assert_eq!(s.snapshot().ok, 3);
        s.start_schedule(Duration::from_secs(5));
        assert_eq!(s.snapshot().ok, 0);
    }

    #[test]
    fn a_simulated_run_moves_with_virtual_time() {
        let s = RunStatus::default();
        s.start_virtual_schedule(Duration::from_secs(20));
        let mut op = Op::new(OpType::Ok, Process::Client(0), "read", Value::Nil);
        op.time = 7_500_000_000;
        s.recorded(&op);
        op.time = 2_000_000_000; // an earlier completion recorded late never moves it back
        s.recorded(&op);
        let snap = s.snapshot();
        assert_eq!(snap.elapsed, Duration::from_millis(7500));
        assert_eq!(snap.ok, 2);
        s.start_schedule(Duration::from_secs(20));
        assert!(s.snapshot().elapsed < Duration::from_secs(1));
    }
}
