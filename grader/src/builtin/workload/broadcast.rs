//! The broadcast workload (spec §7.3): values 0, 1, 2, … are broadcast into the cluster and every
//! node must eventually return all of them from `read`.
//!
//! Setup sends every node the whole topology; a node that does not answer `topology_ok` aborts
//! the test, as in Maelstrom. Operations are about half broadcasts, half reads; after the main
//! phase, each thread does one final read.

use std::collections::HashSet;

use std::time::Duration;

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::json;

use crate::builtin::client::{RpcClient, RpcError, DEFAULT_TIMEOUT};
use crate::builtin::clock::BoxFuture;
use crate::builtin::schema::{Field, Schema};
use crate::builtin::topology::{self, Topology};
use crate::options::TestOptions;
use crate::value::Value;

use super::{
    with_errors, Completion, FinalStep, Invocation, SetupError, SetupOutcome, Workload,
    WorkloadClient,
};

const TOPOLOGY_OK: Schema = Schema {
    reply_type: "topology_ok",
    fields: &[],
};
const BROADCAST_OK: Schema = Schema {
    reply_type: "broadcast_ok",
    fields: &[],
};
const READ_OK: Schema = Schema {
    reply_type: "read_ok",
    fields: &[("messages", Field::List)],
};

#[derive(Debug)]
pub struct Broadcast {
    topology: Topology,
    next_value: i64,
    final_done: HashSet<usize>,
}

impl Broadcast {
    pub fn new(opts: &TestOptions) -> Broadcast {
        // Options parsing only admits known topology names.
        let topology = topology::topology(&opts.topology, &opts.nodes).unwrap_or_default();
        Broadcast {
            topology,
            next_value: 0,
            final_done: HashSet::new(),
        }
    }
}

impl Workload for Broadcast {
    fn reusable(&self) -> bool {
        false
    }

    fn generate(&mut self, _thread: usize, _now: Duration, rng: &mut StdRng) -> Option<Invocation> {
        if rng.gen_bool(0.5) {
            let v = self.next_value;
            self.next_value += 1;
            Some(Invocation::new("broadcast", Value::Int(v)))
        } else {
            Some(Invocation::new("read", Value::Nil))
        }
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_step(&mut self, thread: usize, _now: Duration, _rng: &mut StdRng) -> FinalStep {
        if self.final_done.insert(thread) {
            FinalStep::Op(Invocation {
                final_read: true,
                ..Invocation::new("read", Value::Nil)
            })
        } else {
            FinalStep::Done
        }
    }

    fn setup(&self, mut rpc: RpcClient, node: String) -> BoxFuture<'static, SetupOutcome> {
        let request = json!({"type": "topology", "topology": topology::to_json(&self.topology)});
        Box::pin(async move {
            let why = match rpc
                .call(&node, request, DEFAULT_TIMEOUT, &TOPOLOGY_OK)
                .await
            {
                Ok(_) => return (rpc, Ok(())),
                Err(RpcError::Timeout) => "did not answer it within 5 s".to_owned(),
                Err(RpcError::Error { name, text, .. }) => format!(
                    "answered it with an error ({name}{})",
                    text.map(|t| format!(": {t}")).unwrap_or_default()
                ),
                Err(RpcError::Malformed { message, .. }) => {
                    format!("answered it wrongly ({message})")
                }
            };
            let error = SetupError(format!(
                "{node} was sent the topology message and {why}; Maelstrom aborts the test \
                 when a node does not reply topology_ok"
            ));
            (rpc, Err(error))
        })
    }

    fn client(&self) -> Box<dyn WorkloadClient> {
        Box::new(BroadcastClient)
    }
}

#[derive(Debug)]
struct BroadcastClient;

impl WorkloadClient for BroadcastClient {
    fn invoke<'a>(
        &'a mut self,
        rpc: &'a mut RpcClient,
        node: &'a str,
        op: &'a Invocation,
    ) -> BoxFuture<'a, Completion> {
        Box::pin(async move {
            if op.f == "broadcast" {
                let request = json!({"type": "broadcast", "message": op.value.to_json()});
                match rpc
                    .call(node, request, DEFAULT_TIMEOUT, &BROADCAST_OK)
                    .await
                {
                    Ok(_) => Completion::ok(op.value.clone()),
                    Err(e) => with_errors(op, e, false),
                }
            } else {
                let request = json!({"type": "read"});
                match rpc.call(node, request, DEFAULT_TIMEOUT, &READ_OK).await {
                    Ok(reply) => Completion::ok(Value::from_json(&reply["messages"])),
                    Err(e) => with_errors(op, e, true),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn values_count_up_and_the_mix_is_about_even() {
        let opts = TestOptions::parse(&["-w", "broadcast", "--node-count", "5"]).unwrap();
        let mut w = Broadcast::new(&opts);
        let mut rng = StdRng::seed_from_u64(3);
        let ops: Vec<Invocation> = (0..2000)
            .map(|_| w.generate(0, Duration::ZERO, &mut rng).unwrap())
            .collect();
        let values: Vec<i64> = ops
            .iter()
            .filter(|o| o.f == "broadcast")
            .map(|o| o.value.as_int().unwrap())
            .collect();
        assert!((900..1100).contains(&values.len()), "{}", values.len());
        assert!(values.iter().enumerate().all(|(i, v)| *v == i as i64));
        // One final read per thread.
        let t = Duration::ZERO;
        let FinalStep::Op(read) = w.final_step(0, t, &mut rng) else {
            panic!("no final read")
        };
        assert!(read.final_read);
        assert_eq!(w.final_step(0, t, &mut rng), FinalStep::Done);
        assert!(matches!(w.final_step(1, t, &mut rng), FinalStep::Op(_)));
    }
}
