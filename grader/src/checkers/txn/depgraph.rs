//! Elle's rw-register dependency graph: version orders inferred per key, then ww, wr and rw
//! edges between committed transactions.
//!
//! Registers keep no history, so a version order can only be inferred: `nil` comes before every
//! value, and (with writes-follow-reads) a transaction that read `v` and then wrote `v'` of the
//! same key orders `v < v'`. Only *external* reads and writes count (a key's first micro-op when
//! it is a read, its last write). If those inferences contradict each other (a cyclic version
//! order) Elle drops the writes-follow-reads source entirely and reports `cyclic-versions`.
//! Only `:ok` transactions become vertices, as in Elle's rw-register.
//!
//! Everything is done by sorting `(key, value)` words rather than by hashing, which keeps a
//! million transactions within a second.

use super::graph::{Digraph, RW, WR, WW};
use super::txns::{ext_reads, ext_writes, kv, kv_key, kv_value, Txns, NIL};

/// A value of a key that more than one committed transaction wrote, and that was read: Elle
/// refuses such histories (its wr inference needs unique writes).
#[derive(Debug, Clone)]
pub struct DuplicateWrite {
    pub key: u32,
    pub value: u32,
    pub writers: Vec<u32>,
}

/// Values of one key whose inferred order is cyclic.
#[derive(Debug, Clone)]
pub struct CyclicVersions {
    pub key: u32,
    pub values: Vec<u32>,
}

/// The transaction graph and what it was inferred from.
#[derive(Debug, Default)]
pub struct DepGraph {
    pub graph: Digraph,
    /// Transactions that took part in any inferred relationship (self-relationships included, as
    /// Elle's graph keeps such vertices): zero means Elle's `:empty-transaction-graph`.
    pub vertex_count: usize,
    pub cyclic_versions: Vec<CyclicVersions>,
    pub duplicate_writes: Vec<DuplicateWrite>,
    /// Sorted `(kv(key, v1), v2)` writes-follow-reads version edges in use (besides nil → v).
    wfr: Vec<(u64, u32)>,
    /// Sorted `(kv, txn)` external reads and writes of committed transactions.
    reads: Vec<(u64, u32)>,
    writes: Vec<(u64, u32)>,
}

/// The entries of a sorted index for one `(key, value)`.
fn range(index: &[(u64, u32)], kv: u64) -> &[(u64, u32)] {
    let start = index.partition_point(|e| e.0 < kv);
    let end = start + index[start..].partition_point(|e| e.0 == kv);
    &index[start..end]
}

impl DepGraph {
    pub fn build(txns: &Txns) -> DepGraph {
        let n = txns.len();
        let mut reads: Vec<(u64, u32)> = Vec::new();
        let mut writes: Vec<(u64, u32)> = Vec::new();
        let mut wfr: Vec<(u64, u32)> = Vec::new();
        let (mut er, mut ew) = (Vec::new(), Vec::new());
        for t in 0..n {
            if !txns.is_ok(t) {
                continue;
            }
            let mops = txns.mops(t);
            ext_reads(mops, &mut er);
            ext_writes(mops, &mut ew);
            for &(k, v) in &er {
                reads.push((kv(k, v), t as u32));
                if v != NIL {
                    if let Some(&(_, v2)) = ew.iter().find(|(k2, _)| *k2 == k) {
                        wfr.push((kv(k, v), v2));
                    }
                }
            }
            for &(k, v) in &ew {
                writes.push((kv(k, v), t as u32));
            }
        }
        reads.sort_unstable();
        writes.sort_unstable();
        wfr.sort_unstable();
        wfr.dedup();

        let mut g = DepGraph {
            cyclic_versions: cyclic_versions(&wfr),
            ..Default::default()
        };
        if !g.cyclic_versions.is_empty() {
            wfr.clear();
        }

        let mut touched = vec![false; n];
        let mut edges: Vec<(u32, u32, u8)> = Vec::new();
        let mut link = |a: u32, b: u32, kind: u8| {
            touched[a as usize] = true;
            touched[b as usize] = true;
            if a != b {
                edges.push((a, b, kind));
            }
        };

        // wr: the one writer of each externally read value precedes its readers.
        let mut i = 0;
        while i < reads.len() {
            let value = reads[i].0;
            let j = i + reads[i..].partition_point(|e| e.0 == value);
            let writers = range(&writes, value);
            match writers {
                [] => {}
                [(_, w)] => {
                    for &(_, r) in &reads[i..j] {
                        link(*w, r, WR);
                    }
                }
                many => g.duplicate_writes.push(DuplicateWrite {
                    key: kv_key(value),
                    value: kv_value(value),
                    writers: many.iter().map(|e| e.1).collect(),
                }),
            }
            i = j;
        }

        // nil precedes every written value: readers of nil anti-depend on every writer.
        let mut i = 0;
        while i < writes.len() {
            let key = kv_key(writes[i].0);
            let j = i + writes[i..].partition_point(|e| kv_key(e.0) == key);
            let nil_readers = range(&reads, kv(key, NIL));
            let nil_writers = range(&writes, kv(key, NIL));
            for &(v2, w2) in &writes[i..j] {
                if kv_value(v2) == NIL {
                    continue;
                }
                for &(_, r) in nil_readers {
                    link(r, w2, RW);
                }
                for &(_, w1) in nil_writers {
                    link(w1, w2, WW);
                }
            }
            i = j;
        }

        // writes-follow-reads: v1 < v2 orders v1's writers and readers before v2's writers.
        for &(v1, v2) in &wfr {
            let v2 = kv(kv_key(v1), v2);
            for &(_, w2) in range(&writes, v2) {
                for &(_, w1) in range(&writes, v1) {
                    link(w1, w2, WW);
                }
                for &(_, r1) in range(&reads, v1) {
                    link(r1, w2, RW);
                }
            }
        }

        g.vertex_count = touched.iter().filter(|t| **t).count();
        g.graph = Digraph::from_edges(n, edges);
        g.wfr = wfr;
        g.reads = reads;
        g.writes = writes;
        g
    }

