//! How fast `--engine sim` grades: every run of every level (15 in all) against the reference
//! solutions, one after another, with a table per run.
//!
//! `cargo run --release -p grader --example sim_bench [-- LEVELS…] [--seed N]`
//!
//! Columns: the real-time wall a builtin run takes (the level's time limit, plus the 10 s recovery
//! of a final phase, plus about half a second of start-up and teardown — taken from the manifest,
//! not measured), the simulator's wall, the virtual time it covered, the speed-up, and the events
//! per second it processed (network messages delivered, client operations and clock stops), and
//! the CPU time the run took, grader and nodes together — on a busy machine the figure that
//! predicts an idle one, where wall ≈ CPU.
//! The verdicts are printed too: a benchmark of wrong answers would prove nothing.

use std::time::{Duration, Instant};

use grader::builtin;
use grader::checkers;
use grader::manifest::LEVELS;

fn main() {
    let mut wanted: Vec<String> = Vec::new();
    let mut seed = 1;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--seed" {
            seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(seed);
        } else {
            wanted.push(a);
        }
    }
    let root = grader::build::workspace_root();
    let runs_dir = tempfile::tempdir().expect("a temporary folder");
    println!(
        "{:<5} {:<20} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10}  verdict",
        "level", "run", "real (s)", "sim (s)", "cpu (s)", "virt (s)", "ratio", "events/s"
    );
    let (mut total_real, mut total_sim, mut total_cpu) = (0.0, 0.0, 0.0);
    for level in LEVELS
        .iter()
        .filter(|l| wanted.is_empty() || wanted.iter().any(|w| w == l.id))
    {
        let (_, package) = level.packages();
        let bin = match grader::build::build_node(&root, &package) {
            Ok(bin) => bin,
            Err(e) => {
                eprintln!("cannot build {package}: {e}");
                std::process::exit(2);
            }
        };
        for (run, opts) in level.runs.iter().zip(level.options()) {
            let dir = runs_dir.path().join(format!("{}-{}", level.id, run.label));
            std::fs::create_dir_all(&dir).expect("a run folder");
            let started = Instant::now();
            let cpu_before = cpu_seconds();
            let record = match builtin::simulate(&opts, &bin, &dir, seed) {
                Ok(record) => record,
                Err(e) => {
                    eprintln!("level {}: {e}", level.id);
                    std::process::exit(2);
                }
            };
            let wall = started.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu_before;
            total_cpu += cpu;
            let mut checks = record.node_checks.clone();
            if !record.aborted {
                checks.extend(checkers::evaluate(
                    &opts,
                    &level.budget,
                    &record.history,
                    &record.net,
                ));
            }
            let passed = checks
                .iter()
                .all(|c| c.validity != grader::verdict::Validity::Invalid);
            let recovery = if opts.workload.has_final_phase() {
                Duration::from_secs(10)
            } else {
                Duration::ZERO
            };
            let real = (opts.time_limit + recovery).as_secs_f64() + 0.5;
            let simulated = record.simulated.unwrap_or_default();
            let events =
                record.net.all.recv_count + record.history.ops.len() as u64 + simulated.events;
            total_real += real;
            total_sim += wall;
            println!(
                "{:<5} {:<20} {:>9.1} {:>9.2} {:>9.2} {:>9.1} {:>6.0}× {:>10.0}  {}",
                level.id,
                if run.label.is_empty() { "-" } else { run.label },
                real,
                wall,
                cpu,
                simulated.time.as_secs_f64(),
                real / wall,
                events as f64 / wall,
                if passed { "PASS" } else { "FAIL" }
            );
        }
    }
    println!(
        "{:<5} {:<20} {:>9.1} {:>9.2} {:>9.2} {:>9} {:>6.0}×",
        "all",
        "",
        total_real,
        total_sim,
        total_cpu,
        "",
        total_real / total_sim
    );
}

/// User and system time of this process and of the children it has waited for (the nodes).
fn cpu_seconds() -> f64 {
    let mut total = 0.0;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: getrusage fills the zeroed struct it is given.
        #[allow(unsafe_code)]
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(who, &mut usage);
            usage
        };
        for t in [usage.ru_utime, usage.ru_stime] {
            total += t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        }
    }
    total
}
