//! A compact directed graph with typed edges, strongly connected components and shortest paths.
//!
//! Transaction dependency graphs have up to millions of vertices, so the graph is a frozen
//! adjacency array (CSR) whose edges carry a bit set of relationships (`ww`, `wr`, `rw`), and
//! every algorithm is iterative (no recursion to overflow the stack) and linear.

use std::collections::VecDeque;

/// Write-write dependency: T1 installed a version, T2 installed the next one.
pub const WW: u8 = 1;
/// Write-read dependency: T2 read what T1 wrote.
pub const WR: u8 = 2;
/// Read-write anti-dependency: T1 read a version, T2 installed the next one.
pub const RW: u8 = 4;
pub const ALL: u8 = WW | WR | RW;

const UNSEEN: u32 = u32::MAX;

#[derive(Debug, Default, Clone)]
pub struct Digraph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    kinds: Vec<u8>,
}

impl Digraph {
    /// Builds a graph of `n` vertices from `(from, to, kinds)` triples; parallel edges merge
    /// their kinds.
    pub fn from_edges(n: usize, mut edges: Vec<(u32, u32, u8)>) -> Digraph {
        edges.sort_unstable();
        let mut g = Digraph {
            offsets: vec![0; n + 1],
            targets: Vec::with_capacity(edges.len()),
            kinds: Vec::with_capacity(edges.len()),
        };
        let mut last: Option<(u32, u32)> = None;
        for (a, b, k) in edges {
            if last == Some((a, b)) {
                *g.kinds.last_mut().expect("an edge was pushed") |= k;
                continue;
            }
            last = Some((a, b));
            g.targets.push(b);
            g.kinds.push(k);
            g.offsets[a as usize + 1] += 1;
        }
        for i in 0..n {
            g.offsets[i + 1] += g.offsets[i];
        }
        g
    }

    pub fn vertex_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// The edges out of `v`: `(target, kinds)`.
    pub fn out(&self, v: u32) -> impl Iterator<Item = (u32, u8)> + '_ {
        let (a, b) = (
            self.offsets[v as usize] as usize,
            self.offsets[v as usize + 1] as usize,
        );
        self.targets[a..b]
            .iter()
            .copied()
            .zip(self.kinds[a..b].iter().copied())
    }

    /// The kinds of the edge `a → b`, 0 when there is none.
    pub fn kinds(&self, a: u32, b: u32) -> u8 {
        self.out(a).find(|(t, _)| *t == b).map_or(0, |(_, k)| k)
    }

    /// Strongly connected components of more than one vertex, using only edges that have one of
    /// the `mask` kinds (Tarjan's algorithm, iteratively).
    pub fn sccs(&self, mask: u8) -> Vec<Vec<u32>> {
        let n = self.vertex_count();
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        // (vertex, position of the next out-edge to look at)
        let mut calls: Vec<(u32, u32)> = Vec::new();
        let mut next = 0u32;
        let mut found = Vec::new();
        for root in 0..n as u32 {
            if index[root as usize] != UNSEEN {
                continue;
            }
            calls.push((root, self.offsets[root as usize]));
            index[root as usize] = next;
            low[root as usize] = next;
            next += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            while let Some(&mut (v, ref mut pos)) = calls.last_mut() {
                let end = self.offsets[v as usize + 1];
                let mut descended = false;
                while *pos < end {
                    let e = *pos as usize;
                    *pos += 1;
                    if self.kinds[e] & mask == 0 {
                        continue;
                    }
                    let w = self.targets[e];
                    if index[w as usize] == UNSEEN {
                        index[w as usize] = next;
                        low[w as usize] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w as usize] = true;
                        calls.push((w, self.offsets[w as usize]));
                        descended = true;
                        break;
                    } else if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(index[w as usize]);
                    }
                }
                if descended {
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let mut component = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        on_stack[w as usize] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 {
                        component.sort_unstable();
                        found.push(component);
                    }
                }
            }
        }
        found
    }

    /// The subgraph induced by `vertices` (sorted), renumbered `0..len`.
    pub fn induced(&self, vertices: &[u32], local: &mut [u32]) -> Digraph {
        for (i, &v) in vertices.iter().enumerate() {
            local[v as usize] = i as u32;
        }
        let mut edges = Vec::new();
        for (i, &v) in vertices.iter().enumerate() {
            for (w, k) in self.out(v) {
                if vertices.binary_search(&w).is_ok() {
                    edges.push((i as u32, local[w as usize], k));
                }
            }
        }
        Digraph::from_edges(vertices.len(), edges)
    }
}

