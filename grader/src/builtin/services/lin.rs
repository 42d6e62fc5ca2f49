//! The linearizable services, `lin-kv` and `lin-tso` (spec §6.2, §6.5): one state, every request
//! applied atomically to the latest version of it.

use rand::RngCore;
use serde_json::{json, Value as Json};

use super::kv::{Flavour, KvRequest, KvState};
use super::{unknown_request, Service, ServiceReply};

/// `lin-kv`: a single map behind an atomic swap.
#[derive(Debug, Default)]
pub struct LinKv {
    state: KvState,
}

impl Service for LinKv {
    fn id(&self) -> &'static str {
        "lin-kv"
    }

    fn handle(&mut self, _src: &str, body: &Json, _rng: &mut dyn RngCore) -> ServiceReply {
        match KvRequest::parse(body) {
            Some(request) => ServiceReply::Reply(self.state.handle(&request, Flavour::Persistent)),
            None => unknown_request(self.id(), body),
        }
    }
}

/// `lin-tso`: a timestamp oracle handing out 0, 1, 2, … to `ts` requests.
#[derive(Debug, Default)]
pub struct LinTso {
    next: u64,
}

impl Service for LinTso {
    fn id(&self) -> &'static str {
        "lin-tso"
    }

    fn handle(&mut self, _src: &str, body: &Json, _rng: &mut dyn RngCore) -> ServiceReply {
        if body.get("type").and_then(Json::as_str) != Some("ts") {
            return unknown_request(self.id(), body);
        }
        let ts = self.next;
        self.next += 1;
        ServiceReply::Reply(json!({"type": "ts_ok", "ts": ts}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn reply(service: &mut dyn Service, body: Json) -> Json {
        match service.handle("n1", &body, &mut StdRng::seed_from_u64(0)) {
            ServiceReply::Reply(reply) => reply,
            ServiceReply::NoReply(reason) => panic!("no reply to {body}: {reason}"),
        }
    }

    #[test]
    fn lin_kv_happy_paths() {
        let kv = &mut LinKv::default();
        assert_eq!(
            reply(kv, json!({"type": "write", "key": "x", "value": 1})),
            json!({"type": "write_ok"})
        );
        assert_eq!(
            reply(kv, json!({"type": "read", "key": "x"})),
            json!({"type": "read_ok", "value": 1})
        );
        assert_eq!(
            reply(
                kv,
                json!({"type": "cas", "key": "x", "from": 1, "to": [2, {"a": null}]})
            ),
            json!({"type": "cas_ok"})
        );
        assert_eq!(
            reply(kv, json!({"type": "read", "key": "x"})),
            json!({"type": "read_ok", "value": [2, {"a": null}]})
        );
        assert_eq!(
            reply(
                kv,
                json!({"type": "cas", "key": "new", "from": 0, "to": 7, "create_if_not_exists": true})
            ),
            json!({"type": "cas_ok"})
        );
        assert_eq!(
            reply(kv, json!({"type": "read", "key": "new"})),
            json!({"type": "read_ok", "value": 7})
        );
        // Keys are any JSON value, compared as Clojure does.
        reply(
            kv,
            json!({"type": "write", "key": [1, "a"], "value": "list key"}),
        );
        assert_eq!(
            reply(kv, json!({"type": "read", "key": [1, "a"]})),
            json!({"type": "read_ok", "value": "list key"})
        );
        reply(kv, json!({"type": "write", "value": "nil key"}));
        assert_eq!(
            reply(kv, json!({"type": "read", "key": null})),
            json!({"type": "read_ok", "value": "nil key"})
        );
    }

    #[test]
    fn lin_kv_errors() {
        let kv = &mut LinKv::default();
        let missing = json!({"type": "error", "code": 20, "text": "key does not exist"});
        assert_eq!(reply(kv, json!({"type": "read", "key": "x"})), missing);
        assert_eq!(
            reply(kv, json!({"type": "cas", "key": "x", "from": 1, "to": 2})),
            missing
        );
        assert_eq!(
            reply(
                kv,
                json!({"type": "cas", "key": "x", "from": 1, "to": 2, "create_if_not_exists": false})
            ),
            missing
        );
        reply(kv, json!({"type": "write", "key": 1, "value": 5}));
        assert_eq!(
            reply(kv, json!({"type": "read", "key": "1"})),
            missing,
            "\"1\" is not 1"
        );
        assert_eq!(
            reply(kv, json!({"type": "read", "key": 1.0})),
            missing,
            "1.0 is not 1"
        );

        let mismatch = |kv: &mut LinKv, current: Json, from: Json| {
            reply(kv, json!({"type": "write", "key": "m", "value": current}));
            reply(
                kv,
                json!({"type": "cas", "key": "m", "from": from, "to": 0}),
            )
        };
        assert_eq!(
            mismatch(kv, json!(3), json!(4)),
            json!({"type": "error", "code": 22, "text": "current value 3 is not 4"})
        );
        let text = |reply: Json| reply["text"].as_str().unwrap().to_owned();
        assert_eq!(
            text(mismatch(kv, json!("3"), json!(3))),
            r#"current value "3" is not 3"#
        );
        assert_eq!(
            text(mismatch(kv, json!(3), json!(3.0))),
            "current value 3 is not 3.0"
        );
        assert_eq!(
            text(mismatch(kv, json!(null), json!(false))),
            "current value nil is not false"
        );
        assert_eq!(
            text(mismatch(kv, json!(true), json!(null))),
            "current value true is not nil"
        );
        assert_eq!(
            text(mismatch(kv, json!([1, "a"]), json!({"k": [null]}))),
            r#"current value [1 "a"] is not {"k" [nil]}"#
        );
        // A failed cas leaves the value alone.
        assert_eq!(
            reply(kv, json!({"type": "read", "key": "m"})),
            json!({"type": "read_ok", "value": [1, "a"]})
        );
    }

    #[test]
    fn lin_tso_counts_from_zero() {
        let tso = &mut LinTso::default();
        for expected in 0..5 {
            assert_eq!(
                reply(tso, json!({"type": "ts"})),
                json!({"type": "ts_ok", "ts": expected})
            );
        }
        let silent = tso.handle(
            "n1",
            &json!({"type": "read", "key": 1}),
            &mut StdRng::seed_from_u64(0),
        );
        assert!(matches!(silent, ServiceReply::NoReply(_)));
        assert_eq!(
            reply(tso, json!({"type": "ts"})),
            json!({"type": "ts_ok", "ts": 5}),
            "no timestamp lost"
        );
    }
}
