//! The transaction generator shared by txn-rw-register and kafka (Elle's `wr-txns`, spec §7.7–7.8).
//!
//! A transaction is 1..=max-txn-length micro-ops, each a read or a write with probability ½. Keys
//! come from an active pool of `key-count` integer keys (initially 0, 1, …), drawn with an
//! exponential skew toward later pool positions: position i is twice as likely as i−1. Writes to a
//! key carry 1, 2, 3, … in order; when a key would get more than `max-writes-per-key` writes, it is
//! retired — replaced in its pool position by a fresh key, one more than the largest in the pool —
//! and the micro-op is drawn again from scratch. One sequence serves every client thread.

use std::collections::HashMap;

use rand::{Rng, RngCore};
use serde_json::json;

use crate::options::TestOptions;
use crate::value::Value;

/// The generator's knobs, Maelstrom's defaults in [`TxnConfig::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnConfig {
    /// Keys in the active pool (`--key-count`, default 10).
    pub key_count: usize,
    /// Maelstrom has no flag for this; always 1.
    pub min_txn_length: usize,
    /// `--max-txn-length`, default 4 (kafka forces 1).
    pub max_txn_length: usize,
    /// `--max-writes-per-key`, default 16.
    pub max_writes_per_key: u64,
}

impl Default for TxnConfig {
    fn default() -> Self {
        TxnConfig {
            key_count: 10,
            min_txn_length: 1,
            max_txn_length: 4,
            max_writes_per_key: 16,
        }
    }
}

impl TxnConfig {
    /// The configuration a test's flags give.
    pub fn from_options(opts: &TestOptions) -> TxnConfig {
        let defaults = TxnConfig::default();
        TxnConfig {
            key_count: opts.key_count.map_or(defaults.key_count, |k| k as usize),
            max_txn_length: opts.max_txn_length as usize,
            max_writes_per_key: opts.max_writes_per_key,
            ..defaults
        }
    }
}

/// One micro-op. Reads carry no value when generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mop {
    Read { key: i64 },
    Write { key: i64, value: i64 },
}

impl Mop {
    pub fn key(self) -> i64 {
        match self {
            Mop::Read { key } | Mop::Write { key, .. } => key,
        }
    }
}

/// A generated transaction, as txn-rw-register sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Txn(pub Vec<Mop>);

impl Txn {
    /// Jepsen's `:f`.
    pub fn f(&self) -> &'static str {
        "txn"
    }

    /// The invocation's `:value`: `[[:r 3 nil] [:w 3 6]]`.
    pub fn value(&self) -> Value {
        Value::Vec(
            self.0
                .iter()
                .map(|mop| {
                    Value::Vec(match *mop {
                        Mop::Read { key } => vec![Value::keyword("r"), Value::Int(key), Value::Nil],
                        Mop::Write { key, value } => {
                            vec![Value::keyword("w"), Value::Int(key), Value::Int(value)]
                        }
                    })
                })
                .collect(),
        )
    }

    /// The request body, without `msg_id`: `{"type":"txn","txn":[["r",3,null],["w",3,6]]}`.
    pub fn request(&self) -> serde_json::Value {
        let txn: Vec<serde_json::Value> = self
            .0
            .iter()
            .map(|mop| match *mop {
                Mop::Read { key } => json!(["r", key, null]),
                Mop::Write { key, value } => json!(["w", key, value]),
            })
            .collect();
        json!({"type": "txn", "txn": txn})
    }
}

/// The generator's state: the active key pool and each key's next write value.
#[derive(Debug, Clone)]
pub struct TxnGen {
    config: TxnConfig,
    active_keys: Vec<i64>,
    next_value: HashMap<i64, i64>,
    /// `rand(scale)` maps onto pool positions through a base-2 logarithm.
    scale: f64,
}

/// The exponential skew's base: each pool position twice as likely as the one before.
const KEY_DIST_BASE: f64 = 2.0;

impl TxnGen {
    pub fn new(config: TxnConfig) -> TxnGen {
        let key_count = config.key_count.max(1);
        let base = KEY_DIST_BASE;
        TxnGen {
            config: TxnConfig {
                key_count,
                ..config
            },
            active_keys: (0..key_count as i64).collect(),
            next_value: HashMap::new(),
            scale: (base.powi(key_count as i32) - 1.0) * base / (base - 1.0),
        }
    }

    /// The keys currently in the pool, in pool order.
    pub fn active_keys(&self) -> &[i64] {
        &self.active_keys
    }

    /// The next transaction.
    pub fn next(&mut self, rng: &mut dyn RngCore) -> Txn {
        let min = self.config.min_txn_length;
        let length = rng.gen_range(min..=self.config.max_txn_length.max(min));
        let mut txn = Vec::with_capacity(length);
        while txn.len() < length {
            let write = rng.gen_bool(0.5);
            let position = self.key_position(rng);
            let key = self.active_keys[position];
            if !write {
                txn.push(Mop::Read { key });
                continue;
            }
            let value = self.next_value.get(&key).copied().unwrap_or(1);
            if value as u64 > self.config.max_writes_per_key {
                // Retire the key and draw this micro-op again.
                let fresh = self.active_keys.iter().max().map_or(0, |k| k + 1);
                self.active_keys[position] = fresh;
                continue;
            }
            self.next_value.insert(key, value + 1);
            txn.push(Mop::Write { key, value });
        }
        Txn(txn)
    }

