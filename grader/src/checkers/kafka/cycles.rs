//! Dependency cycles between sends and polls, as Elle finds them for the kafka checker.
//!
//! Jepsen hands Elle a graph of completed send/poll ops with write-read edges (the sender of
//! a message → every op that polled it) and realtime edges (an `:ok` op → every op invoked
//! after it completed), no ww edges, and searches it as strict-serializable. Sends never
//! read and polls never send, so every cycle runs send →wr poll →realtime send …: one
//! `:G1c-realtime` per strongly connected component. A graph with no edges at all is Elle's
//! `:empty-transaction-graph`, which the kafka checker does not allow either.

use std::collections::HashMap;

use super::anomaly::{Anomaly, AnomalyType};
use super::cases::{Ctx, Undecidable};
use super::ops::OpId;
use crate::history::OpType;

const WR: u8 = 1;
const REALTIME: u8 = 2;

/// The dependency graph over completions.
#[derive(Debug, Default)]
struct Graph {
    /// Node → (successor, relation bits).
    out: Vec<Vec<(OpId, u8)>>,
    edges: usize,
}

impl Graph {
    fn new(nodes: usize) -> Graph {
        Graph {
            out: vec![Vec::new(); nodes],
            edges: 0,
        }
    }

    fn link(&mut self, from: OpId, to: OpId, rel: u8) {
        self.out[from].push((to, rel));
        self.edges += 1;
    }
}

/// Builds the graph, failing as Jepsen does when a polled message has no sender.
fn graph(ctx: &Ctx) -> Result<Graph, Undecidable> {
    let parsed = ctx.parsed;
    let mut g = Graph::new(parsed.ops.len());

    // Write-read: from the (last) sender of each polled message to the op that polled it.
    for (reader, op) in parsed.ops.iter().enumerate() {
        if !op.f.reads() {
            continue;
        }
        for (key, reads) in &op.reads {
            for r in reads {
                let Some(&writer) = ctx.orders.writer_of.get(&(*key, r.value)) else {
                    return Err(Undecidable::NoWriterOfValue {
                        key: parsed.key(*key).clone(),
                        value: parsed.value(r.value).clone(),
                    });
                };
                if writer != reader {
                    g.link(writer, reader, WR);
                }
            }
        }
    }

    // Realtime, transitively reduced as Elle builds it: each invocation is linked from every
    // `:ok` completion not already implied by a later one.
    let mut events: Vec<(usize, Option<OpId>, bool)> = parsed
        .invocations
        .iter()
        .map(|&(pos, completion)| (pos, completion, true))
        .collect();
    events.extend(
        parsed
            .ops
            .iter()
            .enumerate()
            .filter(|(_, op)| op.is_ok() && (op.f.reads() || op.f.writes()))
            .map(|(id, op)| (op.pos, Some(id), false)),
    );
    events.sort_by_key(|e| e.0);
    let mut realtime_in: HashMap<OpId, Vec<OpId>> = HashMap::new();
    let mut buffer: Vec<OpId> = Vec::new();
    for (_, id, is_invoke) in events {
        let Some(id) = id else { continue };
        if is_invoke {
            for &done in &buffer {
                g.link(done, id, REALTIME);
            }
            realtime_in.insert(id, buffer.clone());
        } else {
            if let Some(implied) = realtime_in.get(&id) {
                buffer.retain(|b| !implied.contains(b));
            }
            buffer.push(id);
        }
    }
    Ok(g)
}

/// Strongly connected components with more than one node (Tarjan's, iteratively).
fn components(g: &Graph) -> Vec<Vec<OpId>> {
    let n = g.out.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<OpId> = Vec::new();
    let mut next = 0usize;
    let mut out = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX || g.out[root].is_empty() {
            continue;
        }
        // (node, position in its successor list)
        let mut work: Vec<(OpId, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if let Some(&(w, _)) = g.out[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut scc = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        scc.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if scc.len() > 1 {
                        scc.sort_unstable();
                        out.push(scc);
                    }
                }
            }
        }
    }
    out
}

