//! A miniature of Maelstrom's broadcast workload on [`Cluster`]'s virtual clock, and the verdict of
//! Jepsen's set-full checker on what it saw, so that levels 3a–3e are judged in milliseconds.
//!
//! It follows Maelstrom where that matters to a verdict: `topology` (a grid) before any operation and
//! left out of the counts; broadcasts of 0, 1, 2, … and reads, about half each, at random gaps of
//! `[0, 2/rate)`; one client per node, each waiting for its reply before its next operation; no latency
//! between clients and nodes; partitions that drop messages on arrival; then a heal, 10 seconds of
//! quiet and one final read per node. Messages per operation count every node-to-node message sent
//! (dropped ones too) over every client operation, final reads included. Stable latency is set-full's:
//! from when a value was known (its `broadcast_ok`, or the first read showing it) to the last read that
//! began without it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use common::testing::{Cluster, NetStats, Op};
use common::Node;
use serde_json::{json, Value};

/// How long a client waits for a reply, as in Maelstrom.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// The quiet time between the final heal and the final reads.
const RECOVERY: Duration = Duration::from_secs(10);
/// The workload's clock step: operations and partitions happen on whole milliseconds.
const TICK: Duration = Duration::from_millis(1);

/// One run of the workload.
#[derive(Debug, Clone)]
pub struct Workload {
    pub node_count: usize,
    /// One-way latency of every node-to-node message.
    pub latency: Duration,
    /// Client operations per second, all clients together.
    pub rate: f64,
    /// Length of the main phase.
    pub time_limit: Duration,
    /// From each instant on, these groups cannot reach each other (`None`: healed).
    pub partitions: Vec<(Duration, Option<Vec<Vec<String>>>)>,
    pub seed: u64,
}

impl Workload {
    /// Maelstrom's flags for the levels: `node_count`, `rate` ops/s for `seconds`, with `latency_ms`.
    pub fn new(node_count: usize, rate: f64, seconds: u64, latency_ms: u64) -> Self {
        Workload {
            node_count,
            latency: Duration::from_millis(latency_ms),
            rate,
            time_limit: Duration::from_secs(seconds),
            partitions: Vec::new(),
            seed: 0x3b_ca57,
        }
    }

    /// Cuts the cluster into `groups` from `at` on (until the next entry).
    pub fn partition_at(mut self, at_ms: u64, groups: &[&[&str]]) -> Self {
        let groups = groups
            .iter()
            .map(|g| g.iter().map(|n| n.to_string()).collect())
            .collect();
        self.partitions
            .push((Duration::from_millis(at_ms), Some(groups)));
        self
    }

    /// Heals the network at `at`.
    pub fn heal_at(mut self, at_ms: u64) -> Self {
        self.partitions.push((Duration::from_millis(at_ms), None));
        self
    }

    /// Runs the workload against a fresh cluster of `N`.
    pub fn run<N: Node>(&self) -> Report {
        let mut cluster = Cluster::<N>::new(self.node_count).with_latency(self.latency);
        cluster.record(false);
        cluster.init();
        let mut run = Running::new(self, cluster);
        run.setup();
        run.main_phase();
        run.final_phase();
        run.judge()
    }
}

/// A Maelstrom-style grid: ⌈√n⌉ nodes a row, neighbours below, above, right, left.
pub fn grid(nodes: &[String]) -> Value {
    let n = nodes.len();
    let side = (1..=n).find(|s| s * s >= n).unwrap_or(1);
    let mut topology = serde_json::Map::new();
    for (i, node) in nodes.iter().enumerate() {
        let mut neighbours = Vec::new();
        if i + side < n {
            neighbours.push(nodes[i + side].clone());
        }
        if i >= side {
            neighbours.push(nodes[i - side].clone());
        }
        if i % side + 1 < side && i + 1 < n {
            neighbours.push(nodes[i + 1].clone());
        }
        if i % side > 0 {
            neighbours.push(nodes[i - 1].clone());
        }
        topology.insert(node.clone(), json!(neighbours));
    }
    Value::Object(topology)
}

