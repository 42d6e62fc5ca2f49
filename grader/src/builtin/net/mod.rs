//! The simulated network every message goes through (Maelstrom spec §4).
//!
//! Each endpoint — node, client or service — has one queue ordered by delivery deadline and one
//! consumer. As in Maelstrom, the consumer takes the earliest-deadline message as soon as there is
//! one, checks the partition table *then* (so a message taken from the queue during a partition is
//! lost, even one sent before it began), sleeps until the deadline and delivers. Messages that
//! involve a client travel instantly; all others (node↔node, node↔service, node→self) get a latency
//! drawn from `--latency`/`--latency-dist`. Clients and services are never partitioned: only nodes
//! appear in grudges.
//!
//! The network also counts what Maelstrom's net checker counts ([`NetStats`]) and writes every
//! message's fate to `messages.jsonl` ([`journal`]). What it holds is bounded ([`QUEUE_CAP`],
//! [`HELD_BYTES_CAP`]): a message that finds no room is dropped, and its sender named as a flood.

mod journal;
mod latency;
mod message;

pub use self::latency::Latency;
pub(crate) use self::message::BodyText;
pub use self::message::Message;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::fs::File;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use tokio::sync::Notify;

use crate::netstats::{involves_client, NetGroup, NetStats};

use self::journal::{Journal, JournalEntry};
use super::clock::Clock;

/// The most messages one endpoint's queue holds. Maelstrom has no cap (a flooding node grows
/// its JVM until it dies); here a message beyond it is dropped and the flood diagnosed.
pub const QUEUE_CAP: usize = 50_000;
/// The most bytes of messages the whole network holds at once.
pub const HELD_BYTES_CAP: usize = 128 * 1024 * 1024;
/// What a message costs beyond its text, for [`HELD_BYTES_CAP`].
const MESSAGE_OVERHEAD: usize = 128;

/// A sender whose messages overflowed the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Flood {
    pub src: String,
    /// Messages it sent in all.
    pub sent: u64,
    /// Between its first and last send.
    pub over: Duration,
    /// How many of them the network had no room for.
    pub dropped: u64,
}

/// Why a message could not be sent: Maelstrom's "Invalid source/dest for message" assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// `src` is not a registered endpoint.
    UnknownSrc { src: String },
    /// `dest` is not registered; `closed` when it is a client that was open earlier.
    UnknownDest { dest: String, closed: bool },
}

/// What one wait on an endpoint's queue produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Message(Message),
    /// Nothing arrived in time, or the message taken was dropped by a partition.
    Nothing,
    /// The endpoint is no longer registered.
    Gone,
}

#[derive(Debug)]
struct Queued {
    deadline: Duration,
    seq: u64,
    sent: Duration,
    /// What it costs to hold, for [`HELD_BYTES_CAP`].
    bytes: usize,
    msg: Message,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
/// Reversed, so that the max-heap pops the earliest deadline (ties in sending order).
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.deadline, other.seq).cmp(&(self.deadline, self.seq))
    }
}

#[derive(Debug, Default)]
struct Endpoint {
    queue: BinaryHeap<Queued>,
    notify: Arc<Notify>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    sends: u64,
    recvs: u64,
}

#[derive(Debug)]
struct State {
    endpoints: HashMap<String, Endpoint>,
    closed: HashSet<String>,
    /// dest → the sources whose messages it drops.
    partitions: HashMap<String, HashSet<String>>,
    next_id: u64,
    next_seq: u64,
    next_client: u64,
    latency: Latency,
    /// Added to every message's travel time: what crossing the harness costs (see
    /// [`Network::set_transit`]).
    transit: Duration,
    rng: StdRng,
    clients: Counts,
    servers: Counts,
    journal: Journal,
    /// Bytes held in all queues.
    held_bytes: usize,
    /// Per sender: messages sent, first and last send time, messages dropped for lack of room.
    senders: HashMap<String, (u64, Duration, Duration, u64)>,
}

