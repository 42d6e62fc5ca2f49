//! The kafka workload (spec §7.10, §5.6): clients append messages to string-keyed logs
//! (`send`), read them back from their own per-key offsets (`poll`, then `commit_offsets` in the
//! same op), re-pick the keys they follow (`assign`), and are crashed now and then.
//!
//! The op stream is [`KafkaGen`]'s; this module feeds completions back to it and runs each
//! thread's final phase (crash, assign everything from offset 0, poll until caught up, all
//! capped at 10 s). The client mirrors Maelstrom's as implemented, including its quirks:
//! - its `offsets` state (assigned key → next offset to poll) starts empty and is lost on every
//!   crash, since the client is not reusable;
//! - an assign without `seek-to-beginning?` asks `list_committed_offsets` (the reply is
//!   schema-checked) but then looks the committed offset up in the wrong map, so a newly
//!   assigned key always starts at 0;
//! - a poll adds every key in the reply to `offsets`, asked for or not;
//! - `:crash` completes `:info` at once, with no traffic.
//!
//! Errors go through `with-errors` with `#{:assign}` idempotent. A failing `commit_offsets`
//! fails the whole poll, whose results are then discarded (the offsets have already moved).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use rand::rngs::StdRng;
use serde_json::{json, Map, Value as Json};

use crate::builtin::client::{RpcClient, DEFAULT_TIMEOUT};
use crate::builtin::clock::BoxFuture;
use crate::builtin::gen::kafka::FINAL_PHASE_LIMIT;
use crate::builtin::gen::{FinalPoller, KafkaGen, KafkaOp};
use crate::builtin::schema::{is_int, Field, Schema};
use crate::history::{Op, OpType, Process};
use crate::options::TestOptions;
use crate::value::Value;

use super::{with_errors, Completion, FinalStep, Invocation, Workload, WorkloadClient};

const SEND_OK: Schema = Schema {
    reply_type: "send_ok",
    fields: &[("offset", Field::Int)],
};
const POLL_OK: Schema = Schema {
    reply_type: "poll_ok",
    fields: &[(
        "msgs",
        Field::Custom(
            polled_messages,
            "a map of keys to arrays of [offset, message] pairs with integer offsets",
        ),
    )],
};
const COMMIT_OFFSETS_OK: Schema = Schema {
    reply_type: "commit_offsets_ok",
    fields: &[],
};
const LIST_COMMITTED_OFFSETS_OK: Schema = Schema {
    reply_type: "list_committed_offsets_ok",
    fields: &[(
        "offsets",
        Field::Custom(committed_offsets, "a map of keys to integer offsets"),
    )],
};

/// `{Key [[Offset Msg]]}`: an object (not null) of lists (null passes, as for any sequence
/// schema) of exactly-two-element pairs whose first element is an integer.
fn polled_messages(msgs: &Json) -> bool {
    msgs.as_object().is_some_and(|m| {
        m.values().all(|pairs| match pairs {
            Json::Null => true,
            Json::Array(pairs) => pairs.iter().all(|pair| {
                pair.as_array()
                    .is_some_and(|p| p.len() == 2 && is_int(&p[0]))
            }),
            _ => false,
        })
    })
}

/// `{Key Offset}`.
fn committed_offsets(offsets: &Json) -> bool {
    offsets.as_object().is_some_and(|m| m.values().all(is_int))
}

/// One thread's final phase: its poller, and the op it drew but may not issue yet.
#[derive(Debug)]
struct FinalThread {
    poller: FinalPoller,
    due: Option<(KafkaOp, u64)>,
}

#[derive(Debug)]
pub struct Kafka {
    ops: KafkaGen,
    finals: HashMap<usize, FinalThread>,
}

impl Kafka {
    pub fn new(opts: &TestOptions) -> Kafka {
        Kafka {
            ops: KafkaGen::from_options(opts),
            finals: HashMap::new(),
        }
    }
}

fn invocation(op: &KafkaOp) -> Invocation {
    Invocation {
        extra: op.extra(),
        ..Invocation::new(op.f(), op.value())
    }
}

impl Workload for Kafka {
    fn reusable(&self) -> bool {
        false
    }