/// A small deterministic generator (splitmix64), so that every run issues the same operations.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Call {
    Broadcast(u64),
    Read,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Invoke,
    Ok,
    Fail,
}

/// One history entry: an invocation or its completion.
#[derive(Debug, Clone)]
struct Entry {
    kind: Kind,
    time: Duration,
    call: Call,
    /// On an ok read: what it returned.
    read: Option<Vec<u64>>,
    /// The index of the invocation (its own index for an invocation).
    invocation: usize,
    /// Which node's client made it.
    node: usize,
}

struct Running<N: Node> {
    workload: Workload,
    cluster: Cluster<N>,
    rng: Rng,
    history: Vec<Entry>,
    /// Per node (one client each): the operation it waits on, with its invocation's index.
    busy: Vec<Option<(Op, usize)>>,
    topology_failures: Vec<String>,
    next_value: u64,
    final_reads: BTreeMap<String, Option<Vec<u64>>>,
    start: Duration,
}

impl<N: Node> Running<N> {
    fn new(workload: &Workload, cluster: Cluster<N>) -> Self {
        Running {
            rng: Rng(workload.seed),
            busy: vec![None; workload.node_count],
            workload: workload.clone(),
            cluster,
            history: Vec::new(),
            topology_failures: Vec::new(),
            next_value: 0,
            final_reads: BTreeMap::new(),
            start: Duration::ZERO,
        }
    }

    fn setup(&mut self) {
        let nodes = self.cluster.node_ids().to_vec();
        let topology = grid(&nodes);
        for node in &nodes {
            let reply = self
                .cluster
                .request(node, json!({ "type": "topology", "topology": topology }));
            if reply != expected_ok("topology_ok", &reply) {
                self.topology_failures.push(format!("{node}: {reply}"));
            }
        }
        // Maelstrom counts neither topology nor its replies as operations.
        self.cluster.reset_stats();
        self.start = self.cluster.now();
    }

    fn elapsed(&self) -> Duration {
        self.cluster.now() - self.start
    }

    fn main_phase(&mut self) {
        let mut partitions = self.workload.partitions.clone();
        partitions.sort_by_key(|(at, _)| *at);
        let mut partitions = partitions.into_iter().peekable();
        let max_gap_us = (2_000_000.0 / self.workload.rate) as u64;
        let mut next_op = Duration::ZERO;
        while self.elapsed() < self.workload.time_limit {
            while let Some((_, groups)) = partitions.next_if(|(at, _)| *at <= self.elapsed()) {
                self.apply(groups.as_deref());
            }
            // An operation goes to a free client as soon as it is due (later if none is free).
            if next_op <= self.elapsed() {
                let free: Vec<usize> = (0..self.busy.len())
                    .filter(|i| self.busy[*i].is_none())
                    .collect();
                if !free.is_empty() {
                    let node = free[self.rng.below(free.len() as u64) as usize];
                    let call = if self.rng.below(2) == 0 {
                        self.next_value += 1;
                        Call::Broadcast(self.next_value - 1)
                    } else {
                        Call::Read
                    };
                    self.invoke(node, call);
                    next_op =
                        self.elapsed() + Duration::from_micros(self.rng.below(max_gap_us.max(1)));
                }
            }
            self.cluster.advance(Duration::ZERO);
            self.collect();
            self.cluster.advance(TICK);
            self.collect();
        }
        // Like Jepsen, wait for operations still under way before the next phase.
        while self.busy.iter().any(Option::is_some) {
            self.cluster.advance(TICK);
            self.collect();
        }
    }

