//! Network partitions (spec §4.3), as Jepsen's combined partition package makes them.
//!
//! Each `:start-partition` picks one of four shapes uniformly and turns it into a *grudge*: for
//! each node, the set of nodes whose messages it drops. `:stop-partition` heals everything. Only
//! nodes appear in grudges; clients and services are never cut off. Start and stop alternate,
//! the first start at once, then gaps uniform on `[0, 2 × interval)`.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::value::Value;

use super::net::Network;

/// dest → the sources whose messages it drops.
pub type Grudge = BTreeMap<String, BTreeSet<String>>;

/// The four partition shapes Maelstrom's nemesis picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionSpec {
    One,
    MinorityThird,
    Majority,
    MajoritiesRing,
}

impl PartitionSpec {
    pub const ALL: [PartitionSpec; 4] = [
        PartitionSpec::One,
        PartitionSpec::MinorityThird,
        PartitionSpec::Majority,
        PartitionSpec::MajoritiesRing,
    ];

    /// The keyword recorded as the invocation's value.
    pub fn keyword(self) -> &'static str {
        match self {
            PartitionSpec::One => "one",
            PartitionSpec::MinorityThird => "minority-third",
            PartitionSpec::Majority => "majority",
            PartitionSpec::MajoritiesRing => "majorities-ring",
        }
    }

    /// Draws a grudge of this shape over `nodes`.
    pub fn grudge(self, nodes: &[String], rng: &mut StdRng) -> Grudge {
        match self {
            PartitionSpec::One => {
                let Some(loner) = nodes.choose(rng) else {
                    return Grudge::new();
                };
                let rest: Vec<String> = nodes.iter().filter(|n| *n != loner).cloned().collect();
                complete_grudge(&[vec![loner.clone()], rest])
            }
            PartitionSpec::Majority => {
                let mut shuffled = nodes.to_vec();
                shuffled.shuffle(rng);
                let (a, b) = shuffled.split_at(nodes.len() / 2);
                complete_grudge(&[a.to_vec(), b.to_vec()])
            }
            PartitionSpec::MinorityThird => {
                let mut shuffled = nodes.to_vec();
                shuffled.shuffle(rng);
                let third = nodes.len().saturating_sub(1) / 3;
                let (a, b) = shuffled.split_at(third);
                complete_grudge(&[a.to_vec(), b.to_vec()])
            }
            PartitionSpec::MajoritiesRing if nodes.len() <= 5 => majorities_ring(nodes, rng),
            PartitionSpec::MajoritiesRing => majorities_ring_stochastic(nodes, rng),
        }
    }
}

fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// No node can talk to any node outside its own component. Every node is a key.
pub fn complete_grudge(components: &[Vec<String>]) -> Grudge {
    let universe: BTreeSet<String> = components.iter().flatten().cloned().collect();
    let mut grudge = Grudge::new();
    for component in components {
        let own: BTreeSet<String> = component.iter().cloned().collect();
        for node in component {
            grudge.insert(node.clone(), universe.difference(&own).cloned().collect());
        }
    }
    grudge
}

/// For up to five nodes: a shuffled ring; each window of a majority of consecutive nodes makes
/// its middle node drop everyone outside the window. With three nodes the drops are one-way.
fn majorities_ring(nodes: &[String], rng: &mut StdRng) -> Grudge {
    let n = nodes.len();
    if n == 0 {
        return Grudge::new();
    }
    let m = majority(n);
    let mut ring = nodes.to_vec();
    ring.shuffle(rng);
    let universe: BTreeSet<String> = nodes.iter().cloned().collect();
    let mut grudge = Grudge::new();
    for start in 0..n {
        let window: BTreeSet<String> = (0..m).map(|k| ring[(start + k) % n].clone()).collect();
        let middle = ring[(start + m / 2) % n].clone();
        grudge.insert(middle, universe.difference(&window).cloned().collect());
    }
    grudge
}

/// For more than five nodes: link least-connected nodes to each other until every node sees a
/// majority (itself included), then drop everything else. Every node sees a majority, no two
/// nodes necessarily the same one.
fn majorities_ring_stochastic(nodes: &[String], rng: &mut StdRng) -> Grudge {
    let m = majority(nodes.len());
    let mut conns: BTreeMap<String, BTreeSet<String>> = nodes
        .iter()
        .map(|n| (n.clone(), BTreeSet::from([n.clone()])))
        .collect();
    loop {
        // Nodes by ascending degree, shuffled within a degree.
        let mut by_degree: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (node, c) in &conns {
            by_degree.entry(c.len()).or_default().push(node.clone());
        }
        let mut dns: Vec<(usize, String)> = Vec::new();
        for (degree, mut group) in by_degree {
            group.shuffle(rng);
            dns.extend(group.into_iter().map(|n| (degree, n)));
        }
        let Some((a_degree, a)) = dns.first().cloned() else {
            break;
        };
        if a_degree >= m {
            break;
        }
        let Some((_, b)) = dns.iter().find(|(_, b)| !conns[&a].contains(b)).cloned() else {
            break;
        };
        conns.get_mut(&a).expect("a is a node").insert(b.clone());
        conns.get_mut(&b).expect("b is a node").insert(a);
    }
    let universe: BTreeSet<String> = nodes.iter().cloned().collect();
    conns
        .into_iter()
        .map(|(node, c)| (node, universe.difference(&c).cloned().collect()))
        .collect()
}

