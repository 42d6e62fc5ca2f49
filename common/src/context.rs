//! What a handler can do besides change its own state: send, reply, call, and schedule.
//!
//! The context never performs I/O. It records outgoing lines and registered callbacks; the
//! [`Driver`](crate::Driver) hands the lines to whoever owns the wire and calls the callbacks when
//! their reply arrives or their deadline passes. That keeps every node testable on a virtual clock.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use rand::rngs::StdRng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::kv::{Kv, KvClient, TsoClient};
use crate::message::{render_line, render_payload};
use crate::{Error, Node, ReplyTo};

/// The outcome an RPC callback receives: the reply's payload, or the error reply, or a timeout
/// (code 0, [`ErrorCode::Timeout`](crate::ErrorCode::Timeout)).
pub type RpcResult<R> = Result<R, Error>;

pub(crate) type RpcCallback<N> = Box<dyn FnOnce(&mut N, &mut Context<N>, RpcResult<Value>)>;
type OnceCallback<N> = Box<dyn FnOnce(&mut N, &mut Context<N>)>;
type EveryCallback<N> = Box<dyn FnMut(&mut N, &mut Context<N>)>;

/// Identifies a timer registered with [`Context::every`] or [`Context::after`], to cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

/// The shortest period of a repeating timer, so that `every(Duration::ZERO, …)` cannot spin forever.
const MIN_PERIOD: Duration = Duration::from_millis(1);

/// A position in the deadline queue: the time, then a sequence number so that equal times fire in
/// registration order.
type DeadlineKey = (Duration, u64);

pub(crate) enum Due {
    Timer(TimerId),
    RpcTimeout(u64),
}

pub(crate) struct PendingRpc<N: Node> {
    key: DeadlineKey,
    dest: String,
    timeout: Duration,
    /// Set when the request could not even be sent; reported instead of a timeout.
    failure: Option<Error>,
    pub(crate) callback: RpcCallback<N>,
}

enum Timer<N: Node> {
    Once {
        key: DeadlineKey,
        callback: OnceCallback<N>,
    },
    Every {
        key: DeadlineKey,
        period: Duration,
        callback: EveryCallback<N>,
    },
}

/// The node's handle on the world, passed to every handler and callback.
pub struct Context<N: Node> {
    node_id: String,
    node_ids: Vec<String>,
    now: Duration,
    next_msg_id: u64,
    next_seq: u64,
    outbox: Vec<String>,
    pending: HashMap<u64, PendingRpc<N>>,
    /// Requests that timed out, so that their late replies are dropped instead of handled.
    expired: HashSet<u64>,
    timers: HashMap<TimerId, Timer<N>>,
    deadlines: BTreeMap<DeadlineKey, Due>,
    /// The repeating timer being run right now, and whether its callback cancelled it.
    firing: Option<(TimerId, bool)>,
    /// The node's randomness: seeded by the simulator (replayable), else from the OS.
    rng: StdRng,
}

impl<N: Node> std::fmt::Debug for Context<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("node_id", &self.node_id)
            .field("node_ids", &self.node_ids)
            .field("now", &self.now)
            .field("next_msg_id", &self.next_msg_id)
            .field("pending_rpcs", &self.pending.len())
            .field("timers", &self.timers.len())
            .finish_non_exhaustive()
    }
}

impl<N: Node> Context<N> {
    /// A context whose randomness is `rng`.
    pub(crate) fn new(rng: StdRng) -> Self {
        Context {
            node_id: String::new(),
            node_ids: Vec::new(),
            now: Duration::ZERO,
            next_msg_id: 1,
            next_seq: 0,
            outbox: Vec::new(),
            pending: HashMap::new(),
            expired: HashSet::new(),
            timers: HashMap::new(),
            deadlines: BTreeMap::new(),
            firing: None,
            rng,
        }
    }

