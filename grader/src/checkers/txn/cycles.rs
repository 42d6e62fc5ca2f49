//! Finding and naming concrete cycles, one strongly connected component at a time.
//!
//! A cycle can only lie inside a strongly connected component, so the graph is split into its
//! components first and each is searched on its own. Within one, the searches go from the most
//! to the least severe type, as Elle's do, skipping types a found one already implies:
//!
//! - **G0**: only ww edges;
//! - **G1c**: ww and wr edges, at least one wr;
//! - **G-single-item**: exactly one rw edge, the rest ww/wr;
//! - **G-nonadjacent-item**: two or more rw edges, never two in a row;
//! - **G2-item**: two or more rw edges, some adjacent.
//!
//! The first two are exact and linear (a component of the ww or ww+wr subgraph proves the
//! cycle). The rw searches may have to try many rw edges, so each has a work budget per
//! component, like Elle's per-search timeout; running out is reported as
//! `cycle-search-timeout`, which (as in Maelstrom) does not change the verdict.

use super::graph::{Bfs, Digraph, ALL, RW, WR, WW};

/// A cycle: each transaction with the kind of the edge that leads to the next one (the last
/// leads back to the first).
#[derive(Debug, Clone)]
pub struct Cycle {
    pub kind: &'static str,
    pub steps: Vec<(u32, u8)>,
    /// What Elle would call it: its explainers label each edge wr if they can, else ww, else
    /// rw, whatever relationship the search followed.
    pub elle_kind: &'static str,
}

/// Work units (edges looked at) each rw search may spend in one component.
pub const DEFAULT_BUDGET: u64 = 20_000_000;

#[derive(Debug, Default)]
pub struct Found {
    pub cycles: Vec<Cycle>,
    /// `(component size, cycle type whose search ran out of budget)`.
    pub timeouts: Vec<(usize, &'static str)>,
}

/// Searches every strongly connected component of `g` for named cycles.
pub fn search(g: &Digraph, budget: u64) -> Found {
    let mut found = Found::default();
    let mut local = vec![0u32; g.vertex_count()];
    for scc in g.sccs(ALL) {
        let sub = g.induced(&scc, &mut local);
        let (cycles, timeouts) = search_component(&sub, budget);
        found.cycles.extend(cycles.into_iter().map(|mut c| {
            let relabelled: Vec<(u32, u8)> = (0..c.steps.len())
                .map(|i| {
                    let (a, b) = (c.steps[i].0, c.steps[(i + 1) % c.steps.len()].0);
                    (a, label(sub.kinds(a, b)))
                })
                .collect();
            c.elle_kind = classify(&relabelled);
            for step in &mut c.steps {
                step.0 = scc[step.0 as usize];
            }
            c
        }));
        found
            .timeouts
            .extend(timeouts.into_iter().map(|t| (scc.len(), t)));
    }
    found
}

/// The label Elle's explainers would give an edge allowed by `mask`: wr first, then ww, then rw.
fn label(kinds: u8) -> u8 {
    if kinds & WR != 0 {
        WR
    } else if kinds & WW != 0 {
        WW
    } else {
        RW
    }
}

/// Elle's classification of a cycle by the kinds of its edges.
pub fn classify(steps: &[(u32, u8)]) -> &'static str {
    let rw = steps.iter().filter(|s| s.1 == RW).count();
    let wr = steps.iter().filter(|s| s.1 == WR).count();
    let adjacent_rw =
        (0..steps.len()).any(|i| steps[i].1 == RW && steps[(i + 1) % steps.len()].1 == RW);
    match rw {
        1 => "G-single-item",
        0 if wr > 0 => "G1c",
        0 => "G0",
        _ if adjacent_rw => "G2-item",
        _ => "G-nonadjacent-item",
    }
}

/// Closes the edge `a → b` (labelled `first`) into a cycle with a shortest path `b ⇝ a` over
/// edges allowed by `mask`.
fn close(
    g: &Digraph,
    bfs: &mut Bfs,
    (a, b, first): (u32, u32, u8),
    mask: u8,
    budget: u64,
    exhausted: &mut bool,
) -> Option<Vec<(u32, u8)>> {
    let path = bfs.path(b, a, budget, exhausted, |v, next| {
        next.extend(
            g.out(v)
                .filter(|(_, k)| k & mask != 0)
                .map(|(w, k)| (w, label(k & mask))),
        )
    })?;
    Some(steps_from(a, first, &path, |s| s))
}

