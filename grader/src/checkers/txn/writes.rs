//! The course's stricter G0 check: write cycles through *every* write, intermediate ones included.
//!
//! Elle's rw-register only relates a transaction's external reads and final writes, so a pair of
//! transactions whose writes interleave (T1 writes x=1, T2 writes x=10, T1 writes x=2, …) slips
//! through whenever the interleaving is only visible through intermediate writes or reads after
//! writes (Maelstrom issue #56). Here every micro-op counts: within one committed transaction,
//! each value it observes or installs of a key comes after the one it observed or installed just
//! before. Each such pair orders the two values' writers; a cycle among writers means their
//! writes interleaved, which no version order can explain: G0.
//!
//! In a serializable run every inferred pair follows the true order of installation, so this
//! never accuses a correct store. Contradictory observations (a key read as 1, then 2, then 1)
//! say nothing reliable about order; pairs inside such a cycle are dropped.

use super::graph::{Digraph, WW};
use super::txns::{kv, Txns, NIL};

/// Why `v1` came right before `v2` of `key`: transaction `witness` observed or installed them
/// in that order.
#[derive(Debug, Clone, Copy)]
pub struct Succession {
    pub key: u32,
    pub v1: u32,
    pub v2: u32,
    pub witness: u32,
}

#[derive(Debug, Default)]
pub struct WriteOrder {
    /// ww edges between committed transactions, through any of their writes.
    pub graph: Digraph,
    /// Sorted by `(kv(key, v1), v2)`.
    successions: Vec<Succession>,
}

impl WriteOrder {
    pub fn build(txns: &Txns) -> WriteOrder {
        let n = txns.len();
        let mut writers: Vec<(u64, u32)> = Vec::new();
        let mut succ: Vec<Succession> = Vec::new();
        let mut last: Vec<(u32, u32)> = Vec::new();
        for t in 0..n {
            if !txns.is_ok(t) {
                continue;
            }
            last.clear();
            for m in txns.mops(t) {
                if m.write {
                    writers.push((kv(m.key, m.value), t as u32));
                }
                match last.iter_mut().find(|(k, _)| *k == m.key) {
                    Some(slot) => {
                        if slot.1 != m.value && m.value != NIL {
                            succ.push(Succession {
                                key: m.key,
                                v1: slot.1,
                                v2: m.value,
                                witness: t as u32,
                            });
                        }
                        slot.1 = m.value;
                    }
                    None => last.push((m.key, m.value)),
                }
            }
        }
        writers.sort_unstable();
        succ.sort_unstable_by_key(|s| (kv(s.key, s.v1), s.v2, s.witness));
        succ.dedup_by_key(|s| (kv(s.key, s.v1), s.v2));
        drop_contradictions(&mut succ);

        let range = |x: u64| {
            let a = writers.partition_point(|e| e.0 < x);
            let b = a + writers[a..].partition_point(|e| e.0 == x);
            &writers[a..b]
        };
        let mut edges = Vec::new();
        for s in &succ {
            if s.v1 == NIL {
                continue;
            }
            for &(_, w1) in range(kv(s.key, s.v1)) {
                for &(_, w2) in range(kv(s.key, s.v2)) {
                    if w1 != w2 {
                        edges.push((w1, w2, WW));
                    }
                }
            }
        }
        WriteOrder {
            graph: Digraph::from_edges(n, edges),
            successions: succ,
        }
    }

    /// Why the writer of `v1` precedes the writer of `v2` on some key they both wrote.
    pub fn explain(&self, txns: &Txns, a: u32, b: u32) -> Option<Succession> {
        let wrote = |t: u32, k: u32, v: u32| {
            txns.mops(t as usize)
                .iter()
                .any(|m| m.write && m.key == k && m.value == v)
        };
        txns.mops(a as usize)
            .iter()
            .filter(|m| m.write)
            .find_map(|m| {
                let at = kv(m.key, m.value);
                let start = self.successions.partition_point(|s| kv(s.key, s.v1) < at);
                self.successions[start..]
                    .iter()
                    .take_while(|s| kv(s.key, s.v1) == at)
                    .find(|s| wrote(b, s.key, s.v2))
                    .copied()
            })
    }
}

/// Removes successions that lie on a cycle of the per-key order.
fn drop_contradictions(succ: &mut Vec<Succession>) {
    if succ.is_empty() {
        return;
    }
    let mut nodes: Vec<u64> = succ
        .iter()
        .flat_map(|s| [kv(s.key, s.v1), kv(s.key, s.v2)])
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    let id = |x: u64| nodes.binary_search(&x).expect("endpoint is a node") as u32;
    let edges = succ
        .iter()
        .map(|s| (id(kv(s.key, s.v1)), id(kv(s.key, s.v2)), WW))
        .collect();
    let sccs = Digraph::from_edges(nodes.len(), edges).sccs(WW);
    if sccs.is_empty() {
        return;
    }
    let mut component = vec![u32::MAX; nodes.len()];
    for (c, scc) in sccs.iter().enumerate() {
        for &v in scc {
            component[v as usize] = c as u32;
        }
    }
    succ.retain(|s| {
        let (a, b) = (
            component[id(kv(s.key, s.v1)) as usize],
            component[id(kv(s.key, s.v2)) as usize],
        );
        a == u32::MAX || a != b
    });
}