/// Applies a grudge to the network.
pub fn apply(net: &Network, grudge: &Grudge) {
    for (dest, srcs) in grudge {
        for src in srcs {
            net.drop_link(src, dest);
        }
    }
}

/// The completion value of `:start-partition`: `[:isolated {"n1" #{"n2" …} …}]`.
pub fn isolated_value(grudge: &Grudge) -> Value {
    let map = grudge
        .iter()
        .map(|(dest, srcs)| {
            (
                Value::Str(dest.clone()),
                Value::Set(srcs.iter().cloned().map(Value::Str).collect()),
            )
        })
        .collect();
    Value::Vec(vec![Value::keyword("isolated"), Value::Map(map)])
}

/// Picks a shape uniformly.
pub fn random_spec(rng: &mut StdRng) -> PartitionSpec {
    PartitionSpec::ALL[rng.gen_range(0..PartitionSpec::ALL.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    /// Whether `a` can hear `b` under `g`.
    fn hears(g: &Grudge, a: &str, b: &str) -> bool {
        !g.get(a).is_some_and(|s| s.contains(b))
    }

    /// How many nodes (itself included) each node hears.
    fn audience(g: &Grudge, ns: &[String]) -> Vec<usize> {
        ns.iter()
            .map(|a| ns.iter().filter(|b| hears(g, a, b)).count())
            .collect()
    }

    #[test]
    fn single_node_grudges_are_no_ops() {
        let mut rng = StdRng::seed_from_u64(1);
        for spec in PartitionSpec::ALL {
            let g = spec.grudge(&nodes(1), &mut rng);
            assert!(g.values().all(BTreeSet::is_empty), "{spec:?}");
        }
    }

    #[test]
    fn three_nodes() {
        let ns = nodes(3);
        let mut rng = StdRng::seed_from_u64(2);
        let one = PartitionSpec::One.grudge(&ns, &mut rng);
        let mut sizes: Vec<usize> = one.values().map(BTreeSet::len).collect();
        sizes.sort();
        assert_eq!(sizes, [1, 1, 2]);
        // n ≤ 3: minority-third splits off nobody.
        let third = PartitionSpec::MinorityThird.grudge(&ns, &mut rng);
        assert!(third.values().all(BTreeSet::is_empty));
        let maj = PartitionSpec::Majority.grudge(&ns, &mut rng);
        assert_eq!(audience(&maj, &ns).iter().filter(|a| **a == 1).count(), 1);
        // The 3-node ring: each node drops exactly one other, and no drop is mutual.
        let ring = PartitionSpec::MajoritiesRing.grudge(&ns, &mut rng);
        assert!(ring.values().all(|s| s.len() == 1));
        for (a, s) in &ring {
            let b = s.iter().next().unwrap();
            assert!(hears(&ring, b, a), "{a} and {b} drop each other");
        }
    }

    #[test]
    fn five_nodes() {
        let ns = nodes(5);
        let mut rng = StdRng::seed_from_u64(3);
        let third = PartitionSpec::MinorityThird.grudge(&ns, &mut rng);
        let mut aud = audience(&third, &ns);
        aud.sort();
        assert_eq!(aud, [1, 4, 4, 4, 4]);
        let maj = PartitionSpec::Majority.grudge(&ns, &mut rng);
        let mut aud = audience(&maj, &ns);
        aud.sort();
        assert_eq!(aud, [2, 2, 3, 3, 3]);
        // Ring: each node loses its two non-neighbours, symmetrically.
        let ring = PartitionSpec::MajoritiesRing.grudge(&ns, &mut rng);
        assert_eq!(ring.len(), 5);
        assert!(ring.values().all(|s| s.len() == 2));
        for (a, s) in &ring {
            for b in s {
                assert!(ring[b].contains(a));
            }
        }
    }

    #[test]
    fn twenty_five_nodes_each_see_a_majority() {
        let ns = nodes(25);
        let mut rng = StdRng::seed_from_u64(4);
        let ring = PartitionSpec::MajoritiesRing.grudge(&ns, &mut rng);
        assert_eq!(ring.len(), 25);
        let aud = audience(&ring, &ns);
        assert!(aud.iter().all(|a| *a >= 13), "{aud:?}");
        // Links are symmetric.
        for (a, s) in &ring {
            for b in s {
                assert!(ring[b].contains(a));
            }
        }
        // Not everyone sees the same majority.
        assert!(ring.values().collect::<BTreeSet<_>>().len() > 1);
        let third = PartitionSpec::MinorityThird.grudge(&ns, &mut rng);
        assert_eq!(audience(&third, &ns).iter().filter(|a| **a == 8).count(), 8);
    }

    #[test]
    fn isolated_value_prints_like_jepsen() {
        let g = complete_grudge(&[vec!["n1".into()], vec!["n2".into(), "n3".into()]]);
        assert_eq!(
            isolated_value(&g).to_string(),
            r#"[:isolated {"n1" #{"n2" "n3"}, "n2" #{"n1"}, "n3" #{"n1"}}]"#
        );
    }
}
