//! The operation scheduler: Jepsen's generator interpreter, specialised to the generator
//! Maelstrom builds (spec §5).
//!
//! Main phase: `time-limit(T, nemesis + stagger(1/rate, workload))`. One global schedule for all
//! worker threads — the first op at once, each next one U[0, 2/rate) after the previous one was
//! issued, and only to a free thread. Thread i talks to node `i mod N`. The time limit counts from
//! the first op; the phase ends once every outstanding op has completed. With a final phase:
//! heal, 10 s of recovery, then the workload's final ops on every thread.
//!
//! An op that ends `:info` moves its thread to a new process (`+ concurrency`); a non-reusable
//! workload then gets a brand-new client (new client id) at that thread's next op.

use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::Rng;
use tokio::task::JoinSet;

use crate::history::{Op, OpType, Process};
use crate::live::{Phase, RunStatus};
use crate::value::Value;

use super::client::RpcClient;
use super::clock::Clock;
use super::diagnosis::Diagnoses;
use super::nemesis;
use super::net::Network;
use super::workload::{Completion, FinalStep, Invocation, Workload, WorkloadClient};

/// How long the final phase waits for the cluster to recover.
pub const RECOVERY: Duration = Duration::from_secs(10);

/// Jepsen's `stagger`: a single schedule whose gaps are uniform on `[0, max_gap)`.
#[derive(Debug, Clone)]
pub struct Stagger {
    max_gap: Duration,
    next: Option<Duration>,
}

impl Stagger {
    /// A schedule with mean gap `mean` (Jepsen draws on `[0, 2 × mean)`).
    pub fn new(mean: Duration) -> Stagger {
        Stagger {
            max_gap: mean * 2,
            next: None,
        }
    }

    /// When the next op is due; the first is due at once.
    pub fn due(&self, now: Duration) -> Duration {
        self.next.unwrap_or(now)
    }

    /// Records that an op was issued at `at`; the next is due a random gap later.
    pub fn issued(&mut self, at: Duration, rng: &mut impl Rng) {
        let gap = if self.max_gap.is_zero() {
            Duration::ZERO
        } else {
            Duration::from_nanos(rng.gen_range(0..self.max_gap.as_nanos() as u64))
        };
        self.next = Some(at + gap);
    }
}

/// The most history entries reserved up front (a few tens of megabytes).
const MAX_RESERVED_OPS: usize = 200_000;

/// What the scheduler needs to know about the test.
#[derive(Debug, Clone)]
pub struct Plan {
    pub nodes: Vec<String>,
    pub threads: usize,
    pub time_limit: Duration,
    /// Ops per second; 0 means an idle main phase.
    pub rate: f64,
    /// Mean gap between nemesis ops, when partitions are on.
    pub nemesis_interval: Option<Duration>,
    /// The wait before the final ops ([`RECOVERY`] in Maelstrom).
    pub recovery: Duration,
}

/// A worker thread's client.
#[derive(Debug)]
struct ThreadClient {
    process: u64,
    rpc: RpcClient,
    client: Box<dyn WorkloadClient>,
}

#[derive(Debug)]
struct Done {
    thread: usize,
    client: ThreadClient,
    op: Invocation,
    completion: Completion,
}

/// Runs the phases, recording the history.
#[derive(Debug)]
pub struct Interpreter {
    clock: Arc<dyn Clock>,
    net: Arc<Network>,
    diagnoses: Diagnoses,
    workload: Box<dyn Workload>,
    plan: Plan,
    rng: StdRng,
    /// The history's time origin.
    origin: Duration,
    processes: Vec<u64>,
    busy: Vec<bool>,
    clients: Vec<Option<ThreadClient>>,
    /// Jepsen hands ops to the first free thread at or after this index (nemesis included),
    /// moving it on after every op, so that work rotates through the threads.
    cursor: usize,
    tasks: JoinSet<Done>,
    history: Vec<Op>,
    invocations: u64,
    /// Where a progress display reads the phase and the counts.
    status: Option<Arc<RunStatus>>,
}

