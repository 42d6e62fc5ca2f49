//! Synthetic txn-rw-register histories, for benchmarks and tests at scale.
//!
//! The transactions are drawn the way Maelstrom draws them (Elle's `wr-txns`: 1 to
//! `max_txn_length` micro-ops, reads and writes equally likely, keys from a pool of
//! `key_count` with later keys twice as likely as the one before, values 1, 2, 3… per key and a
//! fresh key once one has had `max_writes_per_key` writes). They run against a correct store:
//! `concurrency` processes with one transaction outstanding each, every transaction applied
//! atomically when it completes, so the history is valid under every model. On request one
//! anomaly is injected halfway, on keys of its own, or reads lag (see
//! [`SynthOptions::stale_reads`]).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

use crate::history::{History, Op, OpType, Process};
use crate::value::Value;

/// An anomaly to plant in an otherwise valid history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injection {
    /// Two transactions each overwrite a value the other wrote, seen through final writes.
    G0,
    /// Maelstrom issue #56: writes that interleave only through intermediate values.
    G0Intermediate,
    /// A committed read of a failed transaction's write.
    G1a,
    /// A committed read of another transaction's intermediate write.
    G1b,
    /// Two transactions each read the other's write.
    G1c,
    /// A transaction reads something other than its own write.
    Internal,
}

/// How to generate a history.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub txns: usize,
    pub concurrency: usize,
    pub max_txn_length: usize,
    pub key_count: usize,
    pub max_writes_per_key: i64,
    pub seed: u64,
    pub inject: Option<Injection>,
    /// The chance that a read returns the value before the latest (a lagging replica): the
    /// history then breaks serializability in many places at once, a stress for cycle search.
    pub stale_reads: f64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            txns: 10_000,
            concurrency: 4,
            max_txn_length: 4,
            key_count: 10,
            max_writes_per_key: 16,
            seed: 42,
            inject: None,
            stale_reads: 0.0,
        }
    }
}

/// A micro-op as the history shows it.
pub fn mop(f: &str, key: i64, value: Option<i64>) -> Value {
    Value::Vec(vec![
        Value::keyword(f),
        Value::Int(key),
        value.map_or(Value::Nil, Value::Int),
    ])
}

struct Keys {
    active: Vec<i64>,
    next_value: HashMap<i64, i64>,
    max_writes: i64,
}

impl Keys {
    /// A key from the pool, position i being twice as likely as position i-1.
    fn pick(&self, rng: &mut StdRng) -> usize {
        let n = self.active.len() as u32;
        let x: f64 = rng.gen_range(2.0..2f64.powi(n as i32 + 1));
        ((x.log2() - 1.0).floor() as usize).min(self.active.len() - 1)
    }

    fn txn(&mut self, rng: &mut StdRng, max_len: usize) -> Vec<Value> {
        let len = rng.gen_range(1..=max_len);
        let mut txn = Vec::with_capacity(len);
        while txn.len() < len {
            let write = rng.gen_bool(0.5);
            let i = self.pick(rng);
            let k = self.active[i];
            if !write {
                txn.push(mop("r", k, None));
                continue;
            }
            let v = *self.next_value.get(&k).unwrap_or(&1);
            if v > self.max_writes {
                let fresh = self.active.iter().max().copied().unwrap_or(0) + 1;
                self.active[i] = fresh;
                continue;
            }
            self.next_value.insert(k, v + 1);
            txn.push(mop("w", k, Some(v)));
        }
        txn
    }
}

/// The store: each key's latest value and the one before it.
type Store = HashMap<i64, (Option<i64>, i64)>;

/// Applies a transaction to the store and returns it with its reads filled in; a read is stale
/// with probability `stale`.
fn apply(store: &mut Store, txn: &[Value], rng: &mut StdRng, stale: f64) -> Value {
    Value::Vec(
        txn.iter()
            .map(|m| {
                let parts = m.as_slice().unwrap_or_default();
                let (f, k) = (parts[0].as_keyword(), parts[1].as_int().unwrap_or(0));
                match f {
                    Some("w") => {
                        let v = parts[2].as_int().unwrap_or(0);
                        let before = store.get(&k).map(|e| e.1);
                        store.insert(k, (before, v));
                        m.clone()
                    }
                    _ => {
                        let entry = store.get(&k).copied();
                        let v = match entry {
                            Some((before, _)) if stale > 0.0 && rng.gen_bool(stale) => before,
                            Some((_, latest)) => Some(latest),
                            None => None,
                        };
                        mop("r", k, v)
                    }
                }
            })
            .collect(),
    )
}

