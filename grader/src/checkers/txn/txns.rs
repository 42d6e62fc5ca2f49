//! Transactions in a compact form: every key and value interned to a `u32`.
//!
//! A million-transaction history holds a few million micro-ops; the checker looks at each of them
//! several times, so it works on small integers rather than on [`Value`]s, and turns back to the
//! history's own ops only to print what it found.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::history::{History, Op, OpType};
use crate::value::Value;

/// The interned id of `nil` (a read of a key nobody has written).
pub const NIL: u32 = 0;

/// A fast hasher for small integer keys (the multiply-rotate scheme compilers use for symbol
/// tables): the std SipHash is several times slower and buys nothing here.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    /// Folds the high bits down: the table indexes by the low bits, which a multiply alone
    /// leaves depending on the low bits of the input only (every `(key, 1)` would collide).
    fn finish(&self) -> u64 {
        let h = self.0 ^ (self.0 >> 32);
        h.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (h >> 29)
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Packs a key and a value into one sortable word.
pub fn kv(key: u32, value: u32) -> u64 {
    (u64::from(key) << 32) | u64::from(value)
}

pub fn kv_key(kv: u64) -> u32 {
    (kv >> 32) as u32
}

pub fn kv_value(kv: u64) -> u32 {
    kv as u32
}

/// Gives each distinct value a dense id, with integers on a fast path.
#[derive(Debug, Default)]
struct Interner {
    ints: FastMap<i64, u32>,
    others: HashMap<Value, u32>,
    values: Vec<Value>,
}

impl Interner {
    fn id(&mut self, v: &Value) -> u32 {
        let next = self.values.len() as u32;
        let id = match v {
            Value::Int(i) => *self.ints.entry(*i).or_insert(next),
            other => *self.others.entry(other.clone()).or_insert(next),
        };
        if id == next {
            self.values.push(v.clone());
        }
        id
    }
}

/// One micro-op: a read or a write of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mop {
    pub write: bool,
    pub key: u32,
    pub value: u32,
}

/// How a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Maybe applied: a timeout, a crash, or no completion at all.
    Info,
    Fail,
}

/// One transaction: the history op that tells how it ended, and its micro-ops.
#[derive(Debug, Clone)]
pub struct Txn<'h> {
    /// The completion (or, when it never completed, the invocation).
    pub op: &'h Op,
    pub outcome: Outcome,
    start: u32,
    end: u32,
}

/// Every `:txn` transaction of a history, in invocation order.
#[derive(Debug, Default)]
pub struct Txns<'h> {
    pub txns: Vec<Txn<'h>>,
    mops: Vec<Mop>,
    keys: Vec<Value>,
    values: Vec<Value>,
    /// Ops whose value is not a list of `[:r k v]` / `[:w k v]` micro-ops, as a message each.
    pub malformed: Vec<String>,
}

impl<'h> Txns<'h> {
    /// Reads the transactions of a history. Invocations carry no read values, so each
    /// transaction is taken from its completion; one that never completed counts as `:info`.
    pub fn from_history(history: &'h History) -> Txns<'h> {
        let mut keys = Interner::default();
        let mut values = Interner::default();
        values.id(&Value::Nil);
        let mut out = Txns::default();
        for (invoke, completion) in history.pairs() {
            if invoke.f != "txn" {
                continue;
            }
            let (op, outcome) = match completion {
                Some(c) => match c.kind {
                    OpType::Ok => (c, Outcome::Ok),
                    OpType::Fail => (c, Outcome::Fail),
                    _ => (c, Outcome::Info),
                },
                None => (invoke, Outcome::Info),
            };
            // A crashed op may carry no value; fall back to the invocation's micro-ops.
            let value = if op.value.is_nil() {
                &invoke.value
            } else {
                &op.value
            };
            let start = out.mops.len() as u32;
            match parse_mops(value, &mut keys, &mut values, &mut out.mops) {
                Ok(()) => out.txns.push(Txn {
                    op,
                    outcome,
                    start,
                    end: out.mops.len() as u32,
                }),
                Err(why) => {
                    out.mops.truncate(start as usize);
                    out.malformed
                        .push(format!("op {} ({}): {why}", op.index, op.value));
                }
            }
        }
        out.keys = keys.values;
        out.values = values.values;
        out
    }

    pub fn mops(&self, t: usize) -> &[Mop] {
        let txn = &self.txns[t];
        &self.mops[txn.start as usize..txn.end as usize]
    }

    pub fn key(&self, id: u32) -> &Value {
        &self.keys[id as usize]
    }

    pub fn value(&self, id: u32) -> &Value {
        &self.values[id as usize]
    }

    pub fn len(&self) -> usize {
        self.txns.len()
    }

    pub fn is_ok(&self, t: usize) -> bool {
        self.txns[t].outcome == Outcome::Ok
    }
}

fn parse_mops(
    value: &Value,
    keys: &mut Interner,
    values: &mut Interner,
    out: &mut Vec<Mop>,
) -> Result<(), String> {
    let mops = value
        .as_slice()
        .ok_or_else(|| "the value is not a list of micro-ops".to_owned())?;
    for mop in mops {
        let parts = mop.as_slice().unwrap_or_default();
        let [f, k, v] = parts else {
            return Err(format!("micro-op {mop} is not [f k v]"));
        };
        let write = match f {
            Value::Keyword(f) | Value::Str(f) | Value::Symbol(f) if f == "r" => false,
            Value::Keyword(f) | Value::Str(f) | Value::Symbol(f) if f == "w" => true,
            _ => return Err(format!("micro-op {mop} is neither a read nor a write")),
        };
        out.push(Mop {
            write,
            key: keys.id(k),
            value: values.id(v),
        });
    }
    Ok(())
}

/// A transaction's external reads: for each key whose first micro-op is a read, that read's
/// value (what it observed of other transactions).
pub fn ext_reads(mops: &[Mop], out: &mut Vec<(u32, u32)>) {
    out.clear();
    for (i, m) in mops.iter().enumerate() {
        if !m.write && !mops[..i].iter().any(|p| p.key == m.key) {
            out.push((m.key, m.value));
        }
    }
}

/// A transaction's external writes: for each key it wrote, the last value written.
pub fn ext_writes(mops: &[Mop], out: &mut Vec<(u32, u32)>) {
    out.clear();
    for (i, m) in mops.iter().enumerate() {
        if m.write && !mops[i + 1..].iter().any(|n| n.write && n.key == m.key) {
            out.push((m.key, m.value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mop(write: bool, key: u32, value: u32) -> Mop {
        Mop { write, key, value }
    }

    #[test]
    fn external_reads_are_first_touches_and_writes_are_last() {
        let t = [
            mop(false, 1, 5),
            mop(true, 1, 6),
            mop(true, 2, 7),
            mop(false, 2, 7),
            mop(true, 2, 8),
        ];
        let mut out = Vec::new();
        ext_reads(&t, &mut out);
        assert_eq!(out, [(1, 5)]);
        ext_writes(&t, &mut out);
        assert_eq!(out, [(1, 6), (2, 8)]);
    }
}
