//! Checkers: pure functions from a history to [`Check`]s.
//!
//! [`evaluate`] makes every check Maelstrom's composed checker makes (spec §8.1) — `stats`,
//! `availability`, `net`, `workload` — and adds the course's `budget` when a level sets one. Each
//! workload's checker also exposes its full analysis (`set_full::analyze`, `g_counter::analyze`, …)
//! so that tests and reports can read the numbers behind a verdict.

pub mod availability;
pub mod budget;
pub mod echo;
pub mod final_reads;
pub mod g_counter;
pub mod kafka;
pub mod net;
pub mod replies;
pub mod set_full;
pub mod stats;
pub mod stricter;
pub mod txn;
pub mod unique_ids;

use crate::history::{History, OpType, Process};
use crate::manifest::Budget;
use crate::netstats::NetStats;
use crate::options::{TestOptions, Workload};
use crate::verdict::Check;

/// Figure labels both engines use, so that reports and tests read the same names whichever
/// engine judged the run.
pub mod labels {
    pub const SERVER_MSGS_PER_OP: &str = "msgs-per-op (servers)";
    pub const ALL_MSGS_PER_OP: &str = "msgs-per-op (all)";
    pub const SERVER_MESSAGES: &str = "server messages";
    pub const VALUES_BROADCAST: &str = "values broadcast";
    pub const MEDIAN_LATENCY: &str = "stable latency, median";
    pub const MAX_LATENCY: &str = "stable latency, maximum";
}

/// Every check Maelstrom's composed checker would make of this history (`:stats`,
/// `:availability`, `:net`, `:workload`), plus the course's own rules that a history shows
/// (replies answer requests, every g-counter node answers a final read) and the course's budget
/// when the level has one.
pub fn evaluate(
    opts: &TestOptions,
    budget: &Budget,
    history: &History,
    net: &NetStats,
) -> Vec<Check> {
    // Maelstrom divides message counts by every client invocation; an engine that counted
    // messages but left the division undone gets it done here, the same way.
    let undivided = net.all.msgs_per_op.is_none() && net.servers.msgs_per_op.is_none();
    let net = if undivided && net.all.msg_count > 0 {
        let invocations = history
            .client_ops()
            .filter(|op| op.kind == OpType::Invoke)
            .count();
        net.with_op_count(invocations as u64)
    } else {
        *net
    };

    // The broadcast analysis feeds both the workload verdict and the latency budget.
    let set_full = (opts.workload == Workload::Broadcast).then(|| set_full::analyze(history));

    let mut checks = vec![
        stats::check(history),
        availability::check(history, opts.availability),
        net::check(&net),
        workload(opts, history, set_full.as_ref()),
    ];
    checks.extend(stricter::course_checks(opts, history));
    let latencies = set_full.as_ref().and_then(|r| r.stable_latencies.as_ref());
    if let Some(b) = budget::check(budget, &net, latencies) {
        checks.push(b);
    }
    checks
}

/// Every check a history alone supports: Maelstrom's `:stats`, `:availability` and `:workload`,
/// and the course's rules that a history shows. No `:net` and no budget: message counts live in
/// the network journal, not in the history. This is what `grader check` judges.
pub fn history_checks(opts: &TestOptions, history: &History) -> Vec<Check> {
    let mut checks = vec![
        stats::check(history),
        availability::check(history, opts.availability),
        workload(opts, history, None),
    ];
    checks.extend(stricter::course_checks(opts, history));
    checks
}

/// Maelstrom's `:workload` check for the run's workload. `set_full` is the broadcast analysis
/// when the caller has made it already.
pub fn workload(
    opts: &TestOptions,
    history: &History,
    set_full: Option<&set_full::SetFullResult>,
) -> Check {
    match opts.workload {
        Workload::Echo => echo::check(history, opts),
        Workload::UniqueIds => unique_ids::check(history),
        Workload::Broadcast => match set_full {
            Some(result) => set_full::report(result, opts),
            None => set_full::check(history, opts),
        },
        Workload::GCounter => g_counter::check(history),
        Workload::Kafka => kafka::check(history),
        Workload::TxnRwRegister => txn::check(history, &opts.consistency_models),
    }
}

/// The node a client process talked to: thread `process mod threads` talks to node
/// `thread mod N` (spec §5.1).
pub fn node_of(opts: &TestOptions, process: Process) -> Option<&str> {
    match process {
        Process::Client(p) => {
            let threads = opts.threads().max(1) as u64;
            let n = opts.nodes.len() as u64;
            if n == 0 {
                return None;
            }
            let node = ((p % threads) % n) as usize;
            opts.nodes.get(node).map(String::as_str)
        }
        Process::Nemesis => None,
    }
}

