//! Maelstrom's synchronous RPC client (spec §5.2).
//!
//! A client is a network endpoint `c<k>` that does one request at a time: it numbers requests
//! `msg_id` 1, 2, … and waits for the message whose `in_reply_to` equals the current one,
//! discarding anything else. Maelstrom discards silently; here a reply that answers no request
//! this client ever made is also reported as a diagnosis, because it is always a node bug.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;

use super::diagnosis::Diagnoses;
use super::net::{Delivery, Network, SendError};
use super::schema::{is_int, Schema};
use super::wire::excerpt;

/// Maelstrom's default RPC timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why an RPC did not produce a usable reply.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcError {
    /// No reply in time (`:net-timeout`, indefinite).
    Timeout,
    /// The node replied `{"type":"error",…}`.
    Error {
        /// The registry name (`key-does-not-exist`…), or `unknown`.
        name: &'static str,
        definite: bool,
        text: Option<String>,
        /// The whole error body.
        body: Json,
    },
    /// The reply broke its closed schema, or the request could not be sent; an exception in
    /// Maelstrom, so the op becomes `:info`.
    Malformed { message: String, body: Json },
}

/// Maelstrom's error registry (`resources/errors.edn`): code → (name, definite?).
pub fn error_registry(code: &Json) -> (&'static str, bool) {
    let Some(code) = code.as_i64().filter(|_| is_int(code)) else {
        return ("unknown", false);
    };
    match code {
        0 => ("timeout", false),
        1 => ("node-not-found", true),
        10 => ("not-supported", true),
        11 => ("temporarily-unavailable", true),
        12 => ("malformed-request", true),
        13 => ("crash", false),
        14 => ("abort", true),
        20 => ("key-does-not-exist", true),
        21 => ("key-already-exists", true),
        22 => ("precondition-failed", true),
        30 => ("txn-conflict", true),
        _ => ("unknown", false),
    }
}

/// One client endpoint.
#[derive(Debug)]
pub struct RpcClient {
    id: String,
    last_msg_id: u64,
    /// The msg_ids whose reply arrived, so that a second reply to one is named, whenever it
    /// comes (a late reply to a request that timed out is not a fault).
    answered: std::collections::BTreeSet<u64>,
    net: Arc<Network>,
    diagnoses: Diagnoses,
}