impl Interpreter {
    pub fn new(
        net: Arc<Network>,
        diagnoses: Diagnoses,
        workload: Box<dyn Workload>,
        plan: Plan,
        rng: StdRng,
        origin: Duration,
    ) -> Interpreter {
        let threads = plan.threads;
        // Room for the history the plan asks for (an invocation and a completion per op), up to
        // a bound: grown by doubling, a 6c history of 40,000 ops was copied and its pages
        // faulted in again at every step.
        let expected = 2.0 * plan.rate * plan.time_limit.as_secs_f64();
        let history = Vec::with_capacity((expected as usize).min(MAX_RESERVED_OPS));
        Interpreter {
            clock: net.clock().clone(),
            net,
            diagnoses,
            workload,
            rng,
            origin,
            processes: (0..threads as u64).collect(),
            busy: vec![false; threads],
            clients: (0..threads).map(|_| None).collect(),
            cursor: 0,
            tasks: JoinSet::new(),
            history,
            invocations: 0,
            status: None,
            plan,
        }
    }

    /// Reports the phase and the completions to `status` as the run goes.
    pub fn observe(&mut self, status: Arc<RunStatus>) {
        self.status = Some(status);
    }

    fn phase(&self, phase: Phase) {
        if let Some(s) = &self.status {
            s.set_phase(phase);
        }
    }

    /// The history so far (complete once [`Interpreter::run`] has returned).
    pub fn history(&self) -> &[Op] {
        &self.history
    }

    /// The history, taken out of a finished interpreter without copying it (a simulated 6a
    /// spent 5% of its time cloning a history it then dropped).
    pub fn into_history(self) -> Vec<Op> {
        self.history
    }

    /// The number of client invocations so far (the `:net` checker's op count).
    pub fn invocations(&self) -> u64 {
        self.invocations
    }

    /// Runs the main phase and, if the workload has one, the final phase.
    pub async fn run(&mut self) {
        self.main_phase().await;
        if self.workload.has_final_phase() {
            self.final_phase().await;
        }
        for tc in self.clients.iter_mut().filter_map(Option::take) {
            tc.rpc.close();
        }
    }

    async fn main_phase(&mut self) {
        let t0 = self.clock.now();
        let cutoff = t0 + self.plan.time_limit;
        let active = self.plan.rate > 0.0 && self.plan.threads > 0;
        let mut clients =
            active.then(|| Stagger::new(Duration::from_secs_f64(1.0 / self.plan.rate)));
        // With --rate 0 the main phase is one sleep op: an idle cluster until the cutoff.
        let idle_until = (!active).then_some(cutoff);
        let mut nemesis = self.plan.nemesis_interval.map(Stagger::new);
        let mut start_next = true;
        loop {
            let now = self.clock.now();
            if let Some(schedule) = nemesis.as_mut() {
                let due = schedule.due(now);
                // Like any op, a nemesis op due at or after the cutoff is never issued.
                if due.max(now) >= cutoff {
                    nemesis = None;
                    continue;
                }
                if due <= now {
                    if start_next {
                        self.start_partition();
                    } else {
                        self.stop_partition();
                    }
                    start_next = !start_next;
                    self.advance_cursor();
                    schedule.issued(now, &mut self.rng);
                    continue;
                }
            }
            if let Some(schedule) = clients.as_mut() {
                let due = schedule.due(now);
                if due.max(now) >= cutoff {
                    clients = None;
                    continue;
                }
                if due <= now {
                    if let Some(thread) = self.free_thread() {
                        let at = now.saturating_sub(self.origin);
                        match self.workload.generate(thread, at, &mut self.rng) {
                            Some(op) => {
                                self.dispatch(thread, op);
                                schedule.issued(now, &mut self.rng);
                            }
                            None => clients = None,
                        }
                        continue;
                    }
                }
            }
            let idle = idle_until.is_some_and(|t| now < t);
            if clients.is_none() && nemesis.is_none() && !idle && self.tasks.is_empty() {
                return;
            }
            let mut wake = now + Duration::from_secs(3600);
            if let Some(s) = &clients {
                if self.free_thread().is_some() {
                    wake = wake.min(s.due(now));
                }
            }
            if let Some(s) = &nemesis {
                wake = wake.min(s.due(now));
            }
            if let Some(t) = idle_until.filter(|_| idle) {
                wake = wake.min(t);
            }
            self.wait(wake).await;
        }
    }