/// A number for people: at most three decimals, without trailing zeros (`2`, `2.5`, `29.996`).
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A history time (nanoseconds since the run began) as seconds, e.g. `12.345 s`.
pub fn seconds(nanos: u64) -> String {
    format!("{:.3} s", nanos as f64 / 1e9)
}

/// Who performed an operation, with the node it talked to when known: `process 7 (n2)`.
pub fn who(opts: &TestOptions, process: Process) -> String {
    match node_of(opts, process) {
        Some(node) => format!("process {process} ({node})"),
        None => format!("process {process}"),
    }
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Small builders for hand-written histories.

    use crate::history::{History, Op, OpType, Process};
    use crate::value::Value;

    /// Builds a history from `(time_ms, type, process, f, value)` rows.
    pub fn history(rows: &[(u64, OpType, u64, &str, Value)]) -> History {
        History::new(
            rows.iter()
                .map(|(t, kind, p, f, v)| {
                    let mut op = Op::new(*kind, Process::Client(*p), f, v.clone());
                    op.time = t * 1_000_000;
                    op
                })
                .collect(),
        )
    }

    pub fn ints(items: &[i64]) -> Value {
        Value::Vec(items.iter().map(|i| Value::Int(*i)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType::*;
    use crate::manifest::{level, Limit};
    use crate::netstats::NetGroup;
    use crate::value::Value;
    use crate::verdict::Validity;
    use testkit::{history, ints};

    fn broadcast_opts() -> TestOptions {
        TestOptions::parse(&["-w", "broadcast", "--node-count", "2"]).unwrap()
    }

    #[test]
    fn node_follows_process_mod_threads_mod_nodes() {
        let o = TestOptions::parse(&["-w", "kafka", "--node-count", "2", "--concurrency", "2n"])
            .unwrap();
        assert_eq!(node_of(&o, Process::Client(0)), Some("n0"));
        assert_eq!(node_of(&o, Process::Client(3)), Some("n1"));
        assert_eq!(node_of(&o, Process::Client(6)), Some("n0"));
        assert_eq!(node_of(&o, Process::Nemesis), None);
    }

    #[test]
    fn numbers_lose_trailing_zeros() {
        assert_eq!(number(2.0), "2");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(2.0408163), "2.041");
    }

    #[test]
    fn evaluate_makes_every_maelstrom_check_and_the_budget() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(0)),
            (1, Ok, 0, "broadcast", Value::Int(0)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Ok, 1, "read", ints(&[0])),
        ]);
        let forty = NetGroup {
            msg_count: 40,
            send_count: 40,
            recv_count: 40,
            msgs_per_op: None,
        };
        let net = NetStats {
            all: forty,
            clients: NetGroup::default(),
            servers: forty,
        };
        let budget = level("3d").unwrap().budget;
        let checks = evaluate(&broadcast_opts(), &budget, &h, &net);
        let names: Vec<_> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["stats", "availability", "net", "workload", "budget"]
        );
        assert_eq!(checks[3].validity, Validity::Valid, "{:?}", checks[3]);
        // 40 server messages over 2 invocations is 20 per op: within 3d's < 30.
        assert_eq!(checks[4].validity, Validity::Valid, "{:?}", checks[4]);

        let tight = Budget {
            msgs_per_op: Some(Limit::below(10.0)),
            ..Budget::default()
        };
        let checks = evaluate(&broadcast_opts(), &tight, &h, &net);
        assert_eq!(checks[4].validity, Validity::Invalid, "{:?}", checks[4]);
    }

    #[test]
    fn evaluate_has_no_budget_check_without_limits() {
        let h = history(&[
            (0, Invoke, 0, "echo", Value::from("hi")),
            (1, Fail, 0, "echo", Value::from("hi")),
        ]);
        let opts = TestOptions::parse(&["-w", "echo"]).unwrap();
        let checks = evaluate(&opts, &Budget::default(), &h, &NetStats::default());
        assert_eq!(checks.len(), 4);
        assert_eq!(
            checks[0].validity,
            Validity::Invalid,
            "stats: echo never ok"
        );
        assert_eq!(
            checks[3].validity,
            Validity::Invalid,
            "echo: a fail is an error"
        );
    }
}
