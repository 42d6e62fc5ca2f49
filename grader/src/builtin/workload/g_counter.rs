//! The g-counter workload (spec §7.5): clients add non-negative deltas and read the total; after
//! the main phase, heal and 10 s of quiet, every thread reads once more (`:final? true`) and the
//! checker holds those final reads to the acknowledged sum.
//!
//! Maelstrom's counter client is not wrapped in `with-errors`: any timeout or error reply, even a
//! definite one, escapes as an exception, so the op is `:info` (an add that may have happened)
//! and carries an `:exception`. The client is not reusable.

use std::collections::HashSet;
use std::time::Duration;

use rand::rngs::StdRng;

use crate::builtin::client::{RpcClient, DEFAULT_TIMEOUT};
use crate::builtin::clock::BoxFuture;
use crate::builtin::gen::{CounterGen, CounterOp};
use crate::builtin::schema::{Field, Schema};
use crate::value::Value;

use super::{indeterminate, Completion, FinalStep, Invocation, Workload, WorkloadClient};

const ADD_OK: Schema = Schema {
    reply_type: "add_ok",
    fields: &[],
};
/// `value` must be a JSON integer: `3.0` or `null` make the read `:info`.
const READ_OK: Schema = Schema {
    reply_type: "read_ok",
    fields: &[("value", Field::Int)],
};

#[derive(Debug)]
pub struct GCounter {
    ops: CounterGen,
    final_done: HashSet<usize>,
}

impl Default for GCounter {
    fn default() -> GCounter {
        GCounter {
            ops: CounterGen::g_counter(),
            final_done: HashSet::new(),
        }
    }
}

impl Workload for GCounter {
    fn reusable(&self) -> bool {
        false
    }

    fn generate(&mut self, _thread: usize, _now: Duration, rng: &mut StdRng) -> Option<Invocation> {
        let op = self.ops.next(rng);
        Some(Invocation::new(op.f(), op.value()))
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_step(&mut self, thread: usize, _now: Duration, _rng: &mut StdRng) -> FinalStep {
        if self.final_done.insert(thread) {
            FinalStep::Op(Invocation {
                final_read: true,
                ..Invocation::new(CounterOp::Read.f(), CounterOp::Read.value())
            })
        } else {
            FinalStep::Done
        }
    }

    fn client(&self) -> Box<dyn WorkloadClient> {
        Box::new(GCounterClient)
    }
}

#[derive(Debug)]
struct GCounterClient;

impl WorkloadClient for GCounterClient {
    fn invoke<'a>(
        &'a mut self,
        rpc: &'a mut RpcClient,
        node: &'a str,
        op: &'a Invocation,
    ) -> BoxFuture<'a, Completion> {
        Box::pin(async move {
            let counter_op = match op.value.as_int() {
                Some(delta) if op.f == "add" => CounterOp::Add { delta },
                _ => CounterOp::Read,
            };
            let schema = match counter_op {
                CounterOp::Add { .. } => &ADD_OK,
                CounterOp::Read => &READ_OK,
            };
            match rpc
                .call(node, counter_op.request(), DEFAULT_TIMEOUT, schema)
                .await
            {
                Ok(reply) => match counter_op {
                    CounterOp::Add { .. } => Completion::ok(op.value.clone()),
                    CounterOp::Read => Completion::ok(Value::from_json(&reply["value"])),
                },
                Err(e) => indeterminate(op, &e),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn adds_a_third_then_one_final_read_per_thread() {
        let mut w = GCounter::default();
        let mut rng = StdRng::seed_from_u64(1);
        let ops: Vec<Invocation> = (0..3000)
            .map(|_| w.generate(0, Duration::ZERO, &mut rng).unwrap())
            .collect();
        let adds = ops.iter().filter(|o| o.f == "add").count();
        assert!((900..1100).contains(&adds), "{adds}");
        assert!(ops.iter().all(
            |o| (o.f == "add" && (0..=4).contains(&o.value.as_int().unwrap()))
                || (o.f == "read" && o.value.is_nil() && !o.final_read)
        ));
        let t = Duration::ZERO;
        let FinalStep::Op(read) = w.final_step(2, t, &mut rng) else {
            panic!("no final read")
        };
        assert!(read.final_read && read.f == "read");
        assert_eq!(w.final_step(2, t, &mut rng), FinalStep::Done);
        assert!(w.has_final_phase() && !w.reusable());
    }
}