    async fn final_phase(&mut self) {
        if self.plan.nemesis_interval.is_some() {
            self.stop_partition();
        }
        self.phase(Phase::Recovery);
        let until = self.clock.now() + self.plan.recovery;
        self.clock.sleep_until(until).await;
        self.phase(Phase::FinalReads);
        let cap = self
            .workload
            .final_time_limit()
            .map(|limit| self.clock.now() + limit);
        // Per thread: done, or the time before which it is not asked again.
        let mut done = vec![false; self.plan.threads];
        let mut not_before = vec![Duration::ZERO; self.plan.threads];
        loop {
            let now = self.clock.now();
            if cap.is_some_and(|c| now >= c) {
                done.fill(true);
            }
            let mut dispatched = false;
            for thread in 0..self.plan.threads {
                if self.busy[thread] || done[thread] || not_before[thread] > now {
                    continue;
                }
                let at = now.saturating_sub(self.origin);
                match self.workload.final_step(thread, at, &mut self.rng) {
                    FinalStep::Op(op) => {
                        self.dispatch(thread, op);
                        dispatched = true;
                    }
                    FinalStep::Wait(d) => not_before[thread] = now + d,
                    FinalStep::Done => done[thread] = true,
                }
            }
            if dispatched {
                continue;
            }
            if done.iter().all(|d| *d) && self.tasks.is_empty() {
                return;
            }
            let mut wake = now + Duration::from_secs(3600);
            for thread in 0..self.plan.threads {
                if !done[thread] && !self.busy[thread] {
                    wake = wake.min(not_before[thread]);
                }
            }
            if let Some(c) = cap {
                wake = wake.min(c);
            }
            self.wait(wake).await;
        }
    }