    fn generate(&mut self, _thread: usize, now: Duration, rng: &mut StdRng) -> Option<Invocation> {
        Some(invocation(&self.ops.next(nanos(now), rng)))
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_step(&mut self, thread: usize, now: Duration, rng: &mut StdRng) -> FinalStep {
        let ops = &self.ops;
        let state = self.finals.entry(thread).or_insert_with(|| FinalThread {
            poller: ops.final_poller(),
            due: None,
        });
        let now = nanos(now);
        let next = match state.due.take() {
            Some(due) => Some(due),
            None => state.poller.next(now, rng),
        };
        match next {
            None => FinalStep::Done,
            Some((op, at)) if at > now => {
                state.due = Some((op, at));
                FinalStep::Wait(Duration::from_nanos(at - now))
            }
            Some((op, _)) => FinalStep::Op(invocation(&op)),
        }
    }

    fn final_time_limit(&self) -> Option<Duration> {
        Some(FINAL_PHASE_LIMIT)
    }

    fn observe(&mut self, thread: usize, op: &Invocation, completion: &Completion) {
        let done = Op::new(
            completion.kind,
            Process::Client(thread as u64),
            op.f,
            completion.value.clone(),
        );
        // The main phase is over (every op completed) before any thread starts its final one.
        match self.finals.get_mut(&thread) {
            Some(state) => state.poller.observe(&done),
            None => self.ops.observe(&done),
        }
    }

    fn client(&self) -> Box<dyn WorkloadClient> {
        Box::new(KafkaClient::default())
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Maelstrom's kafka client: one per process.
#[derive(Debug, Default)]
struct KafkaClient {
    /// Assigned key → the next offset to poll from.
    offsets: BTreeMap<String, i64>,
}

impl WorkloadClient for KafkaClient {
    fn invoke<'a>(
        &'a mut self,
        rpc: &'a mut RpcClient,
        node: &'a str,
        op: &'a Invocation,
    ) -> BoxFuture<'a, Completion> {
        Box::pin(async move {
            match op.f {
                "assign" => self.assign(rpc, node, op).await,
                "send" => self.send(rpc, node, op).await,
                "poll" => self.poll(rpc, node, op).await,
                // `:crash`: no traffic; the thread moves to a new process and a fresh client.
                _ => Completion {
                    kind: OpType::Info,
                    value: op.value.clone(),
                    error: None,
                    extra: Vec::new(),
                },
            }
        })
    }
}

impl KafkaClient {
    async fn assign(&mut self, rpc: &mut RpcClient, node: &str, op: &Invocation) -> Completion {
        let keys: Vec<String> = op
            .value
            .as_slice()
            .unwrap_or_default()
            .iter()
            .map(wire_key)
            .collect();
        let seek = op
            .extra
            .iter()
            .any(|(k, v)| k == "seek-to-beginning?" && v.as_bool() == Some(true));
        if !seek {
            let request = json!({"type": "list_committed_offsets", "keys": keys});
            let reply = rpc
                .call(node, request, DEFAULT_TIMEOUT, &LIST_COMMITTED_OFFSETS_OK)
                .await;
            match reply {
                Err(e) => return with_errors(op, e, true),
                Ok(reply) => unasked_offsets(rpc, node, &keys, &reply),
            }
        }
        // Maelstrom looks each key up in the reply body rather than in its `offsets`, never
        // finds it, and so starts every newly assigned key at 0.
        self.offsets = keys
            .into_iter()
            .map(|k| {
                let start = if seek {
                    0
                } else {
                    self.offsets.get(&k).copied().unwrap_or(0)
                };
                (k, start)
            })
            .collect();
        Completion::ok(op.value.clone())
    }

    async fn send(&mut self, rpc: &mut RpcClient, node: &str, op: &Invocation) -> Completion {
        // The value is [[:send "k" msg]].
        let mop = op
            .value
            .as_slice()
            .and_then(|mops| mops.first())
            .and_then(Value::as_slice)
            .unwrap_or_default();
        let (key, msg) = match mop {
            [_, key, msg] => (key.clone(), msg.clone()),
            _ => (Value::Nil, Value::Nil),
        };
        let request = json!({"type": "send", "key": key.to_json(), "msg": msg.to_json()});
        match rpc.call(node, request, DEFAULT_TIMEOUT, &SEND_OK).await {
            Ok(reply) => {
                let offset = Value::from_json(&reply["offset"]);
                let mop = vec![Value::keyword("send"), key, Value::Vec(vec![offset, msg])];
                Completion::ok(Value::Vec(vec![Value::Vec(mop)]))
            }
            Err(e) => with_errors(op, e, false),
        }
    }