    /// This node's id, e.g. `"n1"`. Empty until `init` arrives.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Every node in the cluster, this one included, in Maelstrom's order.
    pub fn node_ids(&self) -> &[String] {
        &self.node_ids
    }

    /// Every node in the cluster but this one. A fresh `Vec`, so that a loop sending to them can
    /// borrow the context mutably.
    pub fn peers(&self) -> Vec<String> {
        self.node_ids
            .iter()
            .filter(|id| **id != self.node_id)
            .cloned()
            .collect()
    }

    /// Time since the node started (virtual time under [`testing`](crate::testing)). Use it instead of
    /// `Instant::now()` so that tests stay deterministic.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// The node's source of randomness (jitter, a random peer, a backoff), an [`rand::Rng`]:
    /// `use common::rand::Rng;` then `ctx.rng().gen_range(0..n)`. Draw from it rather than from
    /// `rand::thread_rng()`: under the grader's simulator (`--engine sim`) it is seeded from the
    /// run's seed, so a failing schedule replays exactly; under [`testing`](crate::testing) each
    /// node has a fixed seed; in a real run it is seeded from the operating system.
    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// Answers a request: `to` is a [`ReplyTo`] taken from it (`let to = msg.reply_to();`) or the
    /// request itself (`&msg`). Take `to` before `match msg.body.payload { … }` moves fields out
    /// of the message: after that, `&msg` is a borrow of a partially moved value (E0382) and does
    /// not compile, while `&to` does — and a callback can keep `to` to answer later.
    pub fn reply(&mut self, to: impl Into<ReplyTo>, payload: impl Serialize) {
        let to = to.into();
        self.push_payload(&to.dest, &payload, to.in_reply_to);
    }

    /// Answers a request with an error body. Handlers can simply return `Err(error)` instead; this is for
    /// callbacks that learn of the failure later.
    pub fn reply_error(&mut self, to: impl Into<ReplyTo>, error: Error) {
        let to = to.into();
        let Value::Object(body) = error.to_body() else {
            unreachable!("error bodies are objects")
        };
        let msg_id = self.allocate_msg_id();
        self.push(&to.dest, body, Some(msg_id), to.in_reply_to);
    }

    /// Sends a message that expects no reply (any reply that does come is passed to `handle`).
    pub fn send(&mut self, dest: impl AsRef<str>, payload: impl Serialize) {
        self.push_payload(dest.as_ref(), &payload, None);
    }

    /// Sends a request and calls `callback` exactly once: with the reply's payload, with the error the
    /// other side answered, or with a timeout error (code 0) if nothing came back within `timeout`. A
    /// reply arriving after the timeout is dropped.
    ///
    /// `R` is what the reply body is parsed into (without `msg_id`/`in_reply_to`): the node's own
    /// `Payload` enum, a dedicated struct, or `serde_json::Value`. A reply that does not parse reaches
    /// the callback as a malformed-request error.
    pub fn rpc<R, F>(
        &mut self,
        dest: impl AsRef<str>,
        payload: impl Serialize,
        timeout: Duration,
        callback: F,
    ) where
        R: DeserializeOwned,
        F: FnOnce(&mut N, &mut Context<N>, RpcResult<R>) + 'static,
    {
        let dest = dest.as_ref();
        let typed: RpcCallback<N> = Box::new(move |node, ctx, result| {
            let parsed = result.and_then(|body| {
                serde_json::from_value::<R>(body)
                    .map_err(|e| Error::malformed_request(format!("could not parse reply: {e}")))
            });
            callback(node, ctx, parsed)
        });
        let msg_id = self.allocate_msg_id();
        let fast = render_payload(&self.node_id, dest, &payload, Some(msg_id), None);
        let (deadline, failure) = match fast {
            Some(line) => {
                self.outbox.push(line);
                (self.now + timeout, None)
            }
            None => self.push_request(dest, &payload, msg_id, timeout),
        };
        let key = self.schedule(deadline, Due::RpcTimeout(msg_id));
        let pending = PendingRpc {
            key,
            dest: dest.to_string(),
            timeout,
            failure,
            callback: typed,
        };
        self.pending.insert(msg_id, pending);
    }

