//! The unique-ids workload (spec §7.2): every `generate` must return an id never returned before.

use std::time::Duration;

use rand::rngs::StdRng;
use serde_json::json;

use crate::builtin::client::{RpcClient, DEFAULT_TIMEOUT};
use crate::builtin::clock::BoxFuture;
use crate::builtin::schema::{Field, Schema};
use crate::value::Value;

use super::{with_errors, Completion, Invocation, Workload, WorkloadClient};

const GENERATE_OK: Schema = Schema {
    reply_type: "generate_ok",
    fields: &[("id", Field::Any)],
};

#[derive(Debug)]
pub struct UniqueIds;

impl Workload for UniqueIds {
    /// Maelstrom's unique-ids client is reusable: a timeout keeps the client id.
    fn reusable(&self) -> bool {
        true
    }

    fn generate(
        &mut self,
        _thread: usize,
        _now: Duration,
        _rng: &mut StdRng,
    ) -> Option<Invocation> {
        Some(Invocation::new("generate", Value::Nil))
    }

    fn client(&self) -> Box<dyn WorkloadClient> {
        Box::new(UniqueIdsClient)
    }
}

#[derive(Debug)]
struct UniqueIdsClient;

impl WorkloadClient for UniqueIdsClient {
    fn invoke<'a>(
        &'a mut self,
        rpc: &'a mut RpcClient,
        node: &'a str,
        op: &'a Invocation,
    ) -> BoxFuture<'a, Completion> {
        Box::pin(async move {
            let request = json!({"type": "generate"});
            match rpc.call(node, request, DEFAULT_TIMEOUT, &GENERATE_OK).await {
                Ok(reply) => Completion::ok(Value::from_json(&reply["id"])),
                Err(e) => with_errors(op, e, false),
            }
        })
    }
}
