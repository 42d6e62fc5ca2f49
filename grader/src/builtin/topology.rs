//! Broadcast topologies (spec §7.3): which neighbours each node is told about.
//!
//! Maelstrom sends the whole map to every node. Neighbour lists keep Maelstrom's order, which a
//! node may rely on (e.g. "forward to the first neighbour").

/// A topology: each node with its neighbours, in test order. A node may be absent (`line` with
/// one node gives an empty map, as in Maelstrom).
pub type Topology = Vec<(String, Vec<String>)>;

/// Builds the named topology (`grid`, `line`, `total`, `tree`, `tree2`, `tree3`, `tree4`).
pub fn topology(name: &str, nodes: &[String]) -> Option<Topology> {
    Some(match name {
        "grid" => grid(nodes),
        "line" => line(nodes),
        "total" => total(nodes),
        "tree" | "tree2" => tree(2, nodes),
        "tree3" => tree(3, nodes),
        "tree4" => tree(4, nodes),
        _ => return None,
    })
}

/// A roughly square grid laid out row by row; neighbours below, above, right, left.
fn grid(nodes: &[String]) -> Topology {
    let n = nodes.len() as i64;
    let side = (n as f64).sqrt().ceil() as i64;
    let at = |i: i64, j: i64| -> Option<String> {
        if i < 0 || j < 0 || j >= side {
            return None;
        }
        let idx = i * side + j;
        (idx < n).then(|| nodes[idx as usize].clone())
    };
    let mut out = Vec::new();
    for i in 0..side {
        for j in 0..side {
            if let Some(me) = at(i, j) {
                let neighbours = [at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1)]
                    .into_iter()
                    .flatten()
                    .collect();
                out.push((me, neighbours));
            }
        }
    }
    out
}

/// A line: each node's left and right neighbours.
fn line(nodes: &[String]) -> Topology {
    let n = nodes.len();
    if n < 2 {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            let neighbours = match i {
                0 => vec![nodes[1].clone()],
                i if i == n - 1 => vec![nodes[n - 2].clone()],
                i => vec![nodes[i - 1].clone(), nodes[i + 1].clone()],
            };
            (nodes[i].clone(), neighbours)
        })
        .collect()
}

/// Everyone knows everyone.
fn total(nodes: &[String]) -> Topology {
    nodes
        .iter()
        .map(|me| {
            let others = nodes.iter().filter(|n| *n != me).cloned().collect();
            (me.clone(), others)
        })
        .collect()
}

/// A tree with branching factor `b` in heap layout: the parent, then the children.
fn tree(b: usize, nodes: &[String]) -> Topology {
    let n = nodes.len();
    (0..n)
        .map(|i| {
            let parent = (i > 0).then(|| nodes[(i - 1) / b].clone());
            let children = (b * i + 1..=b * i + b)
                .filter(|c| *c < n)
                .map(|c| nodes[c].clone());
            (
                nodes[i].clone(),
                parent.into_iter().chain(children).collect(),
            )
        })
        .collect()
}

/// The topology as the JSON object sent in the `topology` message.
pub fn to_json(topology: &Topology) -> serde_json::Value {
    serde_json::Value::Object(
        topology
            .iter()
            .map(|(node, ns)| (node.clone(), ns.clone().into()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn show(t: &Topology) -> String {
        t.iter()
            .map(|(n, ns)| format!("{n}:[{}]", ns.join(",")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn grid_matches_the_spec_example() {
        let t = topology("grid", &nodes(5)).unwrap();
        assert_eq!(
            show(&t),
            "n0:[n3,n1] n1:[n4,n2,n0] n2:[n1] n3:[n0,n4] n4:[n1,n3]"
        );
        assert_eq!(show(&topology("grid", &nodes(1)).unwrap()), "n0:[]");
    }

    #[test]
    fn grid_of_25_has_at_most_four_neighbours_and_is_symmetric() {
        let t = topology("grid", &nodes(25)).unwrap();
        assert_eq!(t.len(), 25);
        for (n, ns) in &t {
            assert!((2..=4).contains(&ns.len()), "{n}");
            for m in ns {
                let back = &t.iter().find(|(x, _)| x == m).unwrap().1;
                assert!(back.contains(n));
            }
        }
        assert_eq!(t[12].1, ["n17", "n7", "n13", "n11"]);
    }

    #[test]
    fn line_and_total() {
        assert_eq!(
            show(&topology("line", &nodes(3)).unwrap()),
            "n0:[n1] n1:[n0,n2] n2:[n1]"
        );
        assert!(topology("line", &nodes(1)).unwrap().is_empty());
        assert_eq!(
            show(&topology("total", &nodes(3)).unwrap()),
            "n0:[n1,n2] n1:[n0,n2] n2:[n0,n1]"
        );
    }

    #[test]
    fn trees_put_the_parent_first() {
        assert_eq!(
            show(&topology("tree", &nodes(6)).unwrap()),
            "n0:[n1,n2] n1:[n0,n3,n4] n2:[n0,n5] n3:[n1] n4:[n1] n5:[n2]"
        );
        assert_eq!(
            show(&topology("tree3", &nodes(5)).unwrap()),
            "n0:[n1,n2,n3] n1:[n0,n4] n2:[n0] n3:[n0] n4:[n1]"
        );
        let t4 = topology("tree4", &nodes(6)).unwrap();
        assert_eq!(t4[0].1, ["n1", "n2", "n3", "n4"]);
        assert_eq!(t4[5].1, ["n1"]);
        assert!(topology("star", &nodes(3)).is_none());
    }
}