    fn final_phase(&mut self) {
        if !self.workload.partitions.is_empty() {
            self.apply(None);
        }
        self.cluster.advance(RECOVERY);
        let nodes = self.cluster.node_ids().to_vec();
        for (i, node) in nodes.iter().enumerate() {
            self.invoke(i, Call::Read);
            self.final_reads.insert(node.clone(), None);
        }
        self.cluster.advance(Duration::ZERO);
        self.collect();
        while self.busy.iter().any(Option::is_some) {
            self.cluster.advance(TICK);
            self.collect();
        }
        let finals = &self.history[self.history.len() - nodes.len() * 2..];
        for entry in finals {
            if entry.kind == Kind::Ok {
                self.final_reads
                    .insert(nodes[entry.node].clone(), entry.read.clone());
            }
        }
    }

    fn apply(&mut self, groups: Option<&[Vec<String>]>) {
        match groups {
            Some(groups) => {
                let refs: Vec<Vec<&str>> = groups
                    .iter()
                    .map(|g| g.iter().map(String::as_str).collect())
                    .collect();
                let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
                self.cluster.partition(&slices);
            }
            None => self.cluster.heal(),
        }
    }

    fn invoke(&mut self, node: usize, call: Call) {
        let body = match call {
            Call::Broadcast(value) => json!({ "type": "broadcast", "message": value }),
            Call::Read => json!({ "type": "read" }),
        };
        let node_id = self.cluster.node_ids()[node].clone();
        let op = self.cluster.send(&node_id, body);
        self.history.push(Entry {
            kind: Kind::Invoke,
            time: self.elapsed(),
            call,
            read: None,
            invocation: self.history.len(),
            node,
        });
        self.busy[node] = Some((op, self.history.len() - 1));
    }

    /// Records the completion of every operation whose reply has come, or whose time is up.
    fn collect(&mut self) {
        let now = self.elapsed();
        for slot in 0..self.busy.len() {
            let Some((op, invocation)) = self.busy[slot].clone() else {
                continue;
            };
            let invoked = &self.history[invocation];
            let call = invoked.call.clone();
            let reply = self.cluster.reply(&op).cloned();
            let (kind, read) = match (&call, reply) {
                (_, None) if now < invoked.time + CLIENT_TIMEOUT => continue,
                (_, None) => (Kind::Fail, None),
                (Call::Broadcast(_), Some(r)) if r == expected_ok("broadcast_ok", &r) => {
                    (Kind::Ok, None)
                }
                (Call::Read, Some(r)) => match read_values(&r) {
                    Some(values) => (Kind::Ok, Some(values)),
                    None => (Kind::Fail, None),
                },
                (_, Some(_)) => (Kind::Fail, None),
            };
            self.history.push(Entry {
                kind,
                time: now,
                call,
                read,
                invocation,
                node: slot,
            });
            self.busy[slot] = None;
        }
    }