/// Turns a path `b … a` (with the kinds of the edges into each state) into cycle steps starting
/// with `a → b`.
fn steps_from(
    a: u32,
    first: u8,
    path: &[(u32, u8)],
    vertex: impl Fn(u32) -> u32,
) -> Vec<(u32, u8)> {
    let mut steps = vec![(a, first)];
    for i in 0..path.len() - 1 {
        steps.push((vertex(path[i].0), path[i + 1].1));
    }
    steps
}

fn component_ids(n: usize, sccs: &[Vec<u32>]) -> Vec<u32> {
    let mut id = vec![u32::MAX; n];
    for (c, scc) in sccs.iter().enumerate() {
        for &v in scc {
            id[v as usize] = c as u32;
        }
    }
    id
}

fn rw_edges(g: &Digraph) -> Vec<(u32, u32)> {
    (0..g.vertex_count() as u32)
        .flat_map(|a| {
            g.out(a)
                .filter(|(_, k)| k & RW != 0)
                .map(move |(b, _)| (a, b))
        })
        .collect()
}

/// Searches one strongly connected component (renumbered from 0).
fn search_component(g: &Digraph, budget: u64) -> (Vec<Cycle>, Vec<&'static str>) {
    let n = g.vertex_count();
    let mut cycles = Vec::new();
    let mut timeouts = Vec::new();
    let mut bfs = Bfs::new(n, 1);
    let unlimited = u64::MAX;
    let mut never = false;

    // G0: any component of the ww subgraph holds a ww cycle.
    let ww = g.sccs(WW);
    if let Some(sub) = ww.first() {
        let a = sub[0];
        let b = g
            .out(a)
            .find(|(w, k)| k & WW != 0 && sub.binary_search(w).is_ok())
            .map(|(w, _)| w)
            .expect("a vertex of a ww component has a ww edge inside it");
        if let Some(steps) = close(g, &mut bfs, (a, b, WW), WW, unlimited, &mut never) {
            let steps = steps.into_iter().map(|(v, _)| (v, WW)).collect();
            cycles.push(Cycle {
                kind: "G0",
                steps,
                elle_kind: "",
            });
        }
    }

    // G1c: a wr edge inside a component of the ww+wr subgraph.
    let wwwr = g.sccs(WW | WR);
    let wwwr_id = component_ids(n, &wwwr);
    if cycles.is_empty() {
        'g1c: for sub in &wwwr {
            for &a in sub {
                for (b, k) in g.out(a) {
                    if k & WR != 0 && wwwr_id[b as usize] == wwwr_id[a as usize] {
                        if let Some(steps) =
                            close(g, &mut bfs, (a, b, WR), WW | WR, unlimited, &mut never)
                        {
                            cycles.push(Cycle {
                                kind: "G1c",
                                steps,
                                elle_kind: "",
                            });
                            break 'g1c;
                        }
                    }
                }
            }
        }
    }

    let rws = rw_edges(g);
    if rws.is_empty() {
        return (cycles, timeouts);
    }

    // G-single-item: an rw edge a → b with b ⇝ a over ww/wr. Edges inside one ww+wr component
    // surely close; try those first, then search the rest within the budget.
    let mut exhausted = false;
    bfs.work = 0;
    let mut ordered = rws.clone();
    ordered.sort_by_key(|&(a, b)| {
        !(wwwr_id[a as usize] != u32::MAX && wwwr_id[a as usize] == wwwr_id[b as usize])
    });
    let mut single = None;
    for &(a, b) in &ordered {
        if let Some(steps) = close(g, &mut bfs, (a, b, RW), WW | WR, budget, &mut exhausted) {
            single = Some(steps);
            break;
        }
        if exhausted {
            timeouts.push("G-single-item");
            break;
        }
    }
    if let Some(steps) = single {
        cycles.push(Cycle {
            kind: "G-single-item",
            steps,
            elle_kind: "",
        });
        return (cycles, timeouts);
    }

    // G-nonadjacent-item: a search over (vertex, last edge was rw, saw another rw) states.
    let mut product = Bfs::new(n, 4);
    let mut exhausted = false;
    for &(a, b) in &rws {
        let path = product.path(b * 4 + 1, a * 4 + 2, budget, &mut exhausted, |s, next| {
            let (v, last_rw, seen) = (s / 4, s & 1 != 0, s & 2);
            for (w, k) in g.out(v) {
                if k & (WW | WR) != 0 {
                    next.push((w * 4 + seen, label(k & (WW | WR))));
                }
                if k & RW != 0 && !last_rw {
                    next.push((w * 4 + 3, RW));
                }
            }
        });
        if let Some(path) = path {
            let steps = steps_from(a, RW, &path, |s| s / 4);
            cycles.push(Cycle {
                kind: classify(&steps),
                steps,
                elle_kind: "",
            });
            return (cycles, timeouts);
        }
        if exhausted {
            timeouts.push("G-nonadjacent-item");
            break;
        }
    }

    // G2-item: any cycle through an rw edge; the component guarantees one.
    let (a, b) = rws[0];
    if let Some(steps) = close(g, &mut bfs, (a, b, RW), ALL, unlimited, &mut never) {
        cycles.push(Cycle {
            kind: classify(&steps),
            steps,
            elle_kind: "",
        });
    }
    (cycles, timeouts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(found: &Found) -> Vec<&'static str> {
        found.cycles.iter().map(|c| c.kind).collect()
    }

    #[test]
    fn names_each_cycle_type() {
        let g0 = Digraph::from_edges(2, vec![(0, 1, WW | WR), (1, 0, WW)]);
        assert_eq!(kinds(&search(&g0, DEFAULT_BUDGET)), ["G0"]);
        let g1c = Digraph::from_edges(2, vec![(0, 1, WR), (1, 0, WW)]);
        assert_eq!(kinds(&search(&g1c, DEFAULT_BUDGET)), ["G1c"]);
        let single = Digraph::from_edges(3, vec![(0, 1, RW), (1, 2, WW), (2, 0, WR)]);
        assert_eq!(kinds(&search(&single, DEFAULT_BUDGET)), ["G-single-item"]);
        let g2 = Digraph::from_edges(2, vec![(0, 1, RW), (1, 0, RW)]);
        assert_eq!(kinds(&search(&g2, DEFAULT_BUDGET)), ["G2-item"]);
        let nonadjacent =
            Digraph::from_edges(4, vec![(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, WW)]);
        assert_eq!(
            kinds(&search(&nonadjacent, DEFAULT_BUDGET)),
            ["G-nonadjacent-item"]
        );
    }

    #[test]
    fn a_write_cycle_and_a_single_anti_dependency_are_both_reported() {
        // 0 <-ww-> 1 is G0; 1 -rw-> 2 -wr-> 1 is G-single (not implied by G0).
        let g = Digraph::from_edges(3, vec![(0, 1, WW), (1, 0, WW), (1, 2, RW), (2, 1, WR)]);
        assert_eq!(kinds(&search(&g, DEFAULT_BUDGET)), ["G0", "G-single-item"]);
    }

    #[test]
    fn elle_files_a_write_cycle_with_read_twins_under_g1c() {
        let g = Digraph::from_edges(2, vec![(0, 1, WW | WR), (1, 0, WW | WR)]);
        let found = search(&g, DEFAULT_BUDGET);
        assert_eq!(
            (found.cycles[0].kind, found.cycles[0].elle_kind),
            ("G0", "G1c")
        );
    }

    #[test]
    fn cycles_close_on_themselves() {
        let g = Digraph::from_edges(3, vec![(0, 1, WR), (1, 2, WR), (2, 0, WR)]);
        let found = search(&g, DEFAULT_BUDGET);
        let steps = &found.cycles[0].steps;
        assert_eq!(steps.len(), 3);
        for (i, &(v, k)) in steps.iter().enumerate() {
            let next = steps[(i + 1) % steps.len()].0;
            assert_ne!(g.kinds(v, next) & k, 0);
        }
    }
}