/// Breadth-first search for a shortest path, reused across searches on one graph so that each
/// search only pays for what it visits. Counts every edge it looks at against a budget.
#[derive(Debug)]
pub struct Bfs {
    parent: Vec<u32>,
    via: Vec<u8>,
    touched: Vec<u32>,
    queue: VecDeque<u32>,
    pub work: u64,
}

impl Bfs {
    /// Room for graphs of up to `n` vertices times `states` search states per vertex.
    pub fn new(n: usize, states: usize) -> Bfs {
        Bfs {
            parent: vec![UNSEEN; n * states],
            via: vec![0; n * states],
            touched: Vec::new(),
            queue: VecDeque::new(),
            work: 0,
        }
    }

    fn reset(&mut self) {
        for &s in &self.touched {
            self.parent[s as usize] = UNSEEN;
        }
        self.touched.clear();
        self.queue.clear();
    }

    /// A search over states `0..n*states`: `step(state)` lists `(next_state, edge kind used)`.
    /// Returns the path from `start` to `goal` as `(state, kind of the edge into it)` pairs,
    /// the first being `(start, 0)`; `None` when unreachable or when `budget` runs out (then
    /// `exhausted` is set).
    pub fn path(
        &mut self,
        start: u32,
        goal: u32,
        budget: u64,
        exhausted: &mut bool,
        mut step: impl FnMut(u32, &mut Vec<(u32, u8)>),
    ) -> Option<Vec<(u32, u8)>> {
        self.reset();
        self.parent[start as usize] = start;
        self.touched.push(start);
        self.queue.push_back(start);
        let mut next = Vec::new();
        let mut reached = start == goal;
        while !reached {
            let Some(s) = self.queue.pop_front() else {
                break;
            };
            next.clear();
            step(s, &mut next);
            self.work += next.len() as u64 + 1;
            if self.work > budget {
                *exhausted = true;
                return None;
            }
            for &(t, kind) in &next {
                if self.parent[t as usize] != UNSEEN {
                    continue;
                }
                self.parent[t as usize] = s;
                self.via[t as usize] = kind;
                self.touched.push(t);
                if t == goal {
                    reached = true;
                    break;
                }
                self.queue.push_back(t);
            }
        }
        if !reached {
            return None;
        }
        let mut path = vec![(goal, self.via[goal as usize])];
        let mut at = goal;
        while at != start {
            at = self.parent[at as usize];
            path.push((at, self.via[at as usize]));
        }
        path.reverse();
        path[0].1 = 0;
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_components_by_edge_kind() {
        // 0 -ww-> 1 -wr-> 2 -ww-> 0, and 3 <-rw-> 4
        let g = Digraph::from_edges(
            5,
            vec![(0, 1, WW), (1, 2, WR), (2, 0, WW), (3, 4, RW), (4, 3, RW)],
        );
        assert_eq!(g.sccs(ALL), vec![vec![0, 1, 2], vec![3, 4]]);
        assert_eq!(g.sccs(WW), Vec::<Vec<u32>>::new());
        assert_eq!(g.sccs(WW | WR), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn merges_parallel_edges() {
        let g = Digraph::from_edges(2, vec![(0, 1, WW), (0, 1, WR)]);
        assert_eq!(g.edge_count(), 1);
        assert_eq!(g.kinds(0, 1), WW | WR);
    }

    #[test]
    fn deep_chains_do_not_overflow_the_stack() {
        let n = 200_000u32;
        let mut edges: Vec<_> = (0..n - 1).map(|i| (i, i + 1, WW)).collect();
        edges.push((n - 1, 0, WW));
        let g = Digraph::from_edges(n as usize, edges);
        assert_eq!(g.sccs(WW)[0].len(), n as usize);
    }

    #[test]
    fn shortest_paths() {
        let g = Digraph::from_edges(4, vec![(0, 1, WW), (1, 2, WW), (0, 3, WR), (3, 2, WR)]);
        let mut bfs = Bfs::new(4, 1);
        let mut out_of_budget = false;
        let p = bfs
            .path(0, 2, u64::MAX, &mut out_of_budget, |s, next| {
                next.extend(g.out(s))
            })
            .unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], (0, 0));
    }
}