    async fn poll(&mut self, rpc: &mut RpcClient, node: &str, op: &Invocation) -> Completion {
        let offsets: Map<String, Json> = self
            .offsets
            .iter()
            .map(|(k, o)| (k.clone(), Json::from(*o)))
            .collect();
        let request = json!({"type": "poll", "offsets": offsets});
        let msgs = match rpc.call(node, request, DEFAULT_TIMEOUT, &POLL_OK).await {
            Ok(reply) => reply["msgs"].clone(),
            Err(e) => return with_errors(op, e, false),
        };
        let mut commit = Map::new();
        for (key, pairs) in msgs.as_object().into_iter().flatten() {
            let polled: Vec<i64> = pairs
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|pair| offset_of(&pair[0]))
                .collect();
            let highest = polled.iter().copied().fold(-1, i64::max);
            let next = self.offsets.entry(key.clone()).or_insert(highest + 1);
            *next = (*next).max(highest + 1);
            if !polled.is_empty() {
                commit.insert(key.clone(), Json::from(highest.max(0)));
            }
        }
        if !commit.is_empty() {
            let request = json!({"type": "commit_offsets", "offsets": commit});
            if let Err(e) = rpc
                .call(node, request, DEFAULT_TIMEOUT, &COMMIT_OFFSETS_OK)
                .await
            {
                return with_errors(op, e, false);
            }
        }
        let mop = vec![Value::keyword("poll"), Value::from_json(&msgs)];
        Completion::ok(Value::Vec(vec![Value::Vec(mop)]))
    }
}

