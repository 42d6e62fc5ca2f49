//! Measurements of the builtin engine on full-length level runs, with the raw test nodes.
//! Ignored by default (each takes 10–40 s); run with
//! `cargo test -p grader --test e2e builtin_figures -- --ignored --nocapture --test-threads 1`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use grader::builtin::{self, RunRecord};
use grader::history::{OpType, Process};
use grader::options::TestOptions;

use crate::support;

fn node(name: &str) -> PathBuf {
    support::test_node(name)
}

/// Runs a test, prints its figures, and returns the record with the run directory (and the
/// temporary directory that must outlive it).
fn measure(name: &str, bin: &str, flags: &[&str]) -> (RunRecord, PathBuf, tempfile::TempDir) {
    let opts = TestOptions::parse(flags).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bin = node(bin);
    let started = Instant::now();
    // BUILTIN_FIGURES_DIR=/some/dir keeps each run's files there, for a look.
    let out = match std::env::var_os("BUILTIN_FIGURES_DIR") {
        Some(d) => Path::new(&d).join(name),
        None => dir.path().to_owned(),
    };
    let r = builtin::run(&opts, &bin, &out).unwrap();
    let wall = started.elapsed().as_secs_f64();
    let count = |k: OpType| r.history.client_ops().filter(|o| o.kind == k).count();
    let invokes = count(OpType::Invoke);
    let oks = count(OpType::Ok);
    let nemesis = r
        .history
        .ops
        .iter()
        .filter(|o| o.process == Process::Nemesis)
        .count();
    println!(
        "{name}: wall {wall:.1} s; invokes {invokes}, ok {oks}, fail {}, info {}; ok-fraction \
         {:.4}; nemesis entries {nemesis}; aborted {}; diagnoses {:?}",
        count(OpType::Fail),
        count(OpType::Info),
        oks as f64 / invokes.max(1) as f64,
        r.aborted,
        r.node_checks.iter().map(|c| &c.summary).collect::<Vec<_>>()
    );
    println!("{name}: net {:?}", r.net);
    let (p50, p99) = op_latency(&r);
    println!("{name}: op latency ms p50 {p50:.2} p99 {p99:.2}");
    (r, out, dir)
}

/// Observed one-way latency of delivered server messages, from messages.jsonl.
fn server_latencies(dir: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(dir.join("messages.jsonl")).unwrap();
    let mut lat: Vec<f64> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["fate"] == "delivered")
        .filter(|m| {
            let c = |k: &str| m[k].as_str().unwrap_or("").starts_with('c');
            !c("src") && !c("dest")
        })
        .map(|m| m["at_ms"].as_f64().unwrap() - m["sent_ms"].as_f64().unwrap())
        .collect();
    lat.sort_by(f64::total_cmp);
    lat
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

#[test]
#[ignore]
fn echo_level_1() {
    measure(
        "echo",
        "raw-echo",
        &["-w", "echo", "--node-count", "1", "--time-limit", "10"],
    );
}

#[test]
#[ignore]
fn unique_ids_level_2() {
    measure(
        "unique-ids",
        "raw-unique-ids",
        &[
            "-w",
            "unique-ids",
            "--time-limit",
            "30",
            "--rate",
            "1000",
            "--node-count",
            "3",
            "--availability",
            "total",
            "--nemesis",
            "partition",
        ],
    );
}

/// Level 3d's flags, from the manifest: 25 nodes, 100 ms per hop.
fn broadcast_3d() -> &'static [&'static str] {
    grader::manifest::level("3d").expect("level 3d").runs[0].flags
}

#[test]
#[ignore]
fn broadcast_25_nodes() {
    let (r, out, _dir) = measure("broadcast-25", "raw-broadcast", broadcast_3d());
    let lat = server_latencies(&out);
    println!(
        "broadcast-25: {} server deliveries; observed latency ms: min {:.2} p50 {:.2} p99 {:.2} \
         max {:.2} (requested 100)",
        lat.len(),
        lat[0],
        quantile(&lat, 0.5),
        quantile(&lat, 0.99),
        lat[lat.len() - 1]
    );
    let finals: Vec<usize> = r
        .history
        .client_ops()
        .filter(|o| o.final_read && o.kind == OpType::Ok)
        .map(|o| o.value.as_slice().map_or(0, <[_]>::len))
        .collect();
    println!("broadcast-25: final read sizes {finals:?}");
}

/// Median and 99th percentile of client op latency (invoke to completion), in ms.
fn op_latency(r: &RunRecord) -> (f64, f64) {
    let mut lat: Vec<f64> = r
        .history
        .pairs()
        .iter()
        .filter_map(|(i, c)| c.map(|c| (c.time - i.time) as f64 / 1e6))
        .collect();
    lat.sort_by(f64::total_cmp);
    (quantile(&lat, 0.5), quantile(&lat, 0.99))
}

#[test]
#[ignore]
fn broadcast_5_nodes_partitioned() {
    let (r, out, _dir) = measure(
        "broadcast-3c",
        "raw-broadcast",
        &[
            "-w",
            "broadcast",
            "--node-count",
            "5",
            "--time-limit",
            "20",
            "--rate",
            "10",
            "--nemesis",
            "partition",
        ],
    );
    let text = std::fs::read_to_string(out.join("messages.jsonl")).unwrap();
    let dropped = text
        .lines()
        .filter(|l| l.contains(r#""fate":"dropped""#))
        .count();
    let acked: std::collections::BTreeSet<_> = r
        .history
        .client_ops()
        .filter(|o| o.f == "broadcast" && o.kind == OpType::Ok)
        .map(|o| o.value.clone())
        .collect();
    let missing: Vec<usize> = r
        .history
        .client_ops()
        .filter(|o| o.final_read && o.kind == OpType::Ok)
        .map(|o| {
            let seen = o.value.as_slice().unwrap_or(&[]);
            acked.iter().filter(|v| !seen.contains(v)).count()
        })
        .collect();
    println!(
        "broadcast-3c: {dropped} messages dropped by partitions; acknowledged values missing \
         from each final read: {missing:?}"
    );
}

/// A naive 3d solution: every node forwards every new value to all 24 others.
#[test]
#[ignore]
fn broadcast_25_nodes_total_topology() {
    let (_, out, _dir) = measure(
        "broadcast-25-total",
        "raw-broadcast",
        &[broadcast_3d(), &["--topology", "total"]].concat(),
    );
    let lat = server_latencies(&out);
    println!(
        "broadcast-25-total: {} server deliveries journaled; observed latency ms: p50 {:.2} \
         p99 {:.2} max {:.2} (requested 100)",
        lat.len(),
        quantile(&lat, 0.5),
        quantile(&lat, 0.99),
        lat[lat.len() - 1]
    );
}

#[test]
#[ignore]
fn broadcast_latency_distributions() {
    for dist in ["uniform", "exponential"] {
        let name = format!("broadcast-{dist}");
        let (r, out, _dir) = measure(
            &name,
            "raw-broadcast",
            &[
                "-w",
                "broadcast",
                "--node-count",
                "5",
                "--time-limit",
                "5",
                "--rate",
                "20",
                "--latency",
                "50",
                "--latency-dist",
                dist,
            ],
        );
        let lat = server_latencies(&out);
        let mean = lat.iter().sum::<f64>() / lat.len() as f64;
        let finals = r
            .history
            .client_ops()
            .filter(|o| o.final_read && o.kind == OpType::Ok)
            .count();
        println!(
            "{name}: observed latency ms mean {mean:.1} p50 {:.1} max {:.1}; {finals} final reads",
            quantile(&lat, 0.5),
            lat[lat.len() - 1]
        );
    }
}
