//! The grader's peak memory and disk against one hostile node, for the figures of the hardening
//! issue: `cargo run -p grader --example hostile_rss -- <node executable> [seconds]` runs level
//! 1's echo workload against it on the builtin engine and prints the peak resident set (VmHWM),
//! the run folder's size and the diagnoses. Try the misbehaving test nodes (`flood`,
//! `huge-line`, `stderr-flood`): `cargo build -p test-nodes` builds one executable that runs the
//! node it is called by, so `ln target/debug/test-nodes /tmp/flood` makes the flood.

use std::time::Instant;

use grader::builtin;
use grader::options::TestOptions;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let bin = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: hostile_rss <node executable> [seconds]"))?;
    let seconds = args.next().unwrap_or_else(|| "3".into());
    let opts = TestOptions::parse(&["-w", "echo", "--node-count", "1", "--time-limit", &seconds])?;
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let record = builtin::run(&opts, std::path::Path::new(&bin), dir.path())?;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: unknown");
    println!("node: {bin}");
    println!(
        "ran {:.1} s; peak RSS {}",
        started.elapsed().as_secs_f64(),
        peak.trim_start_matches("VmHWM:").trim()
    );
    println!(
        "run folder: {}",
        grader::retention::human_size(grader::retention::dir_size(dir.path()))
    );
    for check in &record.node_checks {
        println!("diagnosis: {}", check.summary);
    }
    Ok(())
}