/// A short cycle inside one component: a write-read edge closed by a shortest path back.
fn cycle_in(g: &Graph, scc: &[OpId]) -> Option<Vec<OpId>> {
    let inside = |v: OpId| scc.binary_search(&v).is_ok();
    let (writer, reader) = scc.iter().find_map(|&w| {
        g.out[w]
            .iter()
            .find(|(r, rel)| rel & WR != 0 && inside(*r))
            .map(|(r, _)| (w, *r))
    })?;
    // Breadth-first from the reader back to the writer.
    let mut parent: HashMap<OpId, OpId> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([reader]);
    parent.insert(reader, reader);
    while let Some(v) = queue.pop_front() {
        if v == writer {
            break;
        }
        for &(w, _) in &g.out[v] {
            if inside(w) && !parent.contains_key(&w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    parent.get(&writer)?;
    let mut path = vec![writer];
    let mut v = writer;
    while v != reader {
        v = parent[&v];
        path.push(v);
    }
    path.reverse(); // reader … writer; the wr edge closes it
    path.rotate_right(1); // writer, reader, …
    Some(path)
}

/// Whether `b` polled something `a` sent, and what.
fn wr_step(ctx: &Ctx, a: OpId, b: OpId) -> Option<String> {
    let op = &ctx.parsed.ops[b];
    op.reads.iter().find_map(|(key, reads)| {
        reads
            .iter()
            .find(|r| ctx.orders.writer_of.get(&(*key, r.value)) == Some(&a))
            .map(|r| {
                format!(
                    "op {} sent key {} message {}, which op {} polled",
                    ctx.parsed.ops[a].index,
                    ctx.parsed.key(*key),
                    ctx.parsed.value(r.value),
                    op.index
                )
            })
    })
}

/// The cycle anomalies, or `:empty-transaction-graph` when nothing relates to anything.
pub(crate) fn cycles(ctx: &Ctx) -> Result<Vec<Anomaly>, Undecidable> {
    let g = graph(ctx)?;
    if g.edges == 0 {
        return Ok(vec![Anomaly {
            kind: AnomalyType::EmptyTransactionGraph,
            key: None,
            values: Vec::new(),
            offsets: Vec::new(),
            ops: Vec::new(),
            rank: None,
            explanation: "no send or poll completed ok before another began, so no operation could be related to any other (Elle's empty transaction graph)".into(),
        }]);
    }
    let mut out = Vec::new();
    for scc in components(&g) {
        let Some(cycle) = cycle_in(&g, &scc) else {
            continue;
        };
        let mut steps = Vec::new();
        let mut realtime = false;
        for (i, &a) in cycle.iter().enumerate() {
            let b = cycle[(i + 1) % cycle.len()];
            match wr_step(ctx, a, b) {
                Some(step) => steps.push(step),
                None => {
                    realtime = true;
                    let (a_op, b_op) = (&ctx.parsed.ops[a], &ctx.parsed.ops[b]);
                    let outcome = if b_op.kind == OpType::Ok {
                        String::new()
                    } else {
                        format!(" (which ended {})", b_op.kind.keyword())
                    };
                    steps.push(format!(
                        "op {} completed before op {}{outcome} was invoked",
                        a_op.index, b_op.index
                    ));
                }
            }
        }
        let ops: Vec<_> = cycle
            .iter()
            .map(|&id| super::anomaly::OpRef {
                index: ctx.parsed.ops[id].index,
                process: ctx.parsed.ops[id].process,
            })
            .collect();
        out.push(Anomaly {
            kind: if realtime {
                AnomalyType::G1cRealtime
            } else {
                AnomalyType::G1c
            },
            key: None,
            values: Vec::new(),
            offsets: Vec::new(),
            rank: Some(cycle.len() as i64),
            explanation: format!(
                "a cycle of {} ops ({} in all that depend on each other): {}",
                cycle.len(),
                scc.len(),
                steps.join("; ")
            ),
            ops,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_strongly_connected_component_and_a_cycle_in_it() {
        // 0 ⇄ 1 → 2 → 3 → 4 → 2, and 5 alone.
        let mut g = Graph::new(6);
        g.link(0, 1, WR);
        g.link(1, 0, REALTIME);
        g.link(1, 2, REALTIME);
        g.link(2, 3, WR);
        g.link(3, 4, REALTIME);
        g.link(4, 2, REALTIME);
        let mut sccs = components(&g);
        sccs.sort();
        assert_eq!(sccs, vec![vec![0, 1], vec![2, 3, 4]]);
        assert_eq!(cycle_in(&g, &sccs[0]), Some(vec![0, 1]));
        assert_eq!(cycle_in(&g, &sccs[1]), Some(vec![2, 3, 4]));
    }

    #[test]
    fn an_acyclic_graph_has_no_components() {
        let mut g = Graph::new(3);
        g.link(0, 1, WR);
        g.link(1, 2, REALTIME);
        g.link(0, 2, REALTIME);
        assert!(components(&g).is_empty());
    }
}
