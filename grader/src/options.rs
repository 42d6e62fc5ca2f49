//! Maelstrom's `test` flags, parsed the way Maelstrom parses them (spec §1.2–1.3).
//!
//! The level manifest stores each level's flags as the exact strings a learner would type after
//! `maelstrom test`; the Maelstrom engine passes them through unchanged and the builtin engine reads
//! them with [`TestOptions::parse`]. One source of truth, two engines.

use std::time::Duration;

/// A Maelstrom workload name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    Echo,
    UniqueIds,
    Broadcast,
    GCounter,
    Kafka,
    TxnRwRegister,
}

impl Workload {
    /// The name as given to `-w`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Echo => "echo",
            Workload::UniqueIds => "unique-ids",
            Workload::Broadcast => "broadcast",
            Workload::GCounter => "g-counter",
            Workload::Kafka => "kafka",
            Workload::TxnRwRegister => "txn-rw-register",
        }
    }

    pub fn from_name(name: &str) -> Option<Workload> {
        [
            Workload::Echo,
            Workload::UniqueIds,
            Workload::Broadcast,
            Workload::GCounter,
            Workload::Kafka,
            Workload::TxnRwRegister,
        ]
        .into_iter()
        .find(|w| w.name() == name)
    }

    /// Workloads with a final phase: heal, 10 s of recovery, final reads (spec §5.5).
    pub fn has_final_phase(self) -> bool {
        matches!(
            self,
            Workload::Broadcast | Workload::GCounter | Workload::Kafka
        )
    }
}

/// How one-way latency is drawn for messages that involve no client (spec §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyDist {
    Constant,
    Uniform,
    Exponential,
}

/// `--availability`: nothing, `total`, or a minimum fraction of ok operations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    Total,
    AtLeast(f64),
}

/// The most nodes a test may have (`--node-count`).
pub const MAX_NODES: usize = 1000;
/// The largest `--concurrency` number.
pub const MAX_THREADS: usize = 10_000;

/// `--concurrency`: K threads, or K per node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    Threads(usize),
    PerNode(usize),
}

/// Everything a test run needs to know, with Maelstrom's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOptions {
    pub workload: Workload,
    /// Node ids: `n0…n(N-1)` with `--node-count`, else Jepsen's `n1…n5`.
    pub nodes: Vec<String>,
    pub time_limit: Duration,
    /// Total client operations per second, all threads together.
    pub rate: f64,
    pub concurrency: Concurrency,
    /// Mean one-way latency in milliseconds.
    pub latency_ms: u64,
    pub latency_dist: LatencyDist,
    pub nemesis_partition: bool,
    pub nemesis_interval: Duration,
    pub availability: Option<Availability>,
    pub consistency_models: Vec<String>,
    pub key_count: Option<u64>,
    pub max_txn_length: u64,
    pub max_writes_per_key: u64,
    pub topology: String,
    /// Arguments Maelstrom would pass to the node binary (non-option tokens).
    pub node_args: Vec<String>,
}

/// A flag Maelstrom would reject (it exits 254).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OptionsError(pub String);

impl TestOptions {
    /// The number of client threads.
    pub fn threads(&self) -> usize {
        match self.concurrency {
            Concurrency::Threads(k) => k,
            Concurrency::PerNode(k) => k * self.nodes.len(),
        }
    }