/// The course's rule that a reply answers its request: `list_committed_offsets_ok` may only
/// list keys that were asked for. Maelstrom ignores the reply's offsets altogether (it looks in
/// the wrong map), and a history keeps no trace of them, so only this client can check it.
fn unasked_offsets(rpc: &RpcClient, node: &str, keys: &[String], reply: &Json) {
    let extra: Vec<&String> = reply["offsets"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .filter(|k| !keys.contains(k))
        .collect();
    if extra.is_empty() {
        return;
    }
    let shown: Vec<String> = extra.iter().map(|k| format!("{k:?}")).collect();
    rpc.diagnose(
        format!("unasked offsets {node}"),
        format!(
            "{node} answered list_committed_offsets for keys {keys:?} with offsets for keys it \
             was not asked about ({}); a reply must answer its request (the course's rule: \
             Maelstrom ignores these offsets)",
            shown.join(", ")
        ),
        vec![format!("The reply was `{reply}`.")],
    );
}

/// A key as it goes on the wire: the generator's keys are strings already.
fn wire_key(key: &Value) -> String {
    match key {
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A polled offset (schema-checked to be an integer); one beyond `i64` saturates.
fn offset_of(offset: &Json) -> i64 {
    offset
        .as_i64()
        .unwrap_or(if offset.is_u64() { i64::MAX } else { -1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::clock::{Clock, WallClock};
    use crate::builtin::diagnosis::Diagnoses;
    use crate::builtin::net::{Delivery, Latency, Network};
    use rand::SeedableRng;
    use std::sync::{Arc, Mutex};

    /// An in-process node n0 that answers each request with `answer(request)` and remembers the
    /// requests it got.
    fn fake_node(answer: fn(&Json) -> Json) -> (Arc<Network>, Arc<Mutex<Vec<Json>>>) {
        let clock: Arc<dyn Clock> = Arc::new(WallClock::start());
        let net = Arc::new(Network::new(
            clock,
            Latency::Constant(0),
            StdRng::seed_from_u64(1),
            None,
        ));
        net.add_endpoint("n0");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (n, log) = (net.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                let far = n.clock().now() + Duration::from_secs(1);
                match n.recv("n0", far).await {
                    Delivery::Message(m) => {
                        log.lock().unwrap().push(m.body.clone());
                        let mut reply = answer(&m.body);
                        reply["in_reply_to"] = m.body["msg_id"].clone();
                        let _ = n.send("n0", &m.src, reply);
                    }
                    Delivery::Nothing => {}
                    Delivery::Gone => return,
                }
            }
        });
        (net, seen)
    }

    /// A node whose committed offsets are all 5, whose poll returns key "9" (never asked for)
    /// at offsets 3 and 4, and which refuses commits of key "9" with a definite error.
    fn answer(request: &Json) -> Json {
        match request["type"].as_str() {
            Some("list_committed_offsets") => {
                json!({"type": "list_committed_offsets_ok", "offsets": {"1": 5, "2": 5}})
            }
            Some("poll") => json!({"type": "poll_ok", "msgs": {"9": [[3, 30], [4, 40]], "1": []}}),
            Some("commit_offsets") => {
                json!({"type": "error", "code": 11, "text": "not now"})
            }
            _ => json!({"type": "send_ok", "offset": 7}),
        }
    }

    fn assign(keys: &[&str], seek: bool) -> Invocation {
        let op = KafkaOp::Assign {
            keys: keys.iter().map(|k| k.parse().unwrap()).collect(),
            seek_to_beginning: seek,
            unseen: None,
        };
        invocation(&op)
    }

    #[tokio::test]
    async fn committed_offsets_for_keys_not_asked_are_diagnosed() {
        // This node answers with offsets for keys "1" and "2" whatever it is asked.
        let (net, _) = fake_node(answer);
        let diagnoses = Diagnoses::default();
        let mut rpc = RpcClient::open(&net, &diagnoses);
        let mut client = KafkaClient::default();
        let done = client.invoke(&mut rpc, "n0", &assign(&["1"], false)).await;
        // Maelstrom ignores the offsets, so the op is fine; the course names the reply.
        assert_eq!(done.kind, OpType::Ok);
        let checks = diagnoses.checks();
        assert_eq!(checks.len(), 1, "{checks:?}");
        assert!(
            checks[0].summary.starts_with(
                "n0 answered list_committed_offsets for keys [\"1\"] with offsets for keys it \
                 was not asked about (\"2\")"
            ),
            "{}",
            checks[0].summary
        );
    }

    #[tokio::test]
    async fn the_client_behaves_as_maelstroms_does() {
        let (net, seen) = fake_node(answer);
        let diagnoses = Diagnoses::default();
        let mut rpc = RpcClient::open(&net, &diagnoses);
        let mut client = KafkaClient::default();

        // Assign asks for committed offsets, then starts every new key at 0 anyway.
        let done = client
            .invoke(&mut rpc, "n0", &assign(&["1", "2"], false))
            .await;
        assert_eq!(done.kind, OpType::Ok);
        assert!(
            diagnoses.checks().is_empty(),
            "the offsets answer what was asked"
        );
        assert_eq!(done.value.to_string(), r#"["1" "2"]"#);
        assert_eq!(seen.lock().unwrap()[0]["keys"], json!(["1", "2"]));
        assert_eq!(
            client.offsets,
            BTreeMap::from([("1".into(), 0), ("2".into(), 0)])
        );

        // A poll asks from those offsets; key "9" in the reply joins the offsets; the commit of
        // the highest polled offset fails, and so does the whole poll, offsets moved regardless.
        let poll = invocation(&KafkaOp::Poll { poll_ms: None });
        let done = client.invoke(&mut rpc, "n0", &poll).await;
        let requests = seen.lock().unwrap().clone();
        assert_eq!(requests[1]["offsets"], json!({"1": 0, "2": 0}));
        assert_eq!(requests[2]["type"], "commit_offsets");
        assert_eq!(requests[2]["offsets"], json!({"9": 4}));
        assert_eq!(done.kind, OpType::Fail);
        assert_eq!(done.value.to_string(), "[[:poll]]");
        assert_eq!(client.offsets.get("9"), Some(&5));
        assert_eq!(client.offsets.get("1"), Some(&0));

        // Re-assigning keeps a key's offset, drops unassigned keys, and a seek sends nothing.
        client
            .invoke(&mut rpc, "n0", &assign(&["9", "3"], false))
            .await;
        assert_eq!(
            client.offsets,
            BTreeMap::from([("3".into(), 0), ("9".into(), 5)])
        );
        let before = seen.lock().unwrap().len();
        let done = client.invoke(&mut rpc, "n0", &assign(&["9"], true)).await;
        assert_eq!(seen.lock().unwrap().len(), before);
        assert_eq!(client.offsets, BTreeMap::from([("9".into(), 0)]));
        assert_eq!(done.kind, OpType::Ok);

        // A send records [[:send k [offset msg]]]; a crash is :info with no traffic.
        let send = invocation(&KafkaOp::Send { key: 4, value: 2 });
        let done = client.invoke(&mut rpc, "n0", &send).await;
        assert_eq!(done.value.to_string(), r#"[[:send "4" [7 2]]]"#);
        assert_eq!(seen.lock().unwrap().last().unwrap()["key"], "4");
        let before = seen.lock().unwrap().len();
        let done = client
            .invoke(&mut rpc, "n0", &invocation(&KafkaOp::Crash))
            .await;
        assert_eq!((done.kind, done.error), (OpType::Info, None));
        assert_eq!(seen.lock().unwrap().len(), before);
        // The only fault: the re-assign of "9" and "3" got offsets for "1" and "2".
        let faults: Vec<String> = diagnoses.checks().into_iter().map(|c| c.summary).collect();
        assert_eq!(faults.len(), 1, "{faults:?}");
        assert!(
            faults[0].contains("not asked about (\"1\", \"2\")"),
            "{faults:?}"
        );
    }

    #[test]
    fn poll_replies_are_maps_of_integer_offset_pairs() {
        let ok = |msgs: Json| {
            POLL_OK
                .validate(&json!({"type": "poll_ok", "in_reply_to": 2, "msgs": msgs}))
                .is_ok()
        };
        assert!(ok(json!({})));
        assert!(ok(json!({"1": [[0, 5], [1, "x"]], "2": [], "3": null})));
        assert!(!ok(json!(null)));
        assert!(!ok(json!([])));
        assert!(!ok(json!({"1": [[0, 5, 6]]})));
        assert!(!ok(json!({"1": [[0.0, 5]]})));
        assert!(!ok(json!({"1": [null]})));
        assert!(!ok(json!({"1": {"0": 5}})));
        let committed = |offsets: Json| {
            LIST_COMMITTED_OFFSETS_OK
                .validate(&json!({"type": "list_committed_offsets_ok", "in_reply_to": 2, "offsets": offsets}))
                .is_ok()
        };
        assert!(committed(json!({"1": 3})));
        assert!(!committed(json!({"1": "3"})));
        assert!(!committed(json!(null)));
    }

    #[test]
    fn the_final_phase_waits_for_staggered_polls_and_ends_when_caught_up() {
        let opts = TestOptions::parse(&["-w", "kafka", "--node-count", "1"]).unwrap();
        let mut w = Kafka::new(&opts);
        let mut rng = StdRng::seed_from_u64(7);
        // The main phase saw key "3" up to offset 1.
        let send = Invocation::new("send", Value::Nil);
        let sent = Completion::ok(Value::Vec(vec![Value::Vec(vec![
            Value::keyword("send"),
            Value::Str("3".into()),
            Value::Vec(vec![Value::Int(1), Value::Int(2)]),
        ])]));
        w.observe(0, &send, &sent);

        let t = Duration::from_secs(40);
        let FinalStep::Op(crash) = w.final_step(0, t, &mut rng) else {
            panic!("crash first")
        };
        assert_eq!(crash.f, "crash");
        let FinalStep::Op(assign) = w.final_step(0, t, &mut rng) else {
            panic!("then assign")
        };
        assert_eq!(assign.value.to_string(), r#"["3"]"#);
        assert_eq!(
            assign.extra,
            vec![("seek-to-beginning?".to_owned(), Value::Bool(true))]
        );
        // Polls come every U[0, 0.4) s: either now, or after a wait that then yields the poll.
        let mut polls = 0;
        let mut now = t;
        while polls < 5 {
            match w.final_step(0, now, &mut rng) {
                FinalStep::Op(poll) => {
                    assert_eq!(poll.f, "poll");
                    assert_eq!(poll.extra, vec![("poll-ms".to_owned(), Value::Int(1000))]);
                    polls += 1;
                }
                FinalStep::Wait(d) => {
                    assert!(d < Duration::from_millis(400));
                    now += d;
                }
                FinalStep::Done => panic!("not caught up yet"),
            }
        }
        // A poll that reaches offset 1 of key "3" ends this thread's phase.
        let poll = Invocation::new("poll", Value::Nil);
        let polled = Completion::ok(Value::Vec(vec![Value::Vec(vec![
            Value::keyword("poll"),
            Value::from_json(&json!({"3": [[0, 1], [1, 2]]})),
        ])]));
        w.observe(0, &poll, &polled);
        assert_eq!(w.final_step(0, now, &mut rng), FinalStep::Done);
        // Another thread still has its own phase to run.
        assert!(matches!(w.final_step(1, now, &mut rng), FinalStep::Op(_)));
        assert_eq!(w.final_time_limit(), Some(Duration::from_secs(10)));
    }
}