/// Generates a history; see the module documentation.
pub fn history(opts: &SynthOptions) -> History {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut keys = Keys {
        active: (0..opts.key_count.max(1) as i64).collect(),
        next_value: HashMap::new(),
        max_writes: opts.max_writes_per_key,
    };
    let concurrency = opts.concurrency.max(1);
    let mut store: Store = HashMap::new();
    let mut pending: Vec<Option<Vec<Value>>> = vec![None; concurrency];
    let mut ops: Vec<Op> = Vec::with_capacity(opts.txns * 2 + 8);
    let mut time = 0u64;
    let (mut invoked, mut outstanding) = (0usize, 0usize);
    let mut injected = opts.inject.is_none();
    while invoked < opts.txns || outstanding > 0 {
        if !injected && invoked >= opts.txns / 2 {
            inject(
                &mut ops,
                opts.inject.expect("not injected yet"),
                concurrency,
                &mut time,
            );
            injected = true;
        }
        let p = rng.gen_range(0..concurrency);
        time += rng.gen_range(1_000..200_000);
        match pending[p].take() {
            Some(txn) => {
                let value = apply(&mut store, &txn, &mut rng, opts.stale_reads);
                ops.push(op(OpType::Ok, p, value, time));
                outstanding -= 1;
            }
            None if invoked < opts.txns => {
                let txn = keys.txn(&mut rng, opts.max_txn_length.max(1));
                ops.push(op(OpType::Invoke, p, Value::Vec(txn.clone()), time));
                pending[p] = Some(txn);
                invoked += 1;
                outstanding += 1;
            }
            None => {}
        }
    }
    if !injected {
        inject(
            &mut ops,
            opts.inject.expect("not injected yet"),
            concurrency,
            &mut time,
        );
    }
    History::new(ops)
}

fn op(kind: OpType, process: usize, value: Value, time: u64) -> Op {
    let mut op = Op::new(kind, Process::Client(process as u64), "txn", value);
    op.time = time;
    op
}

/// Plants one anomaly, on keys nobody else uses, from two processes of its own.
fn inject(ops: &mut Vec<Op>, what: Injection, concurrency: usize, time: &mut u64) {
    let (x, y) = (1_000_000_000, 1_000_000_001);
    let (p, q) = (concurrency, concurrency + 1);
    let txn = |mops: Vec<Value>| Value::Vec(mops);
    let w = |k, v| mop("w", k, Some(v));
    let r = |k, v: Option<i64>| mop("r", k, v);
    let blank = |t: &Value| {
        Value::Vec(
            t.as_slice()
                .unwrap_or_default()
                .iter()
                .map(|m| {
                    let parts = m.as_slice().unwrap_or_default();
                    if parts[0].as_keyword() == Some("r") {
                        mop("r", parts[1].as_int().unwrap_or(0), None)
                    } else {
                        m.clone()
                    }
                })
                .collect(),
        )
    };
    // Two transactions, both invoked before either completes; `second_outcome` is for q's.
    let (first, second, second_outcome) = match what {
        Injection::G0 => (
            txn(vec![w(x, 2), r(y, Some(3)), w(y, 4)]),
            txn(vec![w(y, 3), r(x, Some(2)), w(x, 5)]),
            OpType::Ok,
        ),
        Injection::G0Intermediate => (
            txn(vec![
                w(x, 1),
                r(x, Some(1)),
                r(x, Some(10)),
                w(x, 2),
                w(x, 3),
                r(x, Some(3)),
            ]),
            txn(vec![r(x, Some(1)), w(x, 10), r(x, Some(3)), w(x, 11)]),
            OpType::Ok,
        ),
        Injection::G1a => (txn(vec![r(x, Some(1))]), txn(vec![w(x, 1)]), OpType::Fail),
        Injection::G1b => (
            txn(vec![r(x, Some(1))]),
            txn(vec![w(x, 1), w(x, 2)]),
            OpType::Ok,
        ),
        Injection::G1c => (
            txn(vec![w(x, 1), r(y, Some(1))]),
            txn(vec![w(y, 1), r(x, Some(1))]),
            OpType::Ok,
        ),
        Injection::Internal => (
            txn(vec![w(x, 1), r(x, Some(2))]),
            txn(vec![w(x, 2)]),
            OpType::Ok,
        ),
    };
    for (kind, process, value) in [
        (OpType::Invoke, p, blank(&first)),
        (OpType::Invoke, q, blank(&second)),
        (second_outcome, q, second),
        (OpType::Ok, p, first),
    ] {
        *time += 1_000;
        ops.push(op(kind, process, value, *time));
    }
}