/// The network. Shared by every task of a run.
#[derive(Debug)]
pub struct Network {
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl Network {
    pub fn new(
        clock: Arc<dyn Clock>,
        latency: Latency,
        rng: StdRng,
        journal: Option<File>,
    ) -> Network {
        Network {
            clock,
            state: Mutex::new(State {
                endpoints: HashMap::new(),
                closed: HashSet::new(),
                partitions: HashMap::new(),
                next_id: 0,
                next_seq: 0,
                next_client: 0,
                latency,
                transit: Duration::ZERO,
                rng,
                clients: Counts::default(),
                servers: Counts::default(),
                journal: Journal::new(journal),
                held_bytes: 0,
                senders: HashMap::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data behind: every update is a
        // single step.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Sets the origin of the times written to `messages.jsonl` (the history's origin).
    pub fn set_time_origin(&self, origin: Duration) {
        self.state().journal.set_origin(origin);
    }

    /// Adds `transit` to every message's travel time. In real time crossing the harness (pipes,
    /// tasks, parsing) takes tens of microseconds even at `--latency 0`, so two nodes never act
    /// on the same instant; the simulator, where nodes compute in zero time, sets this to keep
    /// it so.
    pub fn set_transit(&self, transit: Duration) {
        self.state().transit = transit;
    }

    /// Registers a node or service endpoint.
    pub fn add_endpoint(&self, id: &str) {
        self.state()
            .endpoints
            .insert(id.to_owned(), Endpoint::default());
    }

    /// Registers a fresh client endpoint, `c0`, `c1`, … from one global counter.
    pub fn open_client(&self) -> String {
        let mut s = self.state();
        let id = format!("c{}", s.next_client);
        s.next_client += 1;
        s.endpoints.insert(id.clone(), Endpoint::default());
        id
    }

    /// Removes an endpoint; messages still queued for it are never delivered.
    pub fn remove_endpoint(&self, id: &str) {
        let mut s = self.state();
        if let Some(ep) = s.endpoints.remove(id) {
            if id.starts_with('c') {
                s.closed.insert(id.to_owned());
            }
            let now = self.clock.now();
            for q in ep.queue.into_sorted_vec() {
                s.held_bytes = s.held_bytes.saturating_sub(q.bytes);
                s.journal_line(&q, now, "undelivered", Some("its destination was closed"));
            }
            ep.notify.notify_one();
        }
    }

    /// Whether `id` is a client that was open once and has been closed.
    pub fn is_closed_client(&self, id: &str) -> bool {
        self.state().closed.contains(id)
    }

    /// Sends a message, assigning its network id. Both ends must be registered.
    pub fn send(&self, src: &str, dest: &str, body: serde_json::Value) -> Result<u64, SendError> {
        self.send_sized(src, dest, body, 0)
    }

    /// [`Network::send`] for a message whose text is `len` bytes long, so that what the network
    /// holds stays bounded. A message that finds its destination's queue full is dropped (and
    /// journaled so); [`Network::floods`] names its sender afterwards.
    pub fn send_sized(
        &self,
        src: &str,
        dest: &str,
        body: serde_json::Value,
        len: usize,
    ) -> Result<u64, SendError> {
        self.offer(src, dest, body, len).map_err(|(e, _)| e)
    }

    /// [`Network::send_sized`] that hands the body back when it cannot be sent, for a sender
    /// that reports it (a client's request), instead of keeping a copy of every body it sends.
    pub fn offer(
        &self,
        src: &str,
        dest: &str,
        body: serde_json::Value,
        len: usize,
    ) -> Result<u64, (SendError, serde_json::Value)> {
        let now = self.clock.now();
        let mut s = self.state();
        if !s.endpoints.contains_key(src) {
            return Err((SendError::UnknownSrc { src: src.into() }, body));
        }
        if !s.endpoints.contains_key(dest) {
            let closed = s.closed.contains(dest);
            let dest = dest.into();
            return Err((SendError::UnknownDest { dest, closed }, body));
        }
        let id = s.next_id;
        s.next_id += 1;
        let client = involves_client(src, dest);
        let latency = if client {
            0
        } else {
            let latency = s.latency;
            latency.draw(&mut s.rng)
        };
        if client {
            s.clients.sends += 1;
        } else {
            s.servers.sends += 1;
        }
        let seq = s.next_seq;
        s.next_seq += 1;
        let msg = Message {
            id,
            src: src.into(),
            dest: dest.into(),
            body,
            body_text: BodyText::default(),
        };
        let bytes = len + MESSAGE_OVERHEAD;
        let full = s
            .endpoints
            .get(dest)
            .is_some_and(|ep| ep.queue.len() >= QUEUE_CAP)
            || s.held_bytes + bytes > HELD_BYTES_CAP;
        let transit = s.transit;
        let sender = s.senders.entry(src.to_owned()).or_insert((0, now, now, 0));
        sender.0 += 1;
        sender.2 = now;
        let queued = Queued {
            deadline: now + Duration::from_millis(latency) + transit,
            seq,
            sent: now,
            bytes,
            msg,
        };
        if full {
            sender.3 += 1;
            s.journal_line(
                &queued,
                now,
                "dropped",
                Some("the network was full: a flood of messages"),
            );
            return Ok(id);
        }
        s.held_bytes += bytes;
        let ep = s.endpoints.get_mut(dest).expect("checked above");
        ep.queue.push(queued);
        ep.notify.notify_one();
        Ok(id)
    }

    /// Waits (until `give_up_at`) for the next message for `endpoint`, then delivers it at its
    /// deadline — or drops it, if the endpoint's partition set holds its source at the moment it
    /// is taken from the queue. Maelstrom's `recv!`.
    pub async fn recv(&self, endpoint: &str, give_up_at: Duration) -> Delivery {
        let queued = loop {
            let notify = {
                let mut s = self.state();
                let Some(ep) = s.endpoints.get_mut(endpoint) else {
                    return Delivery::Gone;
                };
                if let Some(q) = ep.queue.pop() {
                    s.held_bytes = s.held_bytes.saturating_sub(q.bytes);
                    break q;
                }
                ep.notify.clone()
            };
            tokio::select! {
                biased;
                _ = notify.notified() => {}
                _ = self.clock.sleep_until(give_up_at) => return Delivery::Nothing,
            }
        };
        {
            let mut s = self.state();
            let dropped = s
                .partitions
                .get(endpoint)
                .is_some_and(|srcs| srcs.contains(&queued.msg.src));
            if dropped {
                let now = self.clock.now();
                let why = format!(
                    "partitioned: {endpoint} drops messages from {}",
                    queued.msg.src
                );
                s.journal_line(&queued, now, "dropped", Some(&why));
                return Delivery::Nothing;
            }
        }
        if queued.deadline > self.clock.now() {
            self.clock.sleep_until(queued.deadline).await;
        }
        let now = self.clock.now();
        let mut s = self.state();
        if involves_client(&queued.msg.src, &queued.msg.dest) {
            s.clients.recvs += 1;
        } else {
            s.servers.recvs += 1;
        }
        s.journal_line(&queued, now, "delivered", None);
        Delivery::Message(queued.msg)
    }

    /// Makes `dest` drop every message from `src` (one direction).
    pub fn drop_link(&self, src: &str, dest: &str) {
        self.state()
            .partitions
            .entry(dest.to_owned())
            .or_default()
            .insert(src.to_owned());
    }

    /// Ends every partition.
    pub fn heal(&self) {
        self.state().partitions.clear();
    }

    /// The counts so far, without `msgs_per_op`.
    pub fn stats(&self) -> NetStats {
        let s = self.state();
        let group = |c: Counts| NetGroup {
            send_count: c.sends,
            recv_count: c.recvs,
            msg_count: c.sends,
            msgs_per_op: None,
        };
        let all = Counts {
            sends: s.clients.sends + s.servers.sends,
            recvs: s.clients.recvs + s.servers.recvs,
        };
        NetStats {
            all: group(all),
            clients: group(s.clients),
            servers: group(s.servers),
        }
    }

    /// The senders some of whose messages the network had no room for, in name order.
    pub fn floods(&self) -> Vec<Flood> {
        let s = self.state();
        let mut floods: Vec<Flood> = s
            .senders
            .iter()
            .filter(|(_, c)| c.3 > 0)
            .map(|(src, &(sent, first, last, dropped))| Flood {
                src: src.clone(),
                sent,
                over: last.saturating_sub(first),
                dropped,
            })
            .collect();
        floods.sort_by(|a, b| a.src.cmp(&b.src));
        floods
    }

    /// Journals the messages still queued and flushes `messages.jsonl`.
    pub fn finish(&self) -> std::io::Result<()> {
        let now = self.clock.now();
        let mut s = self.state();
        let mut left: Vec<Queued> = s
            .endpoints
            .values_mut()
            .flat_map(|ep| std::mem::take(&mut ep.queue).into_vec())
            .collect();
        left.sort_by_key(|q| q.msg.id);
        for q in &left {
            s.journal_line(
                q,
                now,
                "undelivered",
                Some("still queued when the test ended"),
            );
        }
        s.journal.finish()
    }
}

impl State {
    fn journal_line(&mut self, q: &Queued, now: Duration, fate: &'static str, why: Option<&str>) {
        if !self.journal.is_on() {
            return;
        }
        self.journal.record(JournalEntry {
            id: q.msg.id,
            src: Cow::Borrowed(&q.msg.src),
            dest: Cow::Borrowed(&q.msg.dest),
            body: Cow::Borrowed(q.msg.body_json()),
            sent: q.sent,
            at: now,
            fate,
            why: why.map(Cow::Borrowed),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::clock::WallClock;
    use rand::SeedableRng;
    use serde_json::json;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    fn net(latency: Latency) -> Network {
        Network::new(Arc::new(WallClock::start()), latency, rng(), None)
    }

    #[tokio::test]
    async fn clients_are_instant_and_counted_apart() {
        let n = net(Latency::Constant(10_000));
        n.add_endpoint("n0");
        let c = n.open_client();
        assert_eq!(c, "c0");
        n.send(&c, "n0", json!({"type": "echo"})).unwrap();
        let far = n.clock().now() + Duration::from_secs(1);
        let Delivery::Message(m) = n.recv("n0", far).await else {
            panic!("no delivery")
        };
        assert_eq!((m.id, m.src.as_str()), (0, "c0"));
        let stats = n.stats();
        assert_eq!(stats.clients.send_count, 1);
        assert_eq!(stats.clients.recv_count, 1);
        assert_eq!(stats.servers.send_count, 0);
    }

    #[tokio::test]
    async fn partitions_drop_when_taken_from_the_queue() {
        let n = net(Latency::Constant(0));
        n.add_endpoint("n0");
        n.add_endpoint("n1");
        n.send("n0", "n1", json!({})).unwrap();
        n.drop_link("n0", "n1");
        let soon = n.clock().now() + Duration::from_millis(50);
        assert_eq!(n.recv("n1", soon).await, Delivery::Nothing);
        // The other direction still works.
        n.send("n1", "n0", json!({})).unwrap();
        assert!(matches!(n.recv("n0", soon).await, Delivery::Message(_)));
        n.heal();
        n.send("n0", "n1", json!({})).unwrap();
        assert!(matches!(n.recv("n1", soon).await, Delivery::Message(_)));
        let stats = n.stats();
        assert_eq!((stats.servers.send_count, stats.servers.recv_count), (3, 2));
    }

    #[tokio::test]
    async fn earliest_deadline_first() {
        let n = net(Latency::Uniform(20));
        n.add_endpoint("n0");
        n.add_endpoint("n1");
        for i in 0..20 {
            n.send("n0", "n1", json!({ "i": i })).unwrap();
        }
        // All queued; delivered in deadline order, which is not sending order in general.
        let mut last = Duration::ZERO;
        for _ in 0..20 {
            let far = n.clock().now() + Duration::from_secs(1);
            assert!(matches!(n.recv("n1", far).await, Delivery::Message(_)));
            let now = n.clock().now();
            assert!(now >= last);
            last = now;
        }
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_names_the_flood() {
        let n = net(Latency::Constant(0));
        n.add_endpoint("n0");
        for _ in 0..QUEUE_CAP + 10 {
            n.send("n0", "n0", json!({"type": "spam"})).unwrap();
        }
        let floods = n.floods();
        assert_eq!(floods.len(), 1);
        assert_eq!(
            (floods[0].sent, floods[0].dropped),
            (QUEUE_CAP as u64 + 10, 10)
        );
        // Room again once the node reads.
        let far = n.clock().now() + Duration::from_secs(1);
        assert!(matches!(n.recv("n0", far).await, Delivery::Message(_)));
        n.send("n0", "n0", json!({"type": "spam"})).unwrap();
        assert_eq!(n.floods()[0].dropped, 10);
    }

    #[tokio::test]
    async fn journal_lines_use_the_history_clock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("messages.jsonl");
        let clock: Arc<dyn Clock> = Arc::new(WallClock::start());
        let n = Network::new(
            clock.clone(),
            Latency::Constant(0),
            rng(),
            Some(File::create(&path).unwrap()),
        );
        n.add_endpoint("n0");
        n.send("n0", "n0", json!({"type": "before"})).unwrap();
        let far = clock.now() + Duration::from_secs(1);
        assert!(matches!(n.recv("n0", far).await, Delivery::Message(_)));
        tokio::time::sleep(Duration::from_millis(5)).await;
        n.set_time_origin(clock.now());
        n.send("n0", "n0", json!({"type": "after"})).unwrap();
        n.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["fate"], "delivered");
        assert!(lines[0]["sent_ms"].as_f64().unwrap() < -4.0, "{}", lines[0]);
        assert_eq!(lines[1]["fate"], "undelivered");
        assert_eq!(lines[1]["body"]["type"], "after");
        assert!(text.starts_with(r#"{"id":0,"src":"n0","dest":"n0","sent_ms":"#));
    }

    #[test]
    fn unknown_and_closed_destinations_are_refused() {
        let n = net(Latency::Constant(0));
        n.add_endpoint("n0");
        let c = n.open_client();
        n.remove_endpoint(&c);
        assert_eq!(
            n.send("n0", &c, json!({})),
            Err(SendError::UnknownDest {
                dest: c.clone(),
                closed: true
            })
        );
        assert_eq!(
            n.send("n0", "n9", json!({})),
            Err(SendError::UnknownDest {
                dest: "n9".into(),
                closed: false
            })
        );
        assert_eq!(
            n.send("n7", "n0", json!({})),
            Err(SendError::UnknownSrc { src: "n7".into() })
        );
        // Client ids are never reused.
        assert_eq!(n.open_client(), "c1");
    }
}