    /// A pool position: ⌊log₂(U[0, scale) + 2) − 1⌋, i.e. position i with probability ∝ 2^i.
    fn key_position(&self, rng: &mut dyn RngCore) -> usize {
        let x = rng.gen::<f64>() * self.scale;
        let position = ((x + KEY_DIST_BASE).ln() / KEY_DIST_BASE.ln() - 1.0).floor();
        // Rounding at the very top of the range must not step outside the pool.
        (position.max(0.0) as usize).min(self.active_keys.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::collections::BTreeMap;

    fn txns(config: TxnConfig, n: usize, seed: u64) -> (TxnGen, Vec<Txn>) {
        let mut gen = TxnGen::new(config);
        let mut rng = StdRng::seed_from_u64(seed);
        let txns = (0..n).map(|_| gen.next(&mut rng)).collect();
        (gen, txns)
    }

    #[test]
    fn lengths_are_uniform_and_reads_are_half() {
        let (_, txns) = txns(TxnConfig::default(), 10_000, 1);
        for len in 1..=4 {
            let share = txns.iter().filter(|t| t.0.len() == len).count() as f64 / 10_000.0;
            assert!((share - 0.25).abs() < 0.02, "length {len}: {share:.3}");
        }
        let mops: Vec<Mop> = txns.iter().flat_map(|t| t.0.clone()).collect();
        let reads = mops
            .iter()
            .filter(|m| matches!(m, Mop::Read { .. }))
            .count() as f64;
        assert!((reads / mops.len() as f64 - 0.5).abs() < 0.02);
    }

    #[test]
    fn later_pool_positions_are_twice_as_likely() {
        let gen = TxnGen::new(TxnConfig::default());
        let mut rng = StdRng::seed_from_u64(2);
        let mut counts = [0usize; 10];
        for _ in 0..100_000 {
            counts[gen.key_position(&mut rng)] += 1;
        }
        // P(i) = 2^i / (2^11 − 2): position 9 about half the draws, position 0 about 1/1000.
        assert!(
            (counts[9] as f64 / 100_000.0 - 0.5).abs() < 0.01,
            "{counts:?}"
        );
        for i in 5..10 {
            let ratio = counts[i] as f64 / counts[i - 1] as f64;
            assert!(
                (ratio - 2.0).abs() < 0.25,
                "position {i}: ratio {ratio:.2} {counts:?}"
            );
        }
        assert!(counts[0] > 0 && counts[0] < counts[1]);
    }

    #[test]
    fn writes_per_key_are_1_2_3_and_a_key_retires_after_16() {
        let (gen, txns) = txns(TxnConfig::default(), 5_000, 3);
        let mut written: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for mop in txns.iter().flat_map(|t| t.0.iter()) {
            if let Mop::Write { key, value } = *mop {
                written.entry(key).or_default().push(value);
            }
        }
        for (key, values) in &written {
            let expected: Vec<i64> = (1..=values.len() as i64).collect();
            assert_eq!(values, &expected, "key {key}");
            assert!(values.len() <= 16, "key {key}");
        }
        // Keys leave the pool only after their 16th write, and the pool only ever gains fresh
        // keys, so every key below the pool's newest that is no longer active was written 16 times.
        let newest = *gen.active_keys().iter().max().unwrap();
        let retired: Vec<i64> = (0..newest)
            .filter(|k| !gen.active_keys().contains(k))
            .collect();
        assert!(retired.len() > 100, "{} keys retired", retired.len());
        for key in retired {
            assert_eq!(written.get(&key).map(Vec::len), Some(16), "key {key}");
        }
    }

    #[test]
    fn retiring_replaces_the_key_in_its_position_with_max_plus_one() {
        let mut gen = TxnGen::new(TxnConfig {
            key_count: 3,
            max_txn_length: 1,
            max_writes_per_key: 2,
            ..TxnConfig::default()
        });
        let mut rng = StdRng::seed_from_u64(4);
        let mut pools = vec![gen.active_keys().to_vec()];
        for _ in 0..200 {
            gen.next(&mut rng);
            if pools.last().map(Vec::as_slice) != Some(gen.active_keys()) {
                pools.push(gen.active_keys().to_vec());
            }
        }
        assert!(pools.len() > 5, "{pools:?}");
        for pair in pools.windows(2) {
            // One draw can retire several keys in turn: each gets the then-largest key + 1.
            let mut fresh: Vec<i64> = (0..3)
                .filter(|i| pair[0][*i] != pair[1][*i])
                .map(|i| pair[1][i])
                .collect();
            fresh.sort();
            let old_max = *pair[0].iter().max().unwrap();
            let expected: Vec<i64> = (1..=fresh.len() as i64).map(|n| old_max + n).collect();
            assert_eq!(fresh, expected, "{pair:?}");
        }
    }

    #[test]
    fn renders_like_maelstrom() {
        let txn = Txn(vec![Mop::Read { key: 3 }, Mop::Write { key: 3, value: 6 }]);
        assert_eq!(txn.f(), "txn");
        assert_eq!(txn.value().to_string(), "[[:r 3 nil] [:w 3 6]]");
        assert_eq!(
            txn.request(),
            json!({"type": "txn", "txn": [["r", 3, null], ["w", 3, 6]]})
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let (_, a) = txns(TxnConfig::default(), 100, 9);
        let (_, b) = txns(TxnConfig::default(), 100, 9);
        assert_eq!(a, b);
    }
}
