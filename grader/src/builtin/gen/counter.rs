//! The g-counter and pn-counter op stream (spec §7.5).
//!
//! pn-counter mixes, 50/50, adds of a delta uniform in −5..=4 and reads. g-counter is that same
//! stream with negative adds filtered out; a filtered draw is simply redrawn, so adds (delta
//! uniform in 0..=4, zero included) are a third of the ops and reads two thirds.

use rand::{Rng, RngCore};
use serde_json::json;

use crate::value::Value;

/// One counter operation. The final phase issues one [`CounterOp::Read`] per thread, recorded
/// with `:final? true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterOp {
    Add { delta: i64 },
    Read,
}

impl CounterOp {
    /// Jepsen's `:f`.
    pub fn f(self) -> &'static str {
        match self {
            CounterOp::Add { .. } => "add",
            CounterOp::Read => "read",
        }
    }

    /// The invocation's `:value`: the delta, or `nil` for a read.
    pub fn value(self) -> Value {
        match self {
            CounterOp::Add { delta } => Value::Int(delta),
            CounterOp::Read => Value::Nil,
        }
    }

    /// The request body, without `msg_id`.
    pub fn request(self) -> serde_json::Value {
        match self {
            CounterOp::Add { delta } => json!({"type": "add", "delta": delta}),
            CounterOp::Read => json!({"type": "read"}),
        }
    }
}

/// The main-phase generator of g-counter or pn-counter.
#[derive(Debug, Clone)]
pub struct CounterGen {
    negative_deltas: bool,
}

impl CounterGen {
    /// g-counter: non-negative deltas only.
    pub fn g_counter() -> CounterGen {
        CounterGen {
            negative_deltas: false,
        }
    }

    /// pn-counter: deltas in −5..=4.
    pub fn pn_counter() -> CounterGen {
        CounterGen {
            negative_deltas: true,
        }
    }

    pub fn next(&mut self, rng: &mut dyn RngCore) -> CounterOp {
        loop {
            if rng.gen_bool(0.5) {
                return CounterOp::Read;
            }
            let delta = rng.gen_range(-5..=4);
            if delta >= 0 || self.negative_deltas {
                return CounterOp::Add { delta };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn draw(mut gen: CounterGen, n: usize) -> Vec<CounterOp> {
        let mut rng = StdRng::seed_from_u64(42);
        (0..n).map(|_| gen.next(&mut rng)).collect()
    }

    #[test]
    fn g_counter_adds_are_a_third_with_deltas_0_to_4_uniform() {
        let ops = draw(CounterGen::g_counter(), 10_000);
        let deltas: Vec<i64> = ops
            .iter()
            .filter_map(|op| match op {
                CounterOp::Add { delta } => Some(*delta),
                CounterOp::Read => None,
            })
            .collect();
        let adds = deltas.len() as f64 / ops.len() as f64;
        assert!((adds - 1.0 / 3.0).abs() < 0.02, "adds are {adds:.3} of ops");
        for d in 0..=4 {
            let share = deltas.iter().filter(|x| **x == d).count() as f64 / deltas.len() as f64;
            assert!((share - 0.2).abs() < 0.03, "delta {d}: {share:.3}");
        }
        assert!(deltas.iter().all(|d| (0..=4).contains(d)));
    }

    #[test]
    fn pn_counter_is_half_adds_with_deltas_minus_5_to_4() {
        let ops = draw(CounterGen::pn_counter(), 10_000);
        let deltas: Vec<i64> = ops
            .iter()
            .filter_map(|op| match op {
                CounterOp::Add { delta } => Some(*delta),
                CounterOp::Read => None,
            })
            .collect();
        let adds = deltas.len() as f64 / ops.len() as f64;
        assert!((adds - 0.5).abs() < 0.02, "adds are {adds:.3} of ops");
        assert_eq!(deltas.iter().min(), Some(&-5));
        assert_eq!(deltas.iter().max(), Some(&4));
    }

    #[test]
    fn renders_requests_and_history_values() {
        let add = CounterOp::Add { delta: 3 };
        assert_eq!(add.f(), "add");
        assert_eq!(add.value(), Value::Int(3));
        assert_eq!(add.request(), json!({"type": "add", "delta": 3}));
        assert_eq!(CounterOp::Read.f(), "read");
        assert_eq!(CounterOp::Read.value(), Value::Nil);
        assert_eq!(CounterOp::Read.request(), json!({"type": "read"}));
    }
}