    /// Whether `v1 < v2` is a version edge Elle inferred for `key`.
    pub fn precedes(&self, key: u32, v1: u32, v2: u32) -> bool {
        if v1 == NIL {
            return v2 != NIL;
        }
        self.wfr.binary_search(&(kv(key, v1), v2)).is_ok()
    }

    /// Whether transaction `t` externally read / wrote `value` of `key`.
    pub fn ext_read(&self, key: u32, value: u32, t: u32) -> bool {
        self.reads.binary_search(&(kv(key, value), t)).is_ok()
    }

    pub fn ext_wrote(&self, key: u32, value: u32, t: u32) -> bool {
        self.writes.binary_search(&(kv(key, value), t)).is_ok()
    }
}

/// Cycles in the writes-follow-reads version order (with nil first, which can add none).
fn cyclic_versions(wfr: &[(u64, u32)]) -> Vec<CyclicVersions> {
    if wfr.is_empty() {
        return Vec::new();
    }
    let mut nodes: Vec<u64> = wfr
        .iter()
        .flat_map(|&(a, v2)| [a, kv(kv_key(a), v2)])
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    let id = |x: u64| nodes.binary_search(&x).expect("every endpoint is a node") as u32;
    let edges = wfr
        .iter()
        .map(|&(a, v2)| (id(a), id(kv(kv_key(a), v2)), WW))
        .collect();
    Digraph::from_edges(nodes.len(), edges)
        .sccs(WW)
        .into_iter()
        .map(|scc| CyclicVersions {
            key: kv_key(nodes[scc[0] as usize]),
            values: scc.iter().map(|&i| kv_value(nodes[i as usize])).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edn;
    use crate::history::{History, Op, OpType, Process};

    fn history(txns: &[&str]) -> History {
        History::new(
            txns.iter()
                .enumerate()
                .flat_map(|(p, t)| {
                    let v = edn::parse(t).unwrap();
                    let p = Process::Client(p as u64);
                    [
                        Op::new(OpType::Invoke, p, "txn", v.clone()),
                        Op::new(OpType::Ok, p, "txn", v),
                    ]
                })
                .collect(),
        )
    }

    #[test]
    fn writes_follow_reads_orders_versions_and_links_transactions() {
        // T0 writes 1; T1 reads 1, writes 2; T2 reads 1 (so it anti-depends on T1).
        let h = history(&["[[:w 1 1]]", "[[:r 1 1] [:w 1 2]]", "[[:r 1 1]]"]);
        let txns = Txns::from_history(&h);
        let g = DepGraph::build(&txns);
        assert_eq!(g.graph.kinds(0, 1), WW | WR);
        assert_eq!(g.graph.kinds(0, 2), WR);
        assert_eq!(g.graph.kinds(2, 1), RW);
        assert_eq!(g.vertex_count, 3);
    }

    #[test]
    fn a_transaction_related_only_to_itself_is_still_a_vertex() {
        // It read nil and wrote 1: nil < 1 relates it to itself, which Elle's graph keeps as a
        // vertex, so the graph is not empty.
        let h = history(&["[[:r 1 nil] [:w 1 1]]"]);
        let g = DepGraph::build(&Txns::from_history(&h));
        assert_eq!((g.vertex_count, g.graph.edge_count()), (1, 0));
    }

    #[test]
    fn a_cyclic_version_order_drops_writes_follow_reads() {
        let h = history(&["[[:r 1 1] [:w 1 2]]", "[[:r 1 2] [:w 1 1]]"]);
        let g = DepGraph::build(&Txns::from_history(&h));
        assert_eq!(g.cyclic_versions.len(), 1);
        assert!(g.duplicate_writes.is_empty());
        // Only the wr edges remain: each read the other's write.
        assert_eq!((g.graph.kinds(0, 1), g.graph.kinds(1, 0)), (WR, WR));
    }
}
