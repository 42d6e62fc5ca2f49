//! In-memory stand-ins for Maelstrom's services, answering a node's requests inside the test harness.
//!
//! By default all three key-value stores are plainly linearizable (one map each), which keeps tests
//! deterministic. Two behaviours are kept from Maelstrom because solutions must cope with them:
//! `lww-kv` ignores `create_if_not_exists`, and requests a service does not understand get no reply at
//! all, so the node's timeout is what fires. `seq-kv` can also be made *maximally stale*
//! ([`SeqKv::Stale`]): Maelstrom lets it answer from any state between the newest and the last one the
//! requesting node saw (spec §6.3); the stale mode always picks the oldest, so a solution that trusts
//! a `seq-kv` read to be fresh fails every time instead of once in a while.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::Kv;

/// How `seq-kv` answers in the harness.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SeqKv {
    /// Like `lin-kv`: every request sees the newest state.
    #[default]
    Linearizable,
    /// Every request is evaluated against the oldest state Maelstrom would allow for its sender; a
    /// request that would change that old state is re-run against the newest one.
    Stale,
}

/// How many past states Maelstrom's seq-kv keeps.
const SEQ_KV_WINDOW: usize = 32;

type Store = BTreeMap<String, Value>;

/// The services a harness cluster offers, by their network ids.
#[derive(Debug, Default)]
pub(crate) struct Services {
    seq_mode: SeqKv,
    lin: Store,
    lww: Store,
    /// seq-kv's recent states, oldest first; the last is the newest.
    seq_states: Vec<Store>,
    /// How many states have been dropped off the front of `seq_states`.
    seq_dropped: usize,
    /// Per requester: the absolute index of the newest state it has seen.
    seq_seen: HashMap<String, usize>,
    next_ts: u64,
}

/// Whether `id` names one of the services.
pub(crate) fn is_service(id: &str) -> bool {
    matches!(id, "lin-kv" | "seq-kv" | "lww-kv" | "lin-tso")
}

/// Keys are arbitrary JSON compared by value (`1`, `1.0` and `"1"` are three keys), so they are stored
/// under their compact JSON text.
fn key_text(key: &Value) -> String {
    key.to_string()
}

impl Services {
    pub fn new(seq_mode: SeqKv) -> Self {
        Services {
            seq_mode,
            seq_states: vec![Store::new()],
            ..Services::default()
        }
    }

    /// A key's value in the newest state.
    pub fn value(&self, kv: Kv, key: &Value) -> Option<&Value> {
        let store = match kv {
            Kv::Lin => &self.lin,
            Kv::Lww => &self.lww,
            Kv::Seq => self.seq_states.last()?,
        };
        store.get(&key_text(key))
    }

    pub fn set(&mut self, kv: Kv, key: &Value, value: Value) {
        match kv {
            Kv::Lin => {
                self.lin.insert(key_text(key), value);
            }
            Kv::Lww => {
                self.lww.insert(key_text(key), value);
            }
            Kv::Seq => {
                let mut newest = self.seq_states.last().cloned().unwrap_or_default();
                newest.insert(key_text(key), value);
                self.push_seq_state(newest);
            }
        }
    }

    /// Answers one request body that `src` sent to `service`; `None` means the service stays silent.
    pub fn handle(
        &mut self,
        service: &str,
        src: &str,
        request: &Map<String, Value>,
    ) -> Option<Value> {
        let kind = request.get("type").and_then(Value::as_str)?;
        let mut reply = match service {
            "lin-tso" if kind == "ts" => {
                let ts = self.next_ts;
                self.next_ts += 1;
                json!({ "type": "ts_ok", "ts": ts })
            }
            "lin-kv" => apply_in_place(&mut self.lin, kind, request, true)?,
            "lww-kv" => apply_in_place(&mut self.lww, kind, request, false)?,
            "seq-kv" => self.seq(src, kind, request)?,
            _ => return None,
        };
        reply["in_reply_to"] = request.get("msg_id").cloned().unwrap_or(Value::Null);
        Some(reply)
    }

