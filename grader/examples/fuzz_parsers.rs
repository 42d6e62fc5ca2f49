//! The long fuzzing run of the grader's parsers: `cargo run --release -p grader --example
//! fuzz_parsers -- [seconds per target, default 120]`. Prints each target's executions and its
//! slowest one; any panic aborts with the failing (shrunk) input.

#[path = "../tests/e2e/fuzz_parsers.rs"]
mod harness;

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(120);
    let per_target = harness::Budget::Time(std::time::Duration::from_secs(seconds));
    let started = std::time::Instant::now();
    let reports = harness::fuzz_all(per_target, &mut |r| {
        println!(
            "{:<32} {:>10} executions, slowest {:?} ({:.0} s so far)",
            r.target,
            r.executions,
            r.slowest,
            started.elapsed().as_secs_f64()
        );
    });
    let total: u64 = reports.iter().map(|r| r.executions).sum();
    println!(
        "{total} executions in {:.0} s; none panicked; the slowest took {:?}",
        started.elapsed().as_secs_f64(),
        reports.iter().map(|r| r.slowest).max().unwrap_or_default()
    );
}
