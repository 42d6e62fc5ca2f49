//! The echo workload (spec §7.1): each request carries a string; the reply must echo it back.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::json;

use crate::builtin::client::RpcClient;
use crate::builtin::clock::BoxFuture;
use crate::builtin::schema::{Field, Schema};
use crate::value::Value;

use super::{body_value, with_errors, Completion, Invocation, Workload, WorkloadClient};

const ECHO_OK: Schema = Schema {
    reply_type: "echo_ok",
    fields: &[("echo", Field::Any)],
};

#[derive(Debug)]
pub struct Echo;

impl Workload for Echo {
    fn reusable(&self) -> bool {
        false
    }

    fn generate(&mut self, _thread: usize, _now: Duration, rng: &mut StdRng) -> Option<Invocation> {
        let n: u32 = rng.gen_range(0..128);
        Some(Invocation::new(
            "echo",
            Value::Str(format!("Please echo {n}")),
        ))
    }

    fn client(&self) -> Box<dyn WorkloadClient> {
        Box::new(EchoClient)
    }
}

#[derive(Debug)]
struct EchoClient;

impl WorkloadClient for EchoClient {
    fn invoke<'a>(
        &'a mut self,
        rpc: &'a mut RpcClient,
        node: &'a str,
        op: &'a Invocation,
    ) -> BoxFuture<'a, Completion> {
        Box::pin(async move {
            let timeout = crate::builtin::client::DEFAULT_TIMEOUT;
            let request = json!({"type": "echo", "echo": op.value.to_json()});
            match rpc.call(node, request, timeout, &ECHO_OK).await {
                // The op's value is the whole reply body.
                Ok(reply) => Completion::ok(body_value(&reply)),
                Err(e) => with_errors(op, e, false),
            }
        })
    }
}