    /// Parses `maelstrom test` flags (without `--bin`). Like Maelstrom's tools.cli, a token that is
    /// not an option becomes an argument for the node binary: that is how 6c's published en dash
    /// (`–-nemesis partition`) silently turns partitions off.
    pub fn parse<S: AsRef<str>>(args: &[S]) -> Result<TestOptions, OptionsError> {
        let mut o = TestOptions {
            workload: Workload::Echo,
            nodes: (1..=5).map(|i| format!("n{i}")).collect(),
            time_limit: Duration::from_secs(60),
            rate: 5.0,
            concurrency: Concurrency::PerNode(1),
            latency_ms: 0,
            latency_dist: LatencyDist::Constant,
            nemesis_partition: false,
            nemesis_interval: Duration::from_secs(10),
            availability: None,
            consistency_models: vec!["strict-serializable".into()],
            key_count: None,
            max_txn_length: 4,
            max_writes_per_key: 16,
            topology: "grid".into(),
            node_args: Vec::new(),
        };
        let mut workload_given = false;
        let mut it = args.iter().map(AsRef::as_ref);
        let bad =
            |flag: &str, value: &str, why: &str| OptionsError(format!("{flag} {value:?}: {why}"));
        while let Some(token) = it.next() {
            if token == "--" {
                o.node_args.extend(it.by_ref().map(str::to_owned));
                break;
            }
            if !token.starts_with('-') {
                o.node_args.push(token.to_owned());
                continue;
            }
            let mut value = || {
                it.next()
                    .ok_or_else(|| OptionsError(format!("{token} needs a value")))
            };
            match token {
                "-w" | "--workload" => {
                    let v = value()?;
                    o.workload = Workload::from_name(v)
                        .ok_or_else(|| bad(token, v, "not a workload this course grades"))?;
                    workload_given = true;
                }
                "--node-count" => {
                    let v = value()?;
                    // A bound, so that a stray `--node-count 3000000000` is refused, not obeyed
                    // by allocating three billion node names (found by the fuzz test).
                    let n: usize = v
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_NODES).contains(n))
                        .ok_or_else(|| {
                            bad(
                                token,
                                v,
                                &format!("must be an integer from 1 to {MAX_NODES}"),
                            )
                        })?;
                    o.nodes = (0..n).map(|i| format!("n{i}")).collect();
                }
                "--time-limit" => {
                    let v = value()?;
                    let s: u64 = v.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                        bad(token, v, "must be a positive whole number of seconds")
                    })?;
                    o.time_limit = Duration::from_secs(s);
                }
                "--rate" => {
                    let v = value()?;
                    o.rate = v
                        .parse()
                        .ok()
                        .filter(|r: &f64| *r >= 0.0 && r.is_finite())
                        .ok_or_else(|| bad(token, v, "must be a number ≥ 0"))?;
                }
                "--concurrency" => {
                    let v = value()?;
                    let (digits, per_node) = match v.strip_suffix('n') {
                        Some(d) => (d, true),
                        None => (v, false),
                    };
                    let k: usize = digits
                        .parse()
                        .ok()
                        .filter(|k| *k <= MAX_THREADS && digits.chars().all(|c| c.is_ascii_digit()))
                        .ok_or_else(|| {
                            bad(
                                token,
                                v,
                                &format!("must look like 4 or 2n, at most {MAX_THREADS}"),
                            )
                        })?;
                    o.concurrency = if per_node {
                        Concurrency::PerNode(k)
                    } else {
                        Concurrency::Threads(k)
                    };
                }
                "--latency" => {
                    let v = value()?;
                    o.latency_ms = v
                        .parse()
                        .map_err(|_| bad(token, v, "must be a whole number of milliseconds ≥ 0"))?;
                }
                "--latency-dist" => {
                    let v = value()?;
                    o.latency_dist = match v {
                        "constant" => LatencyDist::Constant,
                        "uniform" => LatencyDist::Uniform,
                        "exponential" => LatencyDist::Exponential,
                        _ => return Err(bad(token, v, "must be constant, uniform or exponential")),
                    };
                }
                "--nemesis" => {
                    let v = value()?;
                    for fault in v.split(',').map(str::trim) {
                        if fault != "partition" {
                            return Err(bad(token, v, "the only fault is partition"));
                        }
                    }
                    o.nemesis_partition = true;
                }
                "--nemesis-interval" => {
                    let v = value()?;
                    let s: f64 = v
                        .parse()
                        .ok()
                        .filter(|s: &f64| *s > 0.0 && s.is_finite())
                        .ok_or_else(|| bad(token, v, "must be a positive number of seconds"))?;
                    o.nemesis_interval = Duration::from_secs_f64(s);
                }
                "--availability" => {
                    let v = value()?;
                    o.availability = Some(if v == "total" {
                        Availability::Total
                    } else {
                        let a: f64 = v
                            .parse()
                            .ok()
                            .filter(|a| (0.0..=1.0).contains(a))
                            .ok_or_else(|| bad(token, v, "must be total or a number in [0, 1]"))?;
                        Availability::AtLeast(a)
                    });
                }
                "--consistency-models" => {
                    let v = value()?;
                    o.consistency_models = v.split(" , ").map(|m| m.trim().to_owned()).collect();
                }
                "--key-count" => o.key_count = Some(positive(token, value()?)?),
                "--max-txn-length" => o.max_txn_length = positive(token, value()?)?,
                "--max-writes-per-key" => o.max_writes_per_key = positive(token, value()?)?,
                "--topology" => {
                    let v = value()?;
                    let known = ["grid", "line", "total", "tree", "tree2", "tree3", "tree4"];
                    if !known.contains(&v) {
                        return Err(bad(
                            token,
                            v,
                            "must be one of grid, line, total, tree, tree2, tree3, tree4",
                        ));
                    }
                    o.topology = v.to_owned();
                }
                "--log-stderr" | "--log-net-send" | "--log-net-recv" => {}
                other => return Err(OptionsError(format!("Unknown option: {other:?}"))),
            }
        }
        if !workload_given {
            return Err(OptionsError(
                "no workload (-w): Maelstrom would default to lin-kv, which this course does not grade"
                    .into(),
            ));
        }
        if o.latency_dist == LatencyDist::Exponential && o.latency_ms == 0 {
            return Err(OptionsError(
                "--latency-dist exponential needs --latency above 0 (Maelstrom crashes dividing by zero)"
                    .into(),
            ));
        }
        Ok(o)
    }
}

