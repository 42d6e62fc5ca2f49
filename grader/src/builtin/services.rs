//! Maelstrom's built-in services: `lin-kv`, `seq-kv`, `lww-kv` and `lin-tso` (spec §6).
//!
//! Services are network endpoints like nodes, but live inside the harness. Each one is pure
//! request → reply logic; the network delivers requests and replies with latency both ways and
//! never partitions them.

use rand::RngCore;

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
    Vec::new()
}
