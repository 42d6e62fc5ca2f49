//! Runs nodes in-process on a virtual clock, for fast, deterministic tests and `insta` snapshots.
//!
//! A [`Cluster`] holds N [`Driver`]s of one node type (ids `n0`, `n1`, …), Maelstrom-style clients
//! (`c0`, `c1`, …) and in-memory `lin-kv`, `seq-kv`, `lww-kv` and `lin-tso` services (`seq-kv`
//! linearizable, or deliberately stale with [`SeqKv::Stale`]). Messages between nodes and to services
//! take a constant virtual latency (zero by default); messages to and from clients take none, as in
//! Maelstrom. Time only moves when the test moves it ([`Cluster::advance`]) or waits for a reply
//! ([`Cluster::request`]), so timers and RPC timeouts fire at exact, repeatable instants.
//!
//! Every delivered message is written to a transcript, one line each:
//!
//! ```text
//!     0ms c1 -> n0 {"type":"echo","echo":"hello","msg_id":1}
//!     0ms n0 -> c1 {"type":"echo_ok","echo":"hello","in_reply_to":1,"msg_id":2}
//! ```
//!
//! Bodies are printed with `type` first and every other key sorted, so the text only changes when the
//! messages do.
//!
//! The challenges' tests compare such text with the course's snapshots through
//! [`assert_course_snapshot!`](crate::assert_course_snapshot) (read-only in a learner's crate, with a
//! message that says what to change), and run the real executable once through
//! [`assert_stdout_is_the_wire!`](crate::assert_stdout_is_the_wire), which the cluster cannot do.

#[doc(hidden)]
pub mod course_snapshot;
mod services;
#[doc(hidden)]
pub mod stdout_check;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};

use crate::{Driver, Kv, Node};
pub use services::SeqKv;
use services::{is_service, Services};

/// How long [`Cluster::request`] waits for a reply by default: Maelstrom's client timeout.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`Cluster::init`] waits for every `init_ok`: Maelstrom's init timeout.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// A request sent with [`Cluster::send`], to look up its reply later.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Op {
    pub client: String,
    pub msg_id: u64,
}

/// Message counts, as Maelstrom's net checker counts them (messages sent, including dropped ones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Messages with a client at either end (`init`, requests, replies).
    pub client_msgs: u64,
    /// Every other message: node to node, node to itself, node to service and back.
    pub server_msgs: u64,
    /// Messages a partition dropped.
    pub dropped: u64,
    /// Client requests sent with [`Cluster::send`] or [`Cluster::request`] (not `init`).
    pub ops: u64,
}

impl NetStats {
    /// Server messages per client operation: the figure levels 3d/3e and 5c limit.
    pub fn msgs_per_op(&self) -> f64 {
        if self.ops == 0 {
            0.0
        } else {
            self.server_msgs as f64 / self.ops as f64
        }
    }
}

#[derive(Debug)]
struct Envelope {
    src: String,
    dest: String,
    body: Value,
}

#[derive(Debug, Default)]
struct Client {
    next_msg_id: u64,
    replies: HashMap<u64, Value>,
}

/// N nodes of type `N`, their clients and services, on one virtual clock.
pub struct Cluster<N: Node> {
    now: Duration,
    latency: Duration,
    client_timeout: Duration,
    node_ids: Vec<String>,
    drivers: Vec<Driver<N>>,
    /// In-flight messages by delivery time, then send order.
    in_flight: BTreeMap<(Duration, u64), Envelope>,
    next_seq: u64,
    services: Services,
    clients: BTreeMap<String, Client>,
    /// `(dest, src)` pairs whose messages are dropped.
    cuts: HashSet<(String, String)>,
    transcript: String,
    recording: bool,
    stats: NetStats,
}