    fn seq(&mut self, src: &str, kind: &str, request: &Map<String, Value>) -> Option<Value> {
        if self.seq_states.is_empty() {
            self.seq_states.push(Store::new());
        }
        let newest = self.seq_dropped + self.seq_states.len() - 1;
        let index = match self.seq_mode {
            SeqKv::Linearizable => newest,
            SeqKv::Stale => self
                .seq_seen
                .get(src)
                .copied()
                .unwrap_or(0)
                .max(self.seq_dropped),
        };
        let state = &self.seq_states[index - self.seq_dropped];
        let (reply, change) = evaluate(state, kind, request, true)?;
        let Some((key, value)) = change.filter(|(key, value)| state.get(key) != Some(value)) else {
            self.seq_seen.insert(src.to_string(), index);
            return Some(reply);
        };
        let (reply, change) = if index == newest {
            (reply, Some((key, value)))
        } else {
            let newest_state = &self.seq_states[newest - self.seq_dropped];
            evaluate(newest_state, kind, request, true)?
        };
        let mut next = self.seq_states[newest - self.seq_dropped].clone();
        if let Some((key, value)) = change {
            next.insert(key, value);
        }
        self.push_seq_state(next);
        self.seq_seen.insert(src.to_string(), newest + 1);
        Some(reply)
    }

    fn push_seq_state(&mut self, state: Store) {
        self.seq_states.push(state);
        if self.seq_states.len() > SEQ_KV_WINDOW {
            self.seq_states.remove(0);
            self.seq_dropped += 1;
        }
    }
}

fn apply_in_place(
    store: &mut Store,
    kind: &str,
    request: &Map<String, Value>,
    honor_create: bool,
) -> Option<Value> {
    let (reply, change) = evaluate(store, kind, request, honor_create)?;
    if let Some((key, value)) = change {
        store.insert(key, value);
    }
    Some(reply)
}