    fn judge(self) -> Report {
        let mut report = Report {
            stats: self.cluster.stats(),
            topology_failures: self.topology_failures.clone(),
            ..Report::default()
        };
        // set-full, walking the history in order.
        let mut tracked: BTreeMap<u64, Element> = BTreeMap::new();
        for (index, entry) in self.history.iter().enumerate() {
            match (&entry.call, entry.kind) {
                (Call::Broadcast(v), Kind::Invoke) => {
                    report.broadcasts += 1;
                    tracked.insert(*v, Element::default());
                }
                (Call::Broadcast(v), Kind::Ok) => {
                    report.broadcasts_ok += 1;
                    let element = tracked.get_mut(v).expect("invoked before completed");
                    element.known.get_or_insert((index, entry.time));
                }
                (Call::Read, Kind::Invoke) => report.reads += 1,
                (Call::Read, Kind::Ok) => {
                    report.reads_ok += 1;
                    let values = entry.read.as_deref().unwrap_or_default();
                    let set: BTreeSet<u64> = values.iter().copied().collect();
                    if set.len() < values.len() {
                        report.reads_with_duplicates += 1;
                    }
                    let invocation = (entry.invocation, self.history[entry.invocation].time);
                    for (value, element) in tracked.iter_mut() {
                        let slot = if set.contains(value) {
                            element.known.get_or_insert((index, entry.time));
                            &mut element.last_present
                        } else {
                            &mut element.last_absent
                        };
                        if slot.is_none_or(|(i, _)| i < invocation.0) {
                            *slot = Some(invocation);
                        }
                    }
                }
                (_, Kind::Fail) => {}
            }
        }
        for (value, element) in &tracked {
            let index = |e: Option<(usize, Duration)>| e.map(|(i, _)| i as i64).unwrap_or(-1);
            let (present, absent) = (index(element.last_present), index(element.last_absent));
            if element.last_present.is_some() && absent < present {
                let known = element.known.map_or(Duration::ZERO, |(_, t)| t);
                let stable_at = element
                    .last_absent
                    .map_or(Duration::ZERO, |(_, t)| t + TICK);
                report
                    .stable_latencies
                    .push(stable_at.saturating_sub(known).as_millis() as u64);
                report.stable += 1;
            } else if let (Some(known), Some(_)) = (element.known, element.last_absent) {
                if present < absent && (known.0 as i64) < absent {
                    report.lost.push(*value);
                } else {
                    report.never_read.push(*value);
                }
            } else {
                report.never_read.push(*value);
            }
        }
        report.stable_latencies.sort_unstable();
        // Which acknowledged values each node's final read lacked.
        let acknowledged: BTreeSet<u64> = self
            .history
            .iter()
            .filter_map(|e| match (&e.call, e.kind) {
                (Call::Broadcast(v), Kind::Ok) => Some(*v),
                _ => None,
            })
            .collect();
        for (node, read) in &self.final_reads {
            match read {
                None => report
                    .final_missing
                    .push(format!("{node}: the final read got no read_ok")),
                Some(values) => {
                    let have: BTreeSet<u64> = values.iter().copied().collect();
                    let missing: Vec<u64> = acknowledged.difference(&have).copied().collect();
                    if !missing.is_empty() {
                        report.final_missing.push(format!(
                            "{node}: lacks {} of {} ({})",
                            missing.len(),
                            acknowledged.len(),
                            list(&missing)
                        ));
                    }
                }
            }
        }
        report
    }
}

/// What set-full tracks for one value: history positions and times of the ops its verdict rests on.
#[derive(Debug, Default)]
struct Element {
    known: Option<(usize, Duration)>,
    last_present: Option<(usize, Duration)>,
    last_absent: Option<(usize, Duration)>,
}

/// `{"type": kind}` plus the reply's own `msg_id`/`in_reply_to`: what a closed schema accepts.
fn expected_ok(kind: &str, reply: &Value) -> Value {
    let mut expected = json!({ "type": kind, "in_reply_to": reply["in_reply_to"] });
    if reply.get("msg_id").is_some_and(Value::is_u64) {
        expected["msg_id"] = reply["msg_id"].clone();
    }
    expected
}

/// The values of a well-formed `read_ok` (exactly `type`, `messages` and the RPC fields).
fn read_values(reply: &Value) -> Option<Vec<u64>> {
    let body = reply.as_object()?;
    if body.get("type")? != "read_ok" {
        return None;
    }
    let extra = body
        .keys()
        .any(|k| !["type", "messages", "msg_id", "in_reply_to"].contains(&k.as_str()));
    if extra {
        return None;
    }
    body.get("messages")?
        .as_array()?
        .iter()
        .map(Value::as_u64)
        .collect()
}

fn list(values: &[u64]) -> String {
    const SHOWN: usize = 8;
    let mut text: Vec<String> = values.iter().take(SHOWN).map(u64::to_string).collect();
    if values.len() > SHOWN {
        text.push("…".into());
    }
    text.join(", ")
}

/// What a run showed: the correctness facts a snapshot records, and the figures budgets judge.
#[derive(Debug, Default)]
pub struct Report {
    pub topology_failures: Vec<String>,
    pub broadcasts: usize,
    pub broadcasts_ok: usize,
    pub reads: usize,
    pub reads_ok: usize,
    pub reads_with_duplicates: usize,
    pub stable: usize,
    pub lost: Vec<u64>,
    pub never_read: Vec<u64>,
    pub final_missing: Vec<String>,
    /// Milliseconds, sorted.
    pub stable_latencies: Vec<u64>,
    pub stats: NetStats,
}

