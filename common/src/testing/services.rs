//! In-memory stand-ins for Maelstrom's services, answering a node's requests inside the test harness.
//!
//! All three key-value stores are plainly linearizable here (one map each), which keeps tests
//! deterministic; the one behaviour kept from Maelstrom because solutions must cope with it is that
//! `lww-kv` ignores `create_if_not_exists`. Requests a service does not understand get no reply at all,
//! as in Maelstrom, so the node's timeout is what fires.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::Kv;

/// The services a harness cluster offers, by their network ids.
#[derive(Debug, Default)]
pub(crate) struct Services {
    stores: BTreeMap<&'static str, BTreeMap<String, Value>>,
    next_ts: u64,
}

/// Whether `id` names one of the services.
pub(crate) fn is_service(id: &str) -> bool {
    matches!(id, "lin-kv" | "seq-kv" | "lww-kv" | "lin-tso")
}

fn store_name(kv: Kv) -> &'static str {
    kv.service()
}

/// Keys are arbitrary JSON compared by value (`1`, `1.0` and `"1"` are three keys), so they are stored
/// under their compact JSON text.
fn key_text(key: &Value) -> String {
    key.to_string()
}

impl Services {
    pub fn value(&self, kv: Kv, key: &Value) -> Option<&Value> {
        self.stores.get(store_name(kv))?.get(&key_text(key))
    }

    pub fn set(&mut self, kv: Kv, key: &Value, value: Value) {
        self.stores
            .entry(store_name(kv))
            .or_default()
            .insert(key_text(key), value);
    }

    /// Answers one request body sent to `service`; `None` means the service stays silent.
    pub fn handle(&mut self, service: &str, request: &Map<String, Value>) -> Option<Value> {
        let kind = request.get("type").and_then(Value::as_str)?;
        let mut reply = if service == "lin-tso" {
            if kind != "ts" {
                return None;
            }
            let ts = self.next_ts;
            self.next_ts += 1;
            json!({ "type": "ts_ok", "ts": ts })
        } else {
            let kv = match service {
                "lin-kv" => Kv::Lin,
                "seq-kv" => Kv::Seq,
                "lww-kv" => Kv::Lww,
                _ => return None,
            };
            self.kv(kv, kind, request)?
        };
        reply["in_reply_to"] = request.get("msg_id").cloned().unwrap_or(Value::Null);
        Some(reply)
    }

    fn kv(&mut self, kv: Kv, kind: &str, request: &Map<String, Value>) -> Option<Value> {
        let key = key_text(request.get("key").unwrap_or(&Value::Null));
        let store = self.stores.entry(store_name(kv)).or_default();
        let missing = || json!({ "type": "error", "code": 20, "text": "key does not exist" });
        let reply = match kind {
            "read" => match store.get(&key) {
                Some(value) => json!({ "type": "read_ok", "value": value }),
                None => missing(),
            },
            "write" => {
                let value = request.get("value").cloned().unwrap_or(Value::Null);
                store.insert(key, value);
                json!({ "type": "write_ok" })
            }
            "cas" => {
                let from = request.get("from").cloned().unwrap_or(Value::Null);
                let to = request.get("to").cloned().unwrap_or(Value::Null);
                let create = kv != Kv::Lww
                    && request.get("create_if_not_exists").and_then(Value::as_bool) == Some(true);
                match store.get(&key) {
                    Some(current) if *current == from => {
                        store.insert(key, to);
                        json!({ "type": "cas_ok" })
                    }
                    Some(current) => json!({
                        "type": "error",
                        "code": 22,
                        "text": format!("current value {current} is not {from}"),
                    }),
                    None if create => {
                        store.insert(key, to);
                        json!({ "type": "cas_ok" })
                    }
                    None => missing(),
                }
            }
            _ => return None,
        };
        Some(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(services: &mut Services, service: &str, request: Value) -> Option<Value> {
        services.handle(service, request.as_object().unwrap())
    }

    #[test]
    fn kv_read_write_cas() {
        let mut s = Services::default();
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
        let mut s = Services::default();
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
        let mut s = Services::default();
        s.set(Kv::Lin, &json!(1), json!("int"));
        assert_eq!(s.value(Kv::Lin, &json!(1)), Some(&json!("int")));
        assert_eq!(s.value(Kv::Lin, &json!("1")), None);
        assert_eq!(s.value(Kv::Lin, &json!(1.0)), None);
    }
}