/// Evaluates one KV request against `store`: the reply, and the write it makes if it succeeds.
/// `None` for a request the service does not understand.
fn evaluate(
    store: &Store,
    kind: &str,
    request: &Map<String, Value>,
    honor_create: bool,
) -> Option<(Value, Option<(String, Value)>)> {
    let key = key_text(request.get("key").unwrap_or(&Value::Null));
    let field = |name: &str| request.get(name).cloned().unwrap_or(Value::Null);
    let missing = || json!({ "type": "error", "code": 20, "text": "key does not exist" });
    let outcome = match kind {
        "read" => match store.get(&key) {
            Some(value) => (json!({ "type": "read_ok", "value": value }), None),
            None => (missing(), None),
        },
        "write" => (json!({ "type": "write_ok" }), Some((key, field("value")))),
        "cas" => {
            let (from, to) = (field("from"), field("to"));
            let create = honor_create
                && request.get("create_if_not_exists").and_then(Value::as_bool) == Some(true);
            match store.get(&key) {
                Some(current) if *current == from => (json!({ "type": "cas_ok" }), Some((key, to))),
                Some(current) => {
                    let text = format!("current value {current} is not {from}");
                    (json!({ "type": "error", "code": 22, "text": text }), None)
                }
                None if create => (json!({ "type": "cas_ok" }), Some((key, to))),
                None => (missing(), None),
            }
        }
        _ => return None,
    };
    Some(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(services: &mut Services, service: &str, request: Value) -> Option<Value> {
        services.handle(service, "n0", request.as_object().unwrap())
    }

    #[test]
    fn kv_read_write_cas() {
        let mut s = Services::new(SeqKv::Linearizable);
        let r = ask(
            &mut s,
            "lin-kv",
            json!({"type":"read","key":"k","msg_id":1}),
        )
        .unwrap();
        assert_eq!(
            r,
            json!({"type":"error","code":20,"text":"key does not exist","in_reply_to":1})
        );
        let r = ask(
            &mut s,
            "lin-kv",
            json!({"type":"cas","key":"k","from":1,"to":2,"msg_id":2}),
        );
        assert_eq!(r.unwrap()["code"], 20);
        let r = ask(
            &mut s,
            "lin-kv",
            json!({"type":"cas","key":"k","from":1,"to":2,"create_if_not_exists":true,"msg_id":3}),
        );
        assert_eq!(r.unwrap(), json!({"type":"cas_ok","in_reply_to":3}));
        let r = ask(
            &mut s,
            "lin-kv",
            json!({"type":"cas","key":"k","from":1,"to":3,"msg_id":4}),
        );
        assert_eq!(r.unwrap()["text"], "current value 2 is not 1");
        ask(
            &mut s,
            "lin-kv",
            json!({"type":"write","key":"k","value":[1],"msg_id":5}),
        )
        .unwrap();
        let r = ask(
            &mut s,
            "lin-kv",
            json!({"type":"read","key":"k","msg_id":6}),
        )
        .unwrap();
        assert_eq!(r, json!({"type":"read_ok","value":[1],"in_reply_to":6}));
        assert_eq!(s.value(Kv::Lin, &json!("k")), Some(&json!([1])));
        assert_eq!(s.value(Kv::Seq, &json!("k")), None, "stores are separate");
    }

    #[test]
    fn lww_ignores_create_if_not_exists_and_unknown_requests_get_silence() {
        let mut s = Services::new(SeqKv::Linearizable);
        let r = ask(
            &mut s,
            "lww-kv",
            json!({"type":"cas","key":"k","from":1,"to":2,"create_if_not_exists":true,"msg_id":1}),
        );
        assert_eq!(r.unwrap()["code"], 20);
        assert_eq!(ask(&mut s, "lin-kv", json!({"type":"ts","msg_id":2})), None);
        assert_eq!(ask(&mut s, "lin-tso", json!({"type":"read","key":1})), None);
        let ts0 = ask(&mut s, "lin-tso", json!({"type":"ts","msg_id":3})).unwrap();
        let ts1 = ask(&mut s, "lin-tso", json!({"type":"ts"})).unwrap();
        assert_eq!(ts0, json!({"type":"ts_ok","ts":0,"in_reply_to":3}));
        assert_eq!(ts1, json!({"type":"ts_ok","ts":1,"in_reply_to":null}));
    }

    #[test]
    fn keys_compare_as_json_values() {
        let mut s = Services::new(SeqKv::Linearizable);
        s.set(Kv::Lin, &json!(1), json!("int"));
        assert_eq!(s.value(Kv::Lin, &json!(1)), Some(&json!("int")));
        assert_eq!(s.value(Kv::Lin, &json!("1")), None);
        assert_eq!(s.value(Kv::Lin, &json!(1.0)), None);
    }

    fn ask_from(s: &mut Services, src: &str, request: Value) -> Value {
        s.handle("seq-kv", src, request.as_object().unwrap())
            .unwrap()
    }

    #[test]
    fn stale_seq_kv_reads_lag_but_never_go_back_for_the_same_node() {
        let mut s = Services::new(SeqKv::Stale);
        ask_from(&mut s, "n0", json!({"type":"write","key":"k","value":1}));
        // n1 has seen nothing yet: it reads the initial, empty state.
        assert_eq!(
            ask_from(&mut s, "n1", json!({"type":"read","key":"k"}))["code"],
            20
        );
        // n0 wrote, so it sees its own write.
        assert_eq!(
            ask_from(&mut s, "n0", json!({"type":"read","key":"k"}))["value"],
            1
        );
        ask_from(&mut s, "n0", json!({"type":"write","key":"k","value":2}));
        // A cas that fails on n1's stale state is answered from that state.
        let stale_cas = ask_from(
            &mut s,
            "n1",
            json!({"type":"cas","key":"k","from":2,"to":3}),
        );
        assert_eq!(stale_cas["code"], 20);
        // A request that would change n1's stale state is re-run on the newest one (where k is 2, so
        // the cas succeeds), and n1 has then seen the newest state.
        let cas = json!({"type":"cas","key":"k","from":2,"to":3,"create_if_not_exists":true});
        assert_eq!(ask_from(&mut s, "n1", cas)["type"], "cas_ok");
        assert_eq!(s.value(Kv::Seq, &json!("k")), Some(&json!(3)));
        assert_eq!(
            ask_from(&mut s, "n1", json!({"type":"read","key":"k"}))["value"],
            3
        );
        // n0 has not seen that write, and keeps reading what it last saw.
        assert_eq!(
            ask_from(&mut s, "n0", json!({"type":"read","key":"k"}))["value"],
            2
        );
    }

    #[test]
    fn linearizable_seq_kv_is_always_fresh() {
        let mut s = Services::new(SeqKv::Linearizable);
        ask_from(&mut s, "n0", json!({"type":"write","key":"k","value":1}));
        assert_eq!(
            ask_from(&mut s, "n1", json!({"type":"read","key":"k"}))["value"],
            1
        );
    }
}