impl Report {
    /// Set-full's median: the sorted latency at index ⌊n/2⌋.
    pub fn median_latency_ms(&self) -> Option<u64> {
        let n = self.stable_latencies.len();
        self.stable_latencies.get(n / 2).copied()
    }

    pub fn max_latency_ms(&self) -> Option<u64> {
        self.stable_latencies.last().copied()
    }

    pub fn msgs_per_op(&self) -> f64 {
        self.stats.msgs_per_op()
    }

    /// The facts every correct node shares (whatever its design), one per line, for a snapshot.
    pub fn correctness(&self) -> String {
        let mut out = String::new();
        let yes_no = |ok: bool| if ok { "yes" } else { "NO" };
        let _ = writeln!(
            out,
            "topology answered with topology_ok by every node: {}",
            yes_no(self.topology_failures.is_empty())
        );
        for failure in self.topology_failures.iter().take(3) {
            let _ = writeln!(out, "  e.g. {failure}");
        }
        // Counts depend on how fast a node answers (a client waits for its reply), so a correct node
        // is summed up as "all".
        let share = |done: usize, all: usize| match (done, all) {
            (_, 0) => "none were made".to_string(),
            (d, a) if d == a => "all".to_string(),
            (d, a) => format!("{d} of {a}"),
        };
        let _ = writeln!(
            out,
            "broadcasts acknowledged: {}",
            share(self.broadcasts_ok, self.broadcasts)
        );
        let _ = writeln!(out, "reads answered: {}", share(self.reads_ok, self.reads));
        let _ = writeln!(
            out,
            "reads listing a value twice: {}",
            self.reads_with_duplicates
        );
        let _ = writeln!(
            out,
            "every acknowledged value in every node's final read: {}",
            yes_no(self.final_missing.is_empty())
        );
        const SHOWN: usize = 5;
        for missing in self.final_missing.iter().take(SHOWN) {
            let _ = writeln!(out, "  {missing}");
        }
        if self.final_missing.len() > SHOWN {
            let more = self.final_missing.len() - SHOWN;
            let _ = writeln!(out, "  … and {more} more nodes");
        }
        for (what, values) in [("lost", &self.lost), ("never read", &self.never_read)] {
            let _ = match values.len() {
                0 => writeln!(out, "values {what}: 0"),
                n => writeln!(out, "values {what}: {n} ({})", list(values)),
            };
        }
        out
    }

    /// Whether the figures meet a level's budget (strict limits, as the grader applies them).
    pub fn budget(&self, msgs_per_op: f64, median_ms: u64, max_ms: u64) -> String {
        let yes_no = |ok: bool| if ok { "yes" } else { "NO" };
        let median = self.median_latency_ms();
        let max = self.max_latency_ms();
        format!(
            "msgs-per-op below {msgs_per_op}: {}\nmedian stable latency below {median_ms} ms: {}\n\
             maximum stable latency below {max_ms} ms: {}\n",
            yes_no(self.msgs_per_op() < msgs_per_op),
            yes_no(median.is_some_and(|m| m < median_ms)),
            yes_no(max.is_some_and(|m| m < max_ms)),
        )
    }

    /// The figures themselves, for a human (they depend on the node's design, so never snapshotted).
    pub fn figures(&self) -> String {
        format!(
            "ops {}, server messages {} ({} dropped), msgs-per-op {:.2}, stable latency median {} ms, \
             max {} ms ({} stable values)",
            self.stats.ops,
            self.stats.server_msgs,
            self.stats.dropped,
            self.msgs_per_op(),
            self.median_latency_ms()
                .map_or("-".into(), |m| m.to_string()),
            self.max_latency_ms().map_or("-".into(), |m| m.to_string()),
            self.stable,
        )
    }
}