    /// Runs `callback` every `period` (first run one period from now) until cancelled.
    pub fn every<F>(&mut self, period: Duration, callback: F) -> TimerId
    where
        F: FnMut(&mut N, &mut Context<N>) + 'static,
    {
        let period = period.max(MIN_PERIOD);
        let id = TimerId(self.next_seq);
        let key = self.schedule(self.now + period, Due::Timer(id));
        self.timers.insert(
            id,
            Timer::Every {
                key,
                period,
                callback: Box::new(callback),
            },
        );
        id
    }

    /// Runs `callback` once, `delay` from now.
    pub fn after<F>(&mut self, delay: Duration, callback: F) -> TimerId
    where
        F: FnOnce(&mut N, &mut Context<N>) + 'static,
    {
        let id = TimerId(self.next_seq);
        let key = self.schedule(self.now + delay, Due::Timer(id));
        self.timers.insert(
            id,
            Timer::Once {
                key,
                callback: Box::new(callback),
            },
        );
        id
    }

    /// Stops a timer. Returns whether it was still scheduled. A repeating timer may cancel itself from
    /// its own callback.
    pub fn cancel(&mut self, timer: TimerId) -> bool {
        if let Some((firing, cancelled)) = &mut self.firing {
            if *firing == timer {
                let was_live = !*cancelled;
                *cancelled = true;
                return was_live;
            }
        }
        match self.timers.remove(&timer) {
            Some(Timer::Once { key, .. } | Timer::Every { key, .. }) => {
                self.deadlines.remove(&key);
                true
            }
            None => false,
        }
    }

