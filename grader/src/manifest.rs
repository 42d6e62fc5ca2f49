//! The level manifest: the one table the whole grader is driven by.
//!
//! Each row is a level of Fly.io's Gossip Glomers: which challenge folder holds the learner's
//! node, the exact `maelstrom test` flags of each run (from Fly.io's pages, see
//! `shared/gossip-glomers-levels.md`), the course's extra criteria, and hints shown on failure.

use crate::options::{TestOptions, Workload};

/// An upper limit on a figure; `inclusive` says whether the limit itself passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub value: f64,
    pub inclusive: bool,
}

impl Limit {
    pub const fn below(value: f64) -> Limit {
        Limit {
            value,
            inclusive: false,
        }
    }

    pub const fn at_most(value: f64) -> Limit {
        Limit {
            value,
            inclusive: true,
        }
    }

    pub fn allows(&self, x: f64) -> bool {
        if self.inclusive {
            x <= self.value
        } else {
            x < self.value
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = if self.inclusive { "≤" } else { "<" };
        write!(f, "{op} {}", self.value)
    }
}

/// The course's efficiency budget for a level, beyond Maelstrom's own verdict.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Budget {
    /// `:net :servers :msgs-per-op`.
    pub msgs_per_op: Option<Limit>,
    /// Median stable latency (`:stable-latencies` at 0.5), in ms.
    pub median_latency_ms: Option<Limit>,
    /// Maximum stable latency (`:stable-latencies` at 1), in ms.
    pub max_latency_ms: Option<Limit>,
    /// Whose numbers these are. Maelstrom checks none of them either way.
    pub set_by: BudgetSource,
}

/// Who set a level's budget, so that a report never passes the course's number off as Fly.io's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BudgetSource {
    /// Fly.io's published targets (3d, 3e).
    #[default]
    FlyIo,
    /// The course's own limit where Fly.io sets no number (5c).
    Course,
}

impl BudgetSource {
    /// The limits' origin in words, for a budget check's summary.
    pub fn words(self) -> &'static str {
        match self {
            BudgetSource::FlyIo => {
                "Fly.io's targets for the level, which Maelstrom itself never checks"
            }
            BudgetSource::Course => {
                "the course's own limit: Fly.io sets no number here and Maelstrom checks none"
            }
        }
    }
}

/// One Maelstrom run of a level. Most levels have one; 6b has two.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run<'a> {
    /// Shown when a level has more than one run.
    pub label: &'a str,
    /// The flags after `maelstrom test --bin BIN`, exactly as Maelstrom takes them. The manifest's
    /// are `'static`; a re-check with partitions added borrows flags built at run time.
    pub flags: &'a [&'a str],
}

/// One level of the course.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// `"1"`, `"2"`, `"3a"` … `"6c"`.
    pub id: &'static str,
    pub title: &'static str,
    /// The folder under `challenges/` and `solutions/` (and the node's package name).
    pub challenge: &'static str,
    pub workload: Workload,
    pub runs: &'static [Run<'static>],
    pub budget: Budget,
    /// Whether `--partition` may add `--nemesis partition` (3d and 3e ask for that re-check).
    pub partition_recheck: bool,
    /// What the level asks for, in a sentence.
    pub criteria: &'static str,
    /// Shown when the level fails, most useful first.
    pub hints: &'static [&'static str],
}

impl Level {
    /// The parsed options of each run.
    pub fn options(&self) -> Vec<TestOptions> {
        self.runs
            .iter()
            .map(|r| TestOptions::parse(r.flags).expect("manifest flags parse"))
            .collect()
    }

    /// The package names of the learner's node and of the reference solution.
    pub fn packages(&self) -> (String, String) {
        (
            self.challenge.to_owned(),
            format!("{}-solution", self.challenge),
        )
    }
}

const NO_BUDGET: Budget = Budget {
    msgs_per_op: None,
    median_latency_ms: None,
    max_latency_ms: None,
    set_by: BudgetSource::FlyIo,
};

const BROADCAST_3D: &[&str] = &[
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
];

const KAFKA_MULTI: &[&str] = &[
    "-w",
    "kafka",
    "--node-count",
    "2",
    "--concurrency",
    "2n",
    "--time-limit",
    "20",
    "--rate",
    "1000",
];