    /// Waits for a completion or until `wake`.
    async fn wait(&mut self, wake: Duration) {
        let sleep = self.clock.sleep_until(wake);
        tokio::select! {
            biased;
            Some(joined) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                // A task only fails by panicking, a harness bug; its thread stays busy.
                if let Ok(done) = joined {
                    self.complete(done);
                }
            }
            _ = sleep => {}
        }
    }

    fn free_thread(&self) -> Option<usize> {
        let slots = self.plan.threads + 1;
        (0..slots)
            .map(|k| (self.cursor + k) % slots)
            .find(|&i| i < self.plan.threads && !self.busy[i])
    }

    fn advance_cursor(&mut self) {
        self.cursor = (self.cursor + 1) % (self.plan.threads + 1);
    }

    fn time(&self) -> u64 {
        self.clock.now().saturating_sub(self.origin).as_nanos() as u64
    }

    fn record(&mut self, mut op: Op) {
        op.time = self.time();
        op.index = self.history.len();
        if let Some(s) = &self.status {
            s.recorded(&op);
        }
        self.history.push(op);
    }

    fn dispatch(&mut self, thread: usize, op: Invocation) {
        let process = self.processes[thread];
        let reusable = self.workload.reusable();
        let client = match self.clients[thread].take() {
            Some(tc) if tc.process == process || reusable => tc,
            other => {
                if let Some(old) = other {
                    old.rpc.close();
                }
                ThreadClient {
                    process,
                    rpc: RpcClient::open(&self.net, &self.diagnoses),
                    client: self.workload.client(),
                }
            }
        };
        let mut invoke = Op::new(
            OpType::Invoke,
            Process::Client(process),
            op.f,
            op.value.clone(),
        );
        invoke.final_read = op.final_read;
        invoke.extra = op.extra.clone();
        self.record(invoke);
        self.invocations += 1;
        self.busy[thread] = true;
        self.advance_cursor();
        let node = self.plan.nodes[thread % self.plan.nodes.len()].clone();
        self.tasks.spawn(async move {
            let mut client = client;
            let completion = client.client.invoke(&mut client.rpc, &node, &op).await;
            Done {
                thread,
                client,
                op,
                completion,
            }
        });
    }

    fn complete(&mut self, done: Done) {
        let Done {
            thread,
            client,
            op,
            completion,
        } = done;
        let process = self.processes[thread];
        let mut entry = Op::new(
            completion.kind,
            Process::Client(process),
            op.f,
            completion.value.clone(),
        );
        entry.error = completion.error.clone();
        entry.final_read = op.final_read;
        // Jepsen's clients complete an op by `assoc`ing onto the invocation: its keys stay.
        entry.extra = op.extra.clone();
        entry.extra.extend(completion.extra.iter().cloned());
        self.record(entry);
        self.workload.observe(thread, &op, &completion);
        if completion.kind == OpType::Info {
            self.processes[thread] += self.plan.threads as u64;
        }
        self.clients[thread] = Some(client);
        self.busy[thread] = false;
    }

    fn start_partition(&mut self) {
        let spec = nemesis::random_spec(&mut self.rng);
        let invoke = Op::new(
            OpType::Info,
            Process::Nemesis,
            "start-partition",
            Value::keyword(spec.keyword()),
        );
        self.record(invoke);
        let grudge = spec.grudge(&self.plan.nodes, &mut self.rng);
        nemesis::apply(&self.net, &grudge);
        let done = Op::new(
            OpType::Info,
            Process::Nemesis,
            "start-partition",
            nemesis::isolated_value(&grudge),
        );
        self.record(done);
    }

    fn stop_partition(&mut self) {
        let invoke = Op::new(OpType::Info, Process::Nemesis, "stop-partition", Value::Nil);
        self.record(invoke);
        self.net.heal();
        let done = Op::new(
            OpType::Info,
            Process::Nemesis,
            "stop-partition",
            Value::keyword("network-healed"),
        );
        self.record(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::clock::WallClock;
    use crate::builtin::net::{Delivery, Latency};
    use crate::options::TestOptions;
    use rand::SeedableRng;
    use serde_json::json;

    #[test]
    fn stagger_first_op_at_once_then_mean_gap() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut s = Stagger::new(Duration::from_millis(10));
        let now = Duration::from_secs(3);
        assert_eq!(s.due(now), now);
        let mut t = now;
        let mut gaps = Vec::new();
        for _ in 0..10_000 {
            s.issued(t, &mut rng);
            let next = s.due(t);
            let gap = next - t;
            assert!(gap < Duration::from_millis(20));
            gaps.push(gap.as_secs_f64());
            t = next;
        }
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        assert!((mean - 0.010).abs() < 0.0005, "{mean}");
        // A late issue restarts the schedule from the issue time.
        s.issued(Duration::from_secs(100), &mut rng);
        assert!(s.due(Duration::ZERO) >= Duration::from_secs(100));
    }

    /// An in-process echo node that answers every request at once.
    fn spawn_echo_node(net: Arc<Network>, node: &'static str) {
        net.add_endpoint(node);
        tokio::spawn(async move {
            loop {
                let far = net.clock().now() + Duration::from_secs(1);
                match net.recv(node, far).await {
                    Delivery::Message(m) => {
                        let mut body = m.body.clone();
                        body["type"] = json!("echo_ok");
                        body["in_reply_to"] = body["msg_id"].clone();
                        body.as_object_mut().unwrap().remove("msg_id");
                        net.send(node, &m.src, body).unwrap();
                    }
                    Delivery::Nothing => {}
                    Delivery::Gone => return,
                }
            }
        });
    }

    /// A wall clock and a network with no latency, seeded: the setup every test here shares.
    fn instant_network() -> (Arc<dyn Clock>, Arc<Network>) {
        let clock: Arc<dyn Clock> = Arc::new(WallClock::start());
        let net = Arc::new(Network::new(
            clock.clone(),
            Latency::Constant(0),
            StdRng::seed_from_u64(1),
            None,
        ));
        (clock, net)
    }

    #[tokio::test]
    async fn echo_against_an_in_process_node() {
        let (clock, net) = instant_network();
        spawn_echo_node(net.clone(), "n0");
        let opts = TestOptions::parse(&["-w", "echo", "--node-count", "1"]).unwrap();
        let workload = crate::builtin::workload::for_options(&opts).unwrap();
        // Two setup-less clients were taken before: worker ids must continue the counter.
        let _ = net.open_client();
        let plan = Plan {
            nodes: vec!["n0".into()],
            threads: 2,
            time_limit: Duration::from_millis(500),
            rate: 100.0,
            nemesis_interval: None,
            recovery: RECOVERY,
        };
        let d = Diagnoses::default();
        let mut it = Interpreter::new(
            net.clone(),
            d.clone(),
            workload,
            plan,
            StdRng::seed_from_u64(2),
            clock.now(),
        );
        it.run().await;
        let h = crate::history::History::new(it.history().to_vec());
        let pairs = h.pairs();
        // ~50 ops in 0.5 s at rate 100.
        assert!((15..=90).contains(&pairs.len()), "{}", pairs.len());
        for (inv, done) in &pairs {
            let done = done.expect("every op completes");
            assert_eq!(done.kind, OpType::Ok);
            assert_eq!(done.value.get("echo"), Some(&inv.value));
        }
        assert_eq!(it.invocations(), pairs.len() as u64);
        // Both threads were used, and the worker clients are c1 and c2.
        let processes: std::collections::BTreeSet<_> = h.ops.iter().map(|o| o.process).collect();
        assert_eq!(processes.len(), 2);
        assert_eq!(net.open_client(), "c3");
        assert!(d.checks().is_empty());
    }

    #[tokio::test]
    async fn rate_zero_is_idle_while_the_nemesis_alternates() {
        let (clock, net) = instant_network();
        let nodes: Vec<String> = (0..3).map(|i| format!("n{i}")).collect();
        for n in &nodes {
            net.add_endpoint(n);
        }
        let opts = TestOptions::parse(&["-w", "echo", "--node-count", "3"]).unwrap();
        let workload = crate::builtin::workload::for_options(&opts).unwrap();
        let plan = Plan {
            nodes,
            threads: 3,
            time_limit: Duration::from_millis(600),
            rate: 0.0,
            nemesis_interval: Some(Duration::from_millis(50)),
            recovery: RECOVERY,
        };
        let started = clock.now();
        let mut it = Interpreter::new(
            net,
            Diagnoses::default(),
            workload,
            plan,
            StdRng::seed_from_u64(9),
            started,
        );
        it.run().await;
        let took = clock.now() - started;
        assert!(took >= Duration::from_millis(600), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
        let h = it.history();
        assert!(h
            .iter()
            .all(|o| o.process == Process::Nemesis && o.kind == OpType::Info));
        // Invocation and completion entries, starting with a partition at once.
        assert!(h.len() >= 8, "{}", h.len());
        assert_eq!(h[0].f, "start-partition");
        assert!(h[0].time < 5_000_000, "{}", h[0].time);
        assert_eq!(
            h[1].value.as_slice().unwrap()[0],
            Value::keyword("isolated")
        );
        for (k, pair) in h.chunks(2).enumerate() {
            let f = if k % 2 == 0 {
                "start-partition"
            } else {
                "stop-partition"
            };
            assert!(pair.iter().all(|o| o.f == f), "{pair:?}");
        }
        // Echo has no final phase, so there is no final heal.
        assert_eq!(it.invocations(), 0);
    }

    /// Echo with a kafka-like final phase: wait, then poll forever, capped.
    #[derive(Debug)]
    struct PatientEcho {
        asked: Vec<u32>,
    }

    impl Workload for PatientEcho {
        fn reusable(&self) -> bool {
            false
        }
        fn generate(&mut self, _: usize, _: Duration, _: &mut StdRng) -> Option<Invocation> {
            None
        }
        fn has_final_phase(&self) -> bool {
            true
        }
        fn final_step(&mut self, thread: usize, _: Duration, _: &mut StdRng) -> FinalStep {
            self.asked[thread] += 1;
            match (thread, self.asked[thread]) {
                // Thread 0: one op after a wait, then done.
                (0, 1) => FinalStep::Wait(Duration::from_millis(100)),
                (0, 2) => FinalStep::Op(Invocation::new("echo", Value::Str("late".into()))),
                (0, _) => FinalStep::Done,
                // Thread 1: an op every 20 ms, forever; only the cap ends it.
                (_, k) if k % 2 == 1 => FinalStep::Wait(Duration::from_millis(20)),
                _ => FinalStep::Op(Invocation::new("echo", Value::Str("poll".into()))),
            }
        }
        fn final_time_limit(&self) -> Option<Duration> {
            Some(Duration::from_millis(300))
        }
        fn client(&self) -> Box<dyn WorkloadClient> {
            let opts = TestOptions::parse(&["-w", "echo"]).unwrap();
            crate::builtin::workload::for_options(&opts)
                .unwrap()
                .client()
        }
    }

    #[tokio::test]
    async fn final_phase_waits_and_stops_at_its_cap() {
        let (clock, net) = instant_network();
        spawn_echo_node(net.clone(), "n0");
        let plan = Plan {
            nodes: vec!["n0".into()],
            threads: 2,
            time_limit: Duration::from_millis(100),
            rate: 10.0,
            nemesis_interval: Some(Duration::from_secs(100)),
            recovery: Duration::from_millis(50),
        };
        let started = clock.now();
        let mut it = Interpreter::new(
            net,
            Diagnoses::default(),
            Box::new(PatientEcho { asked: vec![0, 0] }),
            plan,
            StdRng::seed_from_u64(2),
            started,
        );
        it.run().await;
        let took = clock.now() - started;
        // No main-phase ops (the generator is exhausted at once, which ends the phase before its
        // time limit, as in Jepsen), 50 ms of recovery, then the 300 ms cap.
        assert!(took >= Duration::from_millis(350), "{took:?}");
        assert!(took < Duration::from_millis(1500), "{took:?}");
        let h = it.history();
        // The nemesis: a partition at once, then the final heal.
        let nemesis: Vec<&str> = h
            .iter()
            .filter(|o| o.process == Process::Nemesis)
            .map(|o| o.f.as_str())
            .collect();
        assert_eq!(
            nemesis,
            [
                "start-partition",
                "start-partition",
                "stop-partition",
                "stop-partition"
            ]
        );
        let hist = crate::history::History::new(h.to_vec());
        let late: Vec<_> = hist
            .pairs()
            .into_iter()
            .filter(|(i, _)| i.value == Value::Str("late".into()))
            .collect();
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].1.map(|c| c.kind), Some(OpType::Ok));
        // It waited 100 ms into the final phase (which began 50 ms after the start).
        assert!(late[0].0.time >= 150_000_000, "{}", late[0].0.time);
        let polls = h
            .iter()
            .filter(|o| o.kind == OpType::Invoke && o.value == Value::Str("poll".into()))
            .count();
        // Every 20 ms for 300 ms: about 15.
        assert!((5..=16).contains(&polls), "{polls}");
    }
}
