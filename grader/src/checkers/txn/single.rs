//! Anomalies visible without a dependency graph: internal inconsistency, aborted reads (G1a),
//! intermediate reads (G1b) and lost updates, each as Elle's rw-register defines it.

use super::txns::{kv, FastMap, Outcome, Txns};

/// A read that disagrees with what its own transaction wrote or read of that key before.
#[derive(Debug, Clone)]
pub struct Internal {
    pub txn: u32,
    pub mop: usize,
    pub expected: u32,
}

/// A committed read of a value that only a failed transaction (G1a) or an overwritten
/// intermediate write (G1b) could have produced.
#[derive(Debug, Clone)]
pub struct BadRead {
    pub txn: u32,
    pub mop: usize,
    pub writer: u32,
}

/// Committed transactions that all read the same value of a key and then wrote that key.
#[derive(Debug, Clone)]
pub struct LostUpdate {
    pub key: u32,
    pub value: u32,
    pub txns: Vec<u32>,
}

/// The first read of each committed transaction that contradicts its earlier write or read of
/// that key. As in Elle, a remembered `nil` sets no expectation.
pub fn internal(txns: &Txns) -> Vec<Internal> {
    let mut found = Vec::new();
    let mut state: Vec<(u32, u32)> = Vec::new();
    for t in 0..txns.len() {
        if !txns.is_ok(t) {
            continue;
        }
        state.clear();
        for (i, m) in txns.mops(t).iter().enumerate() {
            let slot = state.iter().position(|(k, _)| *k == m.key);
            if !m.write {
                if let Some(s) = slot {
                    let expected = state[s].1;
                    if expected != super::txns::NIL && expected != m.value {
                        found.push(Internal {
                            txn: t as u32,
                            mop: i,
                            expected,
                        });
                        break;
                    }
                }
            }
            match slot {
                Some(s) => state[s].1 = m.value,
                None => state.push((m.key, m.value)),
            }
        }
    }
    found
}

/// Reads in committed transactions of values written by failed transactions. Any write of a
/// failed transaction counts, intermediate or final.
pub fn aborted_reads(txns: &Txns) -> Vec<BadRead> {
    let mut failed: FastMap<u64, u32> = FastMap::default();
    for t in 0..txns.len() {
        if txns.txns[t].outcome == Outcome::Fail {
            for m in txns.mops(t).iter().filter(|m| m.write) {
                failed.insert(kv(m.key, m.value), t as u32);
            }
        }
    }
    bad_reads(txns, &failed, false)
}

/// Reads in committed transactions of a value that another transaction (of any outcome) wrote
/// and then overwrote within itself.
pub fn intermediate_reads(txns: &Txns) -> Vec<BadRead> {
    let mut intermediate: FastMap<u64, u32> = FastMap::default();
    for t in 0..txns.len() {
        let mops = txns.mops(t);
        for (i, m) in mops.iter().enumerate() {
            if m.write && mops[i + 1..].iter().any(|n| n.write && n.key == m.key) {
                intermediate.insert(kv(m.key, m.value), t as u32);
            }
        }
    }
    bad_reads(txns, &intermediate, true)
}

fn bad_reads(txns: &Txns, writers: &FastMap<u64, u32>, skip_own: bool) -> Vec<BadRead> {
    let mut found = Vec::new();
    if writers.is_empty() {
        return found;
    }
    for t in 0..txns.len() {
        if !txns.is_ok(t) {
            continue;
        }
        for (i, m) in txns.mops(t).iter().enumerate() {
            if m.write {
                continue;
            }
            if let Some(&w) = writers.get(&kv(m.key, m.value)) {
                if !(skip_own && w == t as u32) {
                    found.push(BadRead {
                        txn: t as u32,
                        mop: i,
                        writer: w,
                    });
                }
            }
        }
    }
    found
}

/// Two or more committed transactions that read the same version of a key and both wrote it:
/// one of the updates was lost. Mirrors Elle's scan, including its bookkeeping: a key's
/// "read" is the first read of it, even one after the transaction's own write.
pub fn lost_updates(txns: &Txns) -> Vec<LostUpdate> {
    let mut hits: Vec<(u64, u32)> = Vec::new();
    let mut reads: Vec<(u32, u32)> = Vec::new();
    let mut written: Vec<u32> = Vec::new();
    for t in 0..txns.len() {
        if !txns.is_ok(t) {
            continue;
        }
        reads.clear();
        written.clear();
        for m in txns.mops(t) {
            let read = reads.iter().find(|(k, _)| *k == m.key).map(|(_, v)| *v);
            if m.write && !written.contains(&m.key) {
                if let Some(v) = read {
                    hits.push((kv(m.key, v), t as u32));
                    written.push(m.key);
                }
            } else if read.is_none() {
                reads.push((m.key, m.value));
            }
        }
    }
    hits.sort_unstable();
    let mut found = Vec::new();
    for group in hits.chunk_by(|a, b| a.0 == b.0) {
        if group.len() >= 2 {
            found.push(LostUpdate {
                key: super::txns::kv_key(group[0].0),
                value: super::txns::kv_value(group[0].0),
                txns: group.iter().map(|e| e.1).collect(),
            });
        }
    }
    found
}