impl RpcClient {
    /// Opens a fresh client: the next global client id, msg_id from 1.
    pub fn open(net: &Arc<Network>, diagnoses: &Diagnoses) -> RpcClient {
        RpcClient {
            id: net.open_client(),
            last_msg_id: 0,
            answered: Default::default(),
            net: net.clone(),
            diagnoses: diagnoses.clone(),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Reports a fault a workload client found in a reply that passed its schema (a reply that
    /// does not answer its request): it fails the run as a `"nodes"` check.
    pub fn diagnose(
        &self,
        key: impl Into<String>,
        summary: impl Into<String>,
        details: Vec<String>,
    ) {
        self.diagnoses.report(key, summary, details);
    }

    /// Closes the client: replies that arrive later have nowhere to go.
    pub fn close(self) {
        self.net.remove_endpoint(&self.id);
    }

    /// Sends `body` (an object; `msg_id` is added) to `dest` and waits up to `timeout` for the
    /// reply. An error reply becomes [`RpcError::Error`]; the body is otherwise returned as is.
    pub async fn rpc(
        &mut self,
        dest: &str,
        body: Json,
        timeout: Duration,
    ) -> Result<Json, RpcError> {
        let request_type = request_type(&body);
        self.exchange(dest, body, timeout, &request_type).await
    }

    /// [`RpcClient::rpc`] with the request's type already read, for the diagnoses.
    async fn exchange(
        &mut self,
        dest: &str,
        mut body: Json,
        timeout: Duration,
        request_type: &str,
    ) -> Result<Json, RpcError> {
        self.last_msg_id += 1;
        let msg_id = self.last_msg_id;
        body["msg_id"] = msg_id.into();
        if let Err((e, body)) = self.net.offer(&self.id, dest, body, 0) {
            let message = match e {
                SendError::UnknownDest { dest, .. } => format!("no such node: {dest}"),
                SendError::UnknownSrc { src } => format!("client {src} is closed"),
            };
            return Err(RpcError::Malformed { message, body });
        }
        let give_up_at = self.net.clock().now() + timeout;
        loop {
            let msg = match self.net.recv(&self.id, give_up_at).await {
                Delivery::Message(m) => m,
                Delivery::Nothing if self.net.clock().now() < give_up_at => continue,
                Delivery::Nothing | Delivery::Gone => return Err(RpcError::Timeout),
            };
            let in_reply_to = msg.body.get("in_reply_to");
            if in_reply_to.is_some_and(|v| is_int(v) && v.as_u64() == Some(msg_id)) {
                self.answered.insert(msg_id);
                return reply_result(msg.body);
            }
            self.diagnose_stray(&msg.src, in_reply_to, &msg.body, msg_id, request_type);
        }
    }

    /// Like [`RpcClient::rpc`], then validates a successful reply against `schema`.
    pub async fn call(
        &mut self,
        dest: &str,
        body: Json,
        timeout: Duration,
        schema: &Schema,
    ) -> Result<Json, RpcError> {
        let request_type = request_type(&body);
        let reply = self.exchange(dest, body, timeout, &request_type).await?;
        if let Err(why) = schema.validate(&reply) {
            let key = format!("malformed {dest} {}", schema.reply_type);
            self.diagnoses.report(
                key,
                format!("{dest} answered its {request_type} request with a malformed reply: {why}"),
                vec![
                    format!("The reply was `{}`.", excerpt(&reply.to_string())),
                    "Maelstrom records such an operation as indeterminate (:info) with a \
                     malformed-rpc-response exception."
                        .into(),
                ],
            );
            return Err(RpcError::Malformed {
                message: format!("Malformed RPC response from {dest}: {why}"),
                body: reply,
            });
        }
        Ok(reply)
    }

    /// A message that is not the awaited reply. Replies to this client's earlier requests are
    /// late, not wrong (the client gave up on them), so they pass silently as in Maelstrom.
    fn diagnose_stray(
        &self,
        src: &str,
        in_reply_to: Option<&Json>,
        body: &Json,
        waiting_for: u64,
        request_type: &str,
    ) {
        let late = in_reply_to
            .filter(|v| is_int(v))
            .and_then(Json::as_u64)
            .is_some_and(|k| k >= 1 && k < waiting_for);
        let me = &self.id;
        let again = in_reply_to
            .and_then(Json::as_u64)
            .filter(|k| self.answered.contains(k));
        if let Some(k) = again {
            self.diagnoses.report(
                format!("twice {src}"),
                format!(
                    "{src} answered {me}'s msg_id {k} twice; the second reply: `{}`",
                    excerpt(&body.to_string())
                ),
                vec![
                    "Each request gets exactly one reply. Maelstrom discards a second one while \
                     the client is open, but one that arrives after the client closed stops \
                     Maelstrom reading the node's stdout, so the verdict would depend on timing."
                        .into(),
                ],
            );
            return;
        }
        if late {
            return;
        }
        let summary = match in_reply_to {
            None => format!(
                "{src} sent {me} a message without in_reply_to (`{}`), but {me} is waiting for \
                 the reply to its {request_type} request, msg_id {waiting_for}",
                excerpt(&body.to_string())
            ),
            // serde_json reads an integer beyond u64 as a float: no msg_id can be that large.
            Some(v)
                if v.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 9.2e18) =>
            {
                format!(
                    "{src} answered {me} with in_reply_to {v}, an integer too large to be any \
                     msg_id the grader can track (they count up from 1), but {me} is waiting \
                     for msg_id {waiting_for}"
                )
            }
            Some(v) if !is_int(v) => format!(
                "{src} answered {me} with in_reply_to {v}, which is not an integer, but {me} is \
                 waiting for msg_id {waiting_for}"
            ),
            Some(v) => format!(
                "{src} answered {me} with in_reply_to {v}, but {me} is waiting for msg_id \
                 {waiting_for}"
            ),
        };
        self.diagnoses.report(
            format!("in_reply_to {src}"),
            summary,
            vec![
                "A reply must carry in_reply_to equal to the msg_id of the request it answers. \
                 Maelstrom silently discards any other message, so the request times out."
                    .into(),
            ],
        );
    }
}

/// A request's `type`, as the diagnoses name it (`?` when it has none).
fn request_type(body: &Json) -> String {
    body["type"].as_str().unwrap_or("?").to_owned()
}

fn reply_result(body: Json) -> Result<Json, RpcError> {
    if body.get("type").and_then(Json::as_str) == Some("error") {
        let (name, definite) = error_registry(body.get("code").unwrap_or(&Json::Null));
        return Err(RpcError::Error {
            name,
            definite,
            text: body.get("text").and_then(Json::as_str).map(str::to_owned),
            body,
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::clock::WallClock;
    use crate::builtin::net::Latency;
    use rand::SeedableRng;
    use serde_json::json;

    fn net() -> Arc<Network> {
        Arc::new(Network::new(
            Arc::new(WallClock::start()),
            Latency::Constant(0),
            rand::rngs::StdRng::seed_from_u64(1),
            None,
        ))
    }

    #[test]
    fn registry_codes() {
        assert_eq!(error_registry(&json!(20)), ("key-does-not-exist", true));
        assert_eq!(error_registry(&json!(13)), ("crash", false));
        assert_eq!(error_registry(&json!(1000)), ("unknown", false));
        assert_eq!(error_registry(&json!(20.0)), ("unknown", false));
        assert_eq!(error_registry(&Json::Null), ("unknown", false));
    }

    #[tokio::test]
    async fn waits_for_the_matching_reply_and_diagnoses_a_wrong_one() {
        let net = net();
        net.add_endpoint("n0");
        let d = Diagnoses::default();
        let mut c = RpcClient::open(&net, &d);
        let id = c.id().to_owned();
        // A fake node: answers first with a wrong in_reply_to, then correctly.
        let n = net.clone();
        let node = tokio::spawn(async move {
            let far = n.clock().now() + Duration::from_secs(2);
            let Delivery::Message(m) = n.recv("n0", far).await else {
                panic!()
            };
            assert_eq!(m.body["msg_id"], 1);
            n.send("n0", &m.src, json!({"type": "echo_ok", "in_reply_to": 7}))
                .unwrap();
            n.send("n0", &m.src, json!({"type": "echo_ok", "in_reply_to": 1}))
                .unwrap();
        });
        let reply = c
            .rpc("n0", json!({"type": "echo"}), Duration::from_secs(2))
            .await
            .unwrap();
        node.await.unwrap();
        assert_eq!(reply["in_reply_to"], 1);
        let checks = d.checks();
        assert_eq!(checks.len(), 1);
        assert_eq!(
            checks[0].summary,
            format!("n0 answered {id} with in_reply_to 7, but {id} is waiting for msg_id 1")
        );
    }

    #[tokio::test]
    async fn a_second_reply_to_an_answered_request_is_named() {
        let net = net();
        net.add_endpoint("n0");
        let d = Diagnoses::default();
        let mut c = RpcClient::open(&net, &d);
        let id = c.id().to_owned();
        let n = net.clone();
        let node = tokio::spawn(async move {
            for _ in 0..2 {
                let far = n.clock().now() + Duration::from_secs(2);
                let Delivery::Message(m) = n.recv("n0", far).await else {
                    panic!()
                };
                let k = m.body["msg_id"].clone();
                for _ in 0..2 {
                    n.send("n0", &m.src, json!({"type": "echo_ok", "in_reply_to": k}))
                        .unwrap();
                }
            }
        });
        for _ in 0..2 {
            c.rpc("n0", json!({"type": "echo"}), Duration::from_secs(2))
                .await
                .unwrap();
        }
        node.await.unwrap();
        let checks = d.checks();
        assert_eq!(checks.len(), 1);
        assert_eq!(
            checks[0].summary,
            format!(
                "n0 answered {id}'s msg_id 1 twice; the second reply: \
                 `{{\"in_reply_to\":1,\"type\":\"echo_ok\"}}`"
            )
        );
    }

    #[tokio::test]
    async fn times_out_and_maps_error_replies() {
        let net = net();
        net.add_endpoint("n0");
        let d = Diagnoses::default();
        let mut c = RpcClient::open(&net, &d);
        let r = c
            .rpc("n0", json!({"type": "echo"}), Duration::from_millis(30))
            .await;
        assert_eq!(r, Err(RpcError::Timeout));
        assert_eq!(
            reply_result(json!({"type": "error", "code": 11, "text": "busy"})),
            Err(RpcError::Error {
                name: "temporarily-unavailable",
                definite: true,
                text: Some("busy".into()),
                body: json!({"type": "error", "code": 11, "text": "busy"})
            })
        );
    }
}