    /// A client for one of Maelstrom's key-value services.
    pub fn kv(&mut self, kv: Kv) -> KvClient<'_, N> {
        KvClient::new(self, kv)
    }

    /// A client for `lin-tso`, Maelstrom's timestamp oracle.
    pub fn tso(&mut self) -> TsoClient<'_, N> {
        TsoClient::new(self)
    }

    /// How many requests are still waiting for a reply.
    pub fn pending_rpcs(&self) -> usize {
        self.pending.len()
    }

    // ---- used by the driver ----

    pub(crate) fn set_identity(&mut self, node_id: String, node_ids: Vec<String>) {
        self.node_id = node_id;
        self.node_ids = node_ids;
    }

    pub(crate) fn set_now(&mut self, now: Duration) {
        // Time never runs backwards, even if a caller's clock does.
        self.now = self.now.max(now);
    }

    pub(crate) fn take_outbox(&mut self) -> Vec<String> {
        std::mem::take(&mut self.outbox)
    }

    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.deadlines.keys().next().map(|(at, _)| *at)
    }

    pub(crate) fn pop_due(&mut self) -> Option<Due> {
        let (&key, _) = self.deadlines.iter().next()?;
        if key.0 > self.now {
            return None;
        }
        self.deadlines.remove(&key)
    }

    /// Removes and returns the pending request `msg_id` answers, if any.
    pub(crate) fn take_pending(&mut self, msg_id: u64) -> Option<PendingRpc<N>> {
        let pending = self.pending.remove(&msg_id)?;
        self.deadlines.remove(&pending.key);
        Some(pending)
    }

    pub(crate) fn is_expired(&self, msg_id: u64) -> bool {
        self.expired.contains(&msg_id)
    }

    /// Takes a timed-out request out of the table, with the error its callback gets.
    pub(crate) fn expire(&mut self, msg_id: u64) -> Option<(RpcCallback<N>, Error)> {
        let pending = self.pending.remove(&msg_id)?;
        self.expired.insert(msg_id);
        let error = pending.failure.unwrap_or_else(|| {
            Error::timeout(format!(
                "no reply from {} within {} ms",
                pending.dest,
                pending.timeout.as_millis()
            ))
        });
        Some((pending.callback, error))
    }

    pub(crate) fn fire_timer(&mut self, id: TimerId, node: &mut N) {
        match self.timers.remove(&id) {
            Some(Timer::Once { callback, .. }) => callback(node, self),
            Some(Timer::Every {
                key,
                period,
                mut callback,
            }) => {
                self.firing = Some((id, false));
                callback(node, self);
                let cancelled = matches!(self.firing.take(), Some((_, true)));
                if !cancelled {
                    let mut next = key.0 + period;
                    if next <= self.now {
                        next = self.now + period;
                    }
                    let key = self.schedule_with_seq(next, id.0, Due::Timer(id));
                    self.timers.insert(
                        id,
                        Timer::Every {
                            key,
                            period,
                            callback,
                        },
                    );
                }
            }
            None => {}
        }
    }

    pub(crate) fn allocate_msg_id(&mut self) -> u64 {
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        id
    }

    pub(crate) fn push(
        &mut self,
        dest: &str,
        body: Map<String, Value>,
        msg_id: Option<u64>,
        in_reply_to: Option<u64>,
    ) {
        self.outbox
            .push(render_line(&self.node_id, dest, body, msg_id, in_reply_to));
    }

    /// Sends `payload` to `dest` with the next msg_id, answering `in_reply_to` if given. A payload
    /// that cannot be a body (not a JSON object) is not sent and takes no msg_id.
    fn push_payload(&mut self, dest: &str, payload: &impl Serialize, in_reply_to: Option<u64>) {
        let msg_id = self.next_msg_id;
        match render_payload(&self.node_id, dest, payload, Some(msg_id), in_reply_to) {
            Some(line) => {
                self.allocate_msg_id();
                self.outbox.push(line);
            }
            None => {
                if let Some(body) = self.body_of(payload, dest) {
                    let msg_id = self.allocate_msg_id();
                    self.push(dest, body, Some(msg_id), in_reply_to);
                }
            }
        }
    }

    /// The slow path of [`rpc`](Context::rpc)'s request: through a `Value`, which replaces a
    /// payload's own `msg_id` and explains a payload that is not an object. Returns the request's
    /// deadline and, when it could not be sent, the error its callback gets at once.
    fn push_request(
        &mut self,
        dest: &str,
        payload: &impl Serialize,
        msg_id: u64,
        timeout: Duration,
    ) -> (Duration, Option<Error>) {
        match serde_json::to_value(payload) {
            Ok(Value::Object(body)) => {
                self.push(dest, body, Some(msg_id), None);
                (self.now + timeout, None)
            }
            other => {
                let why = describe_bad_payload(other);
                eprintln!("{}: not sending request to {dest}: {why}", self.node_id);
                (self.now, Some(Error::malformed_request(why)))
            }
        }
    }

    fn body_of(&self, payload: &impl Serialize, dest: &str) -> Option<Map<String, Value>> {
        match serde_json::to_value(payload) {
            Ok(Value::Object(body)) => Some(body),
            other => {
                let why = describe_bad_payload(other);
                eprintln!("{}: not sending message to {dest}: {why}", self.node_id);
                None
            }
        }
    }

    fn schedule(&mut self, at: Duration, due: Due) -> DeadlineKey {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.schedule_with_seq(at, seq, due)
    }

    fn schedule_with_seq(&mut self, at: Duration, seq: u64, due: Due) -> DeadlineKey {
        let key = (at, seq);
        self.deadlines.insert(key, due);
        key
    }
}

fn describe_bad_payload(serialized: Result<Value, serde_json::Error>) -> String {
    match serialized {
        Ok(other) => format!("a message body must be a JSON object, this payload is {other}"),
        Err(e) => format!("payload does not serialize: {e}"),
    }
}