fn positive(flag: &str, v: &str) -> Result<u64, OptionsError> {
    v.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| OptionsError(format!("{flag} {v:?}: must be a positive integer")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_level_3d_flags() {
        let o = TestOptions::parse(&[
            "-w",
            "broadcast",
            "--node-count",
            "25",
            "--time-limit",
            "20",
            "--rate",
            "100",
            "--latency",
            "100",
        ])
        .unwrap();
        assert_eq!(o.workload, Workload::Broadcast);
        assert_eq!(o.nodes.len(), 25);
        assert_eq!(o.nodes[0], "n0");
        assert_eq!(o.latency_ms, 100);
        assert_eq!(o.threads(), 25);
        assert!(!o.nemesis_partition);
    }

    #[test]
    fn default_nodes_are_one_based() {
        let o = TestOptions::parse(&["-w", "echo"]).unwrap();
        assert_eq!(o.nodes, ["n1", "n2", "n3", "n4", "n5"]);
    }

    #[test]
    fn concurrency_per_node_multiplies() {
        let o = TestOptions::parse(&["-w", "kafka", "--node-count", "2", "--concurrency", "2n"])
            .unwrap();
        assert_eq!(o.threads(), 4);
    }

    #[test]
    fn en_dash_nemesis_becomes_node_arguments() {
        let o = TestOptions::parse(&["-w", "txn-rw-register", "–-nemesis", "partition"]).unwrap();
        assert!(!o.nemesis_partition);
        assert_eq!(o.node_args, ["–-nemesis", "partition"]);
    }

    #[test]
    fn consistency_models_split_only_on_spaced_commas() {
        let o =
            TestOptions::parse(&["-w", "txn-rw-register", "--consistency-models", "a,b"]).unwrap();
        assert_eq!(o.consistency_models, ["a,b"]);
    }

    #[test]
    fn rejects_bad_flags() {
        assert!(TestOptions::parse(&["-w", "echo", "--rate", "fast"]).is_err());
        assert!(TestOptions::parse(&["-w", "echo", "--node-count", "3000000000"]).is_err());
        assert!(TestOptions::parse(&["-w", "echo", "--concurrency", "99999999n"]).is_err());
        assert!(TestOptions::parse(&["-w", "echo", "--bogus"]).is_err());
        assert!(TestOptions::parse(&["-w", "nope"]).is_err());
        assert!(TestOptions::parse(&["-w", "echo", "--latency-dist", "exponential"]).is_err());
    }
}