impl<N: Node> std::fmt::Debug for Cluster<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("now", &self.now)
            .field("latency", &self.latency)
            .field("node_ids", &self.node_ids)
            .field("in_flight", &self.in_flight.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<N: Node> Cluster<N> {
    /// `node_count` nodes named `n0…`, not yet initialized, with zero latency.
    pub fn new(node_count: usize) -> Self {
        Cluster {
            now: Duration::ZERO,
            latency: Duration::ZERO,
            client_timeout: DEFAULT_CLIENT_TIMEOUT,
            node_ids: (0..node_count).map(|i| format!("n{i}")).collect(),
            // A fixed seed per node: a node that draws from `ctx.rng()` behaves the same every
            // time the test runs.
            drivers: (0..node_count as u64).map(Driver::with_seed).collect(),
            in_flight: BTreeMap::new(),
            next_seq: 0,
            services: Services::new(SeqKv::Linearizable),
            clients: BTreeMap::new(),
            cuts: HashSet::new(),
            transcript: String::new(),
            recording: true,
            stats: NetStats::default(),
        }
    }

    /// `node_count` nodes, initialized.
    pub fn start(node_count: usize) -> Self {
        let mut cluster = Self::new(node_count);
        cluster.init();
        cluster
    }

    /// Sets the one-way latency of every message that does not involve a client.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Chooses how `seq-kv` answers (linearizable by default); call before any traffic.
    pub fn with_seq_kv(mut self, mode: SeqKv) -> Self {
        self.services = Services::new(mode);
        self
    }

    /// Sets how long [`request`](Cluster::request) waits for a reply.
    pub fn with_client_timeout(mut self, timeout: Duration) -> Self {
        self.client_timeout = timeout;
        self
    }

    /// Sends every node its `init` (from clients `c0…`, as Maelstrom does, all at once) and runs until
    /// each has answered or 10 s have passed. Failures show in the transcript.
    pub fn init(&mut self) {
        let node_ids = self.node_ids.clone();
        let mut ops = Vec::new();
        for (i, node_id) in node_ids.iter().enumerate() {
            let body = json!({ "type": "init", "node_id": node_id, "node_ids": node_ids });
            ops.push(self.send_from(&format!("c{i}"), node_id, body));
        }
        let deadline = self.now + INIT_TIMEOUT;
        self.run_while(deadline, |cluster| {
            ops.iter().any(|op| cluster.reply(op).is_none())
        });
    }

    pub fn node_ids(&self) -> &[String] {
        &self.node_ids
    }

    /// The virtual time.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// A node's state, to assert on it directly.
    pub fn node(&self, id: &str) -> Option<&N> {
        let index = self.node_index(id)?;
        self.drivers[index].node()
    }

    /// Sends a client request to `node` and waits (in virtual time, at most the client timeout) for its
    /// reply. Returns the reply body, or `Value::Null` if none came (noted in the transcript).
    pub fn request(&mut self, node: &str, body: Value) -> Value {
        let op = self.send(node, body);
        let deadline = self.now + self.client_timeout;
        self.run_while(deadline, |cluster| cluster.reply(&op).is_none());
        match self.reply(&op) {
            Some(reply) => reply.clone(),
            None => {
                self.now = deadline;
                self.note(&format!(
                    "{} got no reply to msg_id {}",
                    op.client, op.msg_id
                ));
                Value::Null
            }
        }
    }

    /// Sends a client request to `node` without waiting; see [`reply`](Cluster::reply). Each node has its
    /// own client, `c{node_count + index}`, whose `msg_id`s count from 1.
    pub fn send(&mut self, node: &str, body: Value) -> Op {
        let index = self.node_index(node).unwrap_or(0);
        let client = format!("c{}", self.node_ids.len() + index);
        self.stats.ops += 1;
        self.send_from(&client, node, body)
    }

    /// The reply a client has received to `op`, if any yet.
    pub fn reply(&self, op: &Op) -> Option<&Value> {
        self.clients.get(&op.client)?.replies.get(&op.msg_id)
    }

    /// Puts an arbitrary message on the wire, as if `src` had sent it (e.g. a peer's message to a node
    /// that has not been initialized yet). It is delivered after the usual latency.
    pub fn inject(&mut self, src: &str, dest: &str, body: Value) {
        self.enqueue(src.to_string(), dest.to_string(), body);
    }

    /// Runs the cluster for `by` of virtual time: delivers messages and fires timers in time order.
    pub fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        self.run_while(until, |_| true);
        self.now = until;
    }

    /// Splits the nodes into groups that cannot reach each other (messages are dropped when they
    /// arrive, as in Maelstrom). A node in no group is cut off from everyone. Replaces any earlier
    /// partition; clients and services are never partitioned.
    pub fn partition(&mut self, groups: &[&[&str]]) {
        self.cuts.clear();
        let group_of = |id: &str| groups.iter().position(|group| group.contains(&id));
        for a in &self.node_ids {
            for b in &self.node_ids {
                let apart = match (group_of(a), group_of(b)) {
                    (Some(x), Some(y)) => x != y,
                    _ => a != b,
                };
                if apart {
                    self.cuts.insert((a.clone(), b.clone()));
                }
            }
        }
        let described: Vec<String> = groups
            .iter()
            .map(|g| format!("[{}]", g.join(" ")))
            .collect();
        self.note(&format!("partition {}", described.join(" ")));
    }

    /// Ends any partition.
    pub fn heal(&mut self) {
        self.cuts.clear();
        self.note("heal");
    }

    /// A key's current value in one of the key-value services.
    pub fn kv_value(&self, kv: Kv, key: impl Serialize) -> Option<Value> {
        let key = serde_json::to_value(key).ok()?;
        self.services.value(kv, &key).cloned()
    }

    /// Sets a key in one of the key-value services, as if someone had written it.
    pub fn kv_set(&mut self, kv: Kv, key: impl Serialize, value: impl Serialize) {
        let key = serde_json::to_value(key).unwrap_or(Value::Null);
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.services.set(kv, &key, value);
    }

    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// Zeroes the message and operation counts, e.g. after setup messages such as `topology`, which
    /// Maelstrom does not count as operations.
    pub fn reset_stats(&mut self) {
        self.stats = NetStats::default();
    }

    /// Everything delivered so far, one message per line.
    pub fn transcript(&self) -> &str {
        &self.transcript
    }

    /// Returns the transcript so far and starts a new one (to snapshot one phase of a test at a time).
    pub fn take_transcript(&mut self) -> String {
        std::mem::take(&mut self.transcript)
    }

    /// Turns transcript recording on or off (long gossip runs are better summarized than printed).
    pub fn record(&mut self, on: bool) {
        self.recording = on;
    }

    /// Adds a line of commentary to the transcript, stamped with the current time.
    pub fn note(&mut self, text: &str) {
        if self.recording {
            let _ = writeln!(self.transcript, "{:>5}ms -- {text}", self.now.as_millis());
        }
    }

    // ---- the event loop ----

    fn node_index(&self, id: &str) -> Option<usize> {
        self.node_ids.iter().position(|n| n == id)
    }

    fn send_from(&mut self, client: &str, node: &str, mut body: Value) -> Op {
        let state = self.clients.entry(client.to_string()).or_default();
        state.next_msg_id += 1;
        let msg_id = state.next_msg_id;
        if let Value::Object(map) = &mut body {
            map.insert("msg_id".into(), msg_id.into());
        }
        self.enqueue(client.to_string(), node.to_string(), body);
        Op {
            client: client.to_string(),
            msg_id,
        }
    }

    fn enqueue(&mut self, src: String, dest: String, body: Value) {
        let involves_client = is_client(&src) || is_client(&dest);
        if involves_client {
            self.stats.client_msgs += 1;
        } else {
            self.stats.server_msgs += 1;
        }
        let latency = if involves_client {
            Duration::ZERO
        } else {
            self.latency
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.in_flight
            .insert((self.now + latency, seq), Envelope { src, dest, body });
    }

    /// Processes events in time order while `keep_going` holds and the next event is due by `until`.
    fn run_while(&mut self, until: Duration, keep_going: impl Fn(&Self) -> bool) {
        while keep_going(self) {
            let next_message = self.in_flight.keys().next().map(|(at, _)| *at);
            let next_timer = (0..self.drivers.len())
                .filter_map(|i| self.drivers[i].next_deadline().map(|at| (at, i)))
                .min();
            match (next_message, next_timer) {
                (Some(at), timer) if at <= until && timer.is_none_or(|(t, _)| at <= t) => {
                    self.now = self.now.max(at);
                    let (_, envelope) = self.in_flight.pop_first().expect("peeked above");
                    self.deliver(envelope);
                }
                (_, Some((at, index))) if at <= until => {
                    self.now = self.now.max(at);
                    let output = self.drivers[index].tick(self.now);
                    self.route(index, output);
                }
                _ => return,
            }
        }
    }

    fn deliver(&mut self, envelope: Envelope) {
        let Envelope { src, dest, body } = envelope;
        if self.cuts.contains(&(dest.clone(), src.clone())) {
            self.stats.dropped += 1;
            self.log(&src, &dest, "DROPPED ", &body);
            return;
        }
        if let Some(index) = self.node_index(&dest) {
            self.log(&src, &dest, "", &body);
            let line = json!({ "src": src, "dest": dest, "body": body }).to_string();
            let output = self.drivers[index].receive(&line, self.now);
            self.route(index, output);
        } else if is_service(&dest) {
            self.log(&src, &dest, "", &body);
            let reply = body
                .as_object()
                .and_then(|request| self.services.handle(&dest, &src, request));
            if let Some(reply) = reply {
                self.enqueue(dest, src, reply);
            }
        } else if let (true, Some(client)) = (is_client(&dest), self.clients.get_mut(&dest)) {
            if let Some(id) = body.get("in_reply_to").and_then(Value::as_u64) {
                client.replies.entry(id).or_insert_with(|| body.clone());
            }
            self.log(&src, &dest, "", &body);
        } else {
            self.log(&src, &dest, "UNDELIVERABLE ", &body);
        }
    }

    /// Puts a node's output lines on the wire.
    fn route(&mut self, from: usize, lines: Vec<String>) {
        for line in lines {
            match serde_json::from_str::<Value>(&line) {
                Ok(Value::Object(mut msg)) => {
                    let src = msg
                        .remove("src")
                        .and_then(|v| v.as_str().map(str::to_owned));
                    let dest = msg
                        .remove("dest")
                        .and_then(|v| v.as_str().map(str::to_owned));
                    let body = msg.remove("body").unwrap_or(Value::Null);
                    match (src, dest) {
                        (Some(src), Some(dest)) => self.enqueue(src, dest, body),
                        _ => self.note(&format!(
                            "{} wrote a malformed message: {line}",
                            self.node_ids[from]
                        )),
                    }
                }
                _ => self.note(&format!(
                    "{} wrote a line that is not a message: {line}",
                    self.node_ids[from]
                )),
            }
        }
    }

    fn log(&mut self, src: &str, dest: &str, tag: &str, body: &Value) {
        if self.recording {
            let at = self.now.as_millis();
            let _ = writeln!(
                self.transcript,
                "{at:>5}ms {src} -> {dest} {tag}{}",
                canonical_body(body)
            );
        }
    }
}

/// Maelstrom's rule: any id starting with `c` is a client.
fn is_client(id: &str) -> bool {
    id.starts_with('c')
}

/// Compact JSON with `type` first and every other key sorted, whatever the map's own order.
pub fn canonical_body(body: &Value) -> String {
    let mut out = String::new();
    match body {
        Value::Object(map) => {
            out.push('{');
            let mut first = true;
            if let Some(kind) = map.get("type") {
                write_entry(&mut out, "type", kind, &mut first);
            }
            let mut keys: Vec<&String> = map.keys().filter(|k| *k != "type").collect();
            keys.sort();
            for key in keys {
                write_entry(&mut out, key, &map[key], &mut first);
            }
            out.push('}');
        }
        other => write_canonical(&mut out, other),
    }
    out
}

fn write_entry(out: &mut String, key: &str, value: &Value, first: &mut bool) {
    if !*first {
        out.push(',');
    }
    *first = false;
    out.push_str(&Value::String(key.to_string()).to_string());
    out.push(':');
    write_canonical(out, value);
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, &Value> = map.iter().collect();
            out.push('{');
            let mut first = true;
            for (key, value) in sorted {
                write_entry(out, key, value, &mut first);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Error, ErrorCode, Init, Message};
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Ping,
        Pong,
        Ask { peer: String },
        AskOk,
        Incr { key: String },
        IncrOk { value: u64 },
        Ticks,
        TicksOk { ticks: u64 },
    }

    #[derive(Debug)]
    struct Relay {
        ticks: u64,
    }

    impl Node for Relay {
        type Payload = Payload;

        fn init(_init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
            ctx.every(Duration::from_millis(50), |node: &mut Relay, _ctx| {
                node.ticks += 1
            });
            Ok(Relay { ticks: 0 })
        }

        fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
            let to = msg.reply_to();
            match msg.body.payload {
                Payload::Ping => ctx.reply(&to, Payload::Pong),
                Payload::Ask { peer } => {
                    let timeout = Duration::from_millis(100);
                    ctx.rpc(
                        peer,
                        Payload::Ping,
                        timeout,
                        move |_: &mut Relay, ctx, reply| match reply {
                            Ok(Payload::Pong) => ctx.reply(&to, Payload::AskOk),
                            Ok(other) => ctx.reply_error(&to, Error::crash(format!("{other:?}"))),
                            Err(e) => ctx.reply_error(&to, e),
                        },
                    );
                }
                Payload::Incr { key } => {
                    ctx.kv(Kv::Lin)
                        .read(key.clone(), move |_: &mut Relay, ctx, current| {
                            let current: u64 = match current {
                                Ok(value) => value,
                                Err(e) if e.code == ErrorCode::KeyDoesNotExist => 0,
                                Err(e) => return ctx.reply_error(&to, e),
                            };
                            let next = current + 1;
                            ctx.kv(Kv::Lin)
                                .cas(key, current, next, true, move |_, ctx, done| match done {
                                    Ok(()) => ctx.reply(&to, Payload::IncrOk { value: next }),
                                    Err(e) => ctx.reply_error(&to, e),
                                });
                        });
                }
                Payload::Ticks => ctx.reply(&to, Payload::TicksOk { ticks: self.ticks }),
                Payload::Pong
                | Payload::AskOk
                | Payload::IncrOk { .. }
                | Payload::TicksOk { .. } => {}
            }
            Ok(())
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn transcript_shows_init_requests_and_peer_rpcs_with_latency() {
        let mut cluster = Cluster::<Relay>::new(2).with_latency(ms(10));
        cluster.init();
        let reply = cluster.request("n0", json!({"type":"ask","peer":"n1"}));
        assert_eq!(reply["type"], "ask_ok");
        assert_eq!(
            cluster.transcript(),
            r#"    0ms c0 -> n0 {"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}
    0ms c1 -> n1 {"type":"init","msg_id":1,"node_id":"n1","node_ids":["n0","n1"]}
    0ms n0 -> c0 {"type":"init_ok","in_reply_to":1,"msg_id":1}
    0ms n1 -> c1 {"type":"init_ok","in_reply_to":1,"msg_id":1}
    0ms c2 -> n0 {"type":"ask","msg_id":1,"peer":"n1"}
   10ms n0 -> n1 {"type":"ping","msg_id":2}
   20ms n1 -> n0 {"type":"pong","in_reply_to":2,"msg_id":2}
   20ms n0 -> c2 {"type":"ask_ok","in_reply_to":1,"msg_id":3}
"#
        );
        assert_eq!(cluster.now(), ms(20));
        let stats = cluster.stats();
        assert_eq!((stats.client_msgs, stats.server_msgs, stats.ops), (6, 2, 1));
        assert_eq!(stats.msgs_per_op(), 2.0);
    }

    #[test]
    fn partitions_drop_messages_until_healed_and_rpcs_time_out() {
        let mut cluster = Cluster::<Relay>::start(3);
        cluster.partition(&[&["n0"], &["n1", "n2"]]);
        let cut = cluster.request("n0", json!({"type":"ask","peer":"n1"}));
        assert_eq!(cut["type"], "error");
        assert_eq!(cut["code"], 0);
        assert_eq!(
            cluster.now(),
            ms(100),
            "the node's 100 ms timeout fired on the virtual clock"
        );
        let within = cluster.request("n1", json!({"type":"ask","peer":"n2"}));
        assert_eq!(within["type"], "ask_ok");
        cluster.heal();
        assert_eq!(
            cluster.request("n0", json!({"type":"ask","peer":"n1"}))["type"],
            "ask_ok"
        );
        assert_eq!(cluster.stats().dropped, 1);
        assert!(cluster
            .transcript()
            .contains("n0 -> n1 DROPPED {\"type\":\"ping\""));
        assert!(cluster.transcript().contains("-- partition [n0] [n1 n2]"));
    }

    #[test]
    fn kv_requests_reach_the_in_memory_service() {
        let mut cluster = Cluster::<Relay>::start(2).with_latency(ms(5));
        for expected in 1..=3 {
            let node = if expected % 2 == 0 { "n0" } else { "n1" };
            let reply = cluster.request(node, json!({"type":"incr","key":"x"}));
            assert_eq!(reply["value"], expected);
        }
        assert_eq!(cluster.kv_value(Kv::Lin, "x"), Some(json!(3)));
        assert_eq!(cluster.kv_value(Kv::Seq, "x"), None);
        assert!(cluster
            .transcript()
            .contains(r#"n1 -> lin-kv {"type":"read","key":"x","msg_id":2}"#));
        assert!(cluster.transcript().contains(
            r#"lin-kv -> n1 {"type":"error","code":20,"in_reply_to":2,"text":"key does not exist"}"#
        ));
        cluster.kv_set(Kv::Lin, "x", 41);
        assert_eq!(
            cluster.request("n0", json!({"type":"incr","key":"x"}))["value"],
            42
        );
    }

    #[test]
    fn timers_follow_the_virtual_clock() {
        let mut cluster = Cluster::<Relay>::start(1);
        cluster.advance(ms(149));
        assert_eq!(cluster.node("n0").unwrap().ticks, 2);
        cluster.advance(ms(1));
        assert_eq!(cluster.request("n0", json!({"type":"ticks"}))["ticks"], 3);
        assert_eq!(cluster.now(), ms(150));
    }

    #[test]
    fn messages_before_init_wait_for_it() {
        let mut cluster = Cluster::<Relay>::new(2);
        cluster.inject("n1", "n0", json!({"type":"ping","msg_id":7}));
        cluster.advance(ms(1));
        assert!(cluster.node("n0").is_none());
        cluster.init();
        let transcript = cluster.transcript();
        let pong = transcript
            .find(r#"n0 -> n1 {"type":"pong","in_reply_to":7"#)
            .unwrap();
        let init_ok = transcript.find(r#"n0 -> c0 {"type":"init_ok""#).unwrap();
        assert!(init_ok < pong, "{transcript}");
    }

    #[test]
    fn a_silent_node_makes_request_return_null_after_the_client_timeout() {
        let mut cluster = Cluster::<Relay>::start(1);
        // Nobody answers `ask_ok`: the node treats it as a reply-type message and stays silent.
        let reply = cluster.request("n0", json!({"type":"ask_ok"}));
        assert_eq!(reply, Value::Null);
        assert_eq!(cluster.now(), DEFAULT_CLIENT_TIMEOUT);
        assert!(cluster
            .transcript()
            .contains("-- c1 got no reply to msg_id 1"));
    }

    #[test]
    fn canonical_bodies_put_type_first_and_sort_the_rest() {
        let body = json!({"z":1,"type":"t","a":{"y":[{"b":1,"a":2}],"x":null}});
        assert_eq!(
            canonical_body(&body),
            r#"{"type":"t","a":{"x":null,"y":[{"a":2,"b":1}]},"z":1}"#
        );
    }
}
