//! Maelstrom's built-in services: `lin-kv`, `seq-kv`, `lww-kv` and `lin-tso` (spec §6).
//!
//! Services are network endpoints like nodes, but live inside the harness. Each one is pure
//! request → reply logic; the network delivers requests and replies with latency both ways and
//! never partitions them. The behaviour is Maelstrom's as written (`src/maelstrom/service.clj`),
//! including what its documentation does not say: seq-kv serves stale states per requesting node,
//! lww-kv's two replicas never converge, and a request a service does not understand gets no reply
//! at all.

mod clojure;
mod kv;
mod lin;
mod lww_kv;
mod seq_kv;

use rand::RngCore;

pub use lin::{LinKv, LinTso};
pub use lww_kv::LwwKv;
pub use seq_kv::SeqKv;

/// What a service does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceReply {
    /// The reply body, without `in_reply_to` (the network adds it from the request's `msg_id`).
    Reply(serde_json::Value),
    /// Maelstrom sends nothing back (unknown request type, `ts` sent to a KV…); the reason is
    /// shown in the report, because the node will only see a timeout.
    NoReply(String),
}

/// One service endpoint.
pub trait Service: Send + std::fmt::Debug {
    /// The endpoint id: `"lin-kv"`, `"seq-kv"`, `"lww-kv"` or `"lin-tso"`.
    fn id(&self) -> &'static str;

    /// Handles one request body sent by `src`. Requests are handled strictly one at a time.
    fn handle(
        &mut self,
        src: &str,
        body: &serde_json::Value,
        rng: &mut dyn RngCore,
    ) -> ServiceReply;
}

/// A fresh instance of every service, as the primary node's setup registers them.
pub fn all() -> Vec<Box<dyn Service>> {
    vec![
        Box::new(LinKv::default()),
        Box::new(SeqKv::default()),
        Box::new(LwwKv::default()),
        Box::new(LinTso::default()),
    ]
}

/// Why a service stays silent about `body`, in words a learner can act on.
fn unknown_request(service: &str, body: &serde_json::Value) -> ServiceReply {
    const SILENCE: &str = "Maelstrom sends no reply, so your node will only see a timeout";
    let reason = match body.get("type") {
        Some(serde_json::Value::String(t)) if service == "lin-tso" => {
            format!("lin-tso only answers \"ts\" requests, not {t:?}; {SILENCE}")
        }
        Some(serde_json::Value::String(t)) if t == "ts" => format!(
            "{service} does not know the request type \"ts\" (only lin-tso hands out \
             timestamps); {SILENCE}"
        ),
        Some(serde_json::Value::String(t)) => format!(
            "{service} does not know the request type {t:?} (it answers read, write and cas); \
             {SILENCE}"
        ),
        Some(other) => {
            format!("{service} got a request whose \"type\" is {other}, not a string; {SILENCE}")
        }
        None => format!("{service} got a request without a \"type\" field; {SILENCE}"),
    };
    ServiceReply::NoReply(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use serde_json::json;

    #[test]
    fn all_registers_the_four_services_fresh() {
        let ids: Vec<_> = all().iter().map(|s| s.id()).collect();
        assert_eq!(ids, ["lin-kv", "seq-kv", "lww-kv", "lin-tso"]);
        let mut rng = StdRng::seed_from_u64(1);
        for mut service in all() {
            let reply = service.handle("n1", &json!({"type": "read", "key": "k"}), &mut rng);
            let expected = if service.id() == "lin-tso" {
                "no reply"
            } else {
                "key does not exist"
            };
            match reply {
                ServiceReply::Reply(body) => assert_eq!(body["text"], expected),
                ServiceReply::NoReply(reason) => {
                    assert_eq!(expected, "no reply", "{reason}");
                    assert!(reason.contains("only answers \"ts\""), "{reason}");
                }
            }
        }
    }

    #[test]
    fn unknown_requests_get_no_reply_and_a_reason() {
        let mut rng = StdRng::seed_from_u64(2);
        for mut service in all() {
            for body in [
                json!({"type": "get", "key": "k"}),
                json!({"type": 3}),
                json!({"key": "k"}),
            ] {
                match service.handle("n1", &body, &mut rng) {
                    ServiceReply::NoReply(reason) => {
                        assert!(reason.contains("only see a timeout"), "{reason}");
                        assert!(reason.contains(service.id()), "{reason}");
                    }
                    reply => panic!("{} answered {body}: {reply:?}", service.id()),
                }
            }
        }
        let ServiceReply::NoReply(reason) =
            SeqKv::default().handle("n1", &json!({"type": "get"}), &mut rng)
        else {
            panic!("seq-kv answered get");
        };
        assert_eq!(
            reason,
            "seq-kv does not know the request type \"get\" (it answers read, write and cas); \
             Maelstrom sends no reply, so your node will only see a timeout"
        );
        let ServiceReply::NoReply(reason) =
            LinKv::default().handle("n1", &json!({"type": "ts"}), &mut rng)
        else {
            panic!("lin-kv answered ts");
        };
        assert!(reason.contains("only lin-tso"), "{reason}");
    }
}