/// Every level, in course order.
pub const LEVELS: &[Level] = &[
    Level {
        id: "1",
        title: "Echo",
        challenge: "echo",
        workload: Workload::Echo,
        runs: &[Run {
            label: "",
            flags: &["-w", "echo", "--node-count", "1", "--time-limit", "10"],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "every echo comes back with the same text",
        hints: &[
            "Reply with type echo_ok and the same echo field; the runtime fills in in_reply_to.",
            "Print only protocol messages on stdout: debug output belongs on stderr (eprintln!).",
        ],
    },
    Level {
        id: "2",
        title: "Unique ID generation",
        challenge: "unique-ids",
        workload: Workload::UniqueIds,
        runs: &[Run {
            label: "",
            flags: &[
                "-w", "unique-ids", "--time-limit", "30", "--rate", "1000", "--node-count", "3",
                "--availability", "total", "--nemesis", "partition",
            ],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "no id is handed out twice, and every request succeeds even during partitions",
        hints: &[
            "Nodes cannot talk during a partition, so an id must be unique without asking anyone.",
            "Your node id is unique in the cluster, and a counter is unique within one node.",
        ],
    },
    Level {
        id: "3a",
        title: "Single-node broadcast",
        challenge: "broadcast",
        workload: Workload::Broadcast,
        runs: &[Run {
            label: "",
            flags: &["-w", "broadcast", "--node-count", "1", "--time-limit", "20", "--rate", "10"],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "every broadcast value shows up in later reads",
        hints: &[
            "Answer topology with topology_ok, broadcast with broadcast_ok, read with every value seen.",
            "A read must list each value once: keep them in a set.",
        ],
    },
    Level {
        id: "3b",
        title: "Multi-node broadcast",
        challenge: "broadcast",
        workload: Workload::Broadcast,
        runs: &[Run {
            label: "",
            flags: &["-w", "broadcast", "--node-count", "5", "--time-limit", "20", "--rate", "10"],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "every value reaches every node",
        hints: &[
            "A value a client gives one node must be forwarded to the others.",
            "Don't forward a value you already have, or messages loop forever.",
        ],
    },
    Level {
        id: "3c",
        title: "Fault-tolerant broadcast",
        challenge: "broadcast",
        workload: Workload::Broadcast,
        runs: &[Run {
            label: "",
            flags: &[
                "-w", "broadcast", "--node-count", "5", "--time-limit", "20", "--rate", "10",
                "--nemesis", "partition",
            ],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "every value reaches every node, despite partitions",
        hints: &[
            "Messages sent during a partition are lost: send again until the peer acknowledges.",
            "A periodic timer that gossips what a peer has not acknowledged heals every partition.",
        ],
    },
    Level {
        id: "3d",
        title: "Efficient broadcast, part I",
        challenge: "broadcast",
        workload: Workload::Broadcast,
        runs: &[Run {
            label: "",
            flags: BROADCAST_3D,
        }],
        budget: Budget {
            msgs_per_op: Some(Limit::below(30.0)),
            median_latency_ms: Some(Limit::below(400.0)),
            max_latency_ms: Some(Limit::below(600.0)),
            set_by: BudgetSource::FlyIo,
        },
        partition_recheck: true,
        criteria: "valid, with server msgs-per-op < 30, median latency < 400 ms, maximum < 600 ms",
        hints: &[
            "The grid topology has long paths: with 100 ms per hop, pick your own topology instead.",
            "Batch: one message can carry many values.",
        ],
    },
    Level {
        id: "3e",
        title: "Efficient broadcast, part II",
        challenge: "broadcast",
        workload: Workload::Broadcast,
        runs: &[Run {
            label: "",
            flags: BROADCAST_3D,
        }],
        budget: Budget {
            msgs_per_op: Some(Limit::below(20.0)),
            median_latency_ms: Some(Limit::below(1000.0)),
            max_latency_ms: Some(Limit::below(2000.0)),
            set_by: BudgetSource::FlyIo,
        },
        partition_recheck: true,
        criteria: "valid, with server msgs-per-op < 20, median latency < 1 s, maximum < 2 s",
        hints: &[
            "Trade latency for messages: gossip on a timer, batching everything new since last time.",
        ],
    },
    Level {
        id: "4",
        title: "Grow-only counter",
        challenge: "g-counter",
        workload: Workload::GCounter,
        runs: &[Run {
            label: "",
            flags: &[
                "-w", "g-counter", "--node-count", "3", "--rate", "100", "--time-limit", "20",
                "--nemesis", "partition",
            ],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "every final read equals the acknowledged total (plus any unacknowledged adds)",
        hints: &[
            "seq-kv reads can be stale: a read right after a write may not see it.",
            "Update with cas, never with a blind write, or concurrent adds overwrite each other.",
        ],
    },
    Level {
        id: "5a",
        title: "Single-node Kafka-style log",
        challenge: "kafka",
        workload: Workload::Kafka,
        runs: &[Run {
            label: "",
            flags: &[
                "-w", "kafka", "--node-count", "1", "--concurrency", "2n", "--time-limit", "20",
                "--rate", "1000",
            ],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "no lost writes, offsets only grow, polls never skip a message",
        hints: &["Keys arrive as strings; offsets are per key and must never be reused."],
    },
    Level {
        id: "5b",
        title: "Multi-node Kafka-style log",
        challenge: "kafka",
        workload: Workload::Kafka,
        runs: &[Run {
            label: "",
            flags: KAFKA_MULTI,
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "the log stays consistent across two nodes",
        hints: &["Two nodes must agree on each key's next offset: lin-kv's cas can arbitrate."],
    },
    Level {
        id: "5c",
        title: "Efficient Kafka-style log",
        challenge: "kafka",
        workload: Workload::Kafka,
        runs: &[Run {
            label: "",
            flags: KAFKA_MULTI,
        }],
        budget: Budget {
            msgs_per_op: Some(Limit::at_most(2.0)),
            median_latency_ms: None,
            max_latency_ms: None,
            set_by: BudgetSource::Course,
        },
        partition_recheck: false,
        criteria: "valid, with server msgs-per-op ≤ 2.0 (Fly.io sets no number; the course does)",
        hints: &["Give each key one owner node, so that only the owner assigns its offsets."],
    },
    Level {
        id: "6a",
        title: "Single-node, totally-available transactions",
        challenge: "txn",
        workload: Workload::TxnRwRegister,
        runs: &[Run {
            label: "",
            flags: &[
                "-w", "txn-rw-register", "--node-count", "1", "--time-limit", "20", "--rate",
                "1000", "--concurrency", "2n", "--consistency-models", "read-uncommitted",
                "--availability", "total",
            ],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "every transaction succeeds and no write cycle (G0) appears",
        hints: &["Apply each transaction's operations in order; reads of unwritten keys return null."],
    },
    Level {
        id: "6b",
        title: "Totally-available, read-uncommitted transactions",
        challenge: "txn",
        workload: Workload::TxnRwRegister,
        runs: &[
            Run {
                label: "without partitions",
                flags: &[
                    "-w", "txn-rw-register", "--node-count", "2", "--concurrency", "2n",
                    "--time-limit", "20", "--rate", "1000", "--consistency-models",
                    "read-uncommitted",
                ],
            },
            Run {
                label: "with partitions",
                flags: &[
                    "-w", "txn-rw-register", "--node-count", "2", "--concurrency", "2n",
                    "--time-limit", "20", "--rate", "1000", "--consistency-models",
                    "read-uncommitted", "--availability", "total", "--nemesis", "partition",
                ],
            },
        ],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "both runs valid: no G0 (write cycle), every transaction succeeds under partitions",
        hints: &[
            "Run each transaction in one go and answer at once; never wait for a peer half-way through one (interleaved writes are G0).",
            "Replicate a transaction's writes after it completes, and agree on one order for conflicting writes so replicas converge.",
        ],
    },
    Level {
        id: "6c",
        title: "Totally-available, read-committed transactions",
        challenge: "txn",
        workload: Workload::TxnRwRegister,
        runs: &[Run {
            label: "",
            flags: &[
                "-w", "txn-rw-register", "--node-count", "2", "--concurrency", "2n",
                "--time-limit", "20", "--rate", "1000", "--consistency-models", "read-committed",
                "--availability", "total", "--nemesis", "partition",
            ],
        }],
        budget: NO_BUDGET,
        partition_recheck: false,
        criteria: "no G0, G1a, G1b or G1c, and every transaction succeeds under partitions",
        hints: &[
            "Never let another transaction see a write before its transaction committed.",
            "Fly.io's page types the nemesis flag with an en dash: the course uses the real --nemesis partition.",
        ],
    },
];

/// Finds a level by id (case-insensitive, `3B` works).
pub fn level(id: &str) -> Option<&'static Level> {
    LEVELS.iter().find(|l| l.id.eq_ignore_ascii_case(id.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_levels_in_course_order() {
        let ids: Vec<_> = LEVELS.iter().map(|l| l.id).collect();
        assert_eq!(
            ids,
            ["1", "2", "3a", "3b", "3c", "3d", "3e", "4", "5a", "5b", "5c", "6a", "6b", "6c"]
        );
    }

    #[test]
    fn every_run_parses_and_names_its_workload() {
        for level in LEVELS {
            for opts in level.options() {
                assert_eq!(opts.workload, level.workload, "level {}", level.id);
                assert!(
                    opts.node_args.is_empty(),
                    "level {} passes node arguments",
                    level.id
                );
            }
        }
    }

    #[test]
    fn six_c_uses_the_ascii_nemesis_flag() {
        let opts = &level("6c").unwrap().options()[0];
        assert!(opts.nemesis_partition);
    }

    #[test]
    fn limits_are_strict_or_inclusive() {
        assert!(!Limit::below(30.0).allows(30.0));
        assert!(Limit::at_most(2.0).allows(2.0));
    }

    #[test]
    fn finds_levels_case_insensitively() {
        assert_eq!(level("3B").map(|l| l.id), Some("3b"));
        assert!(level("7").is_none());
    }
}
