//! How fast `--engine sim` grades: every run of every level (15 in all) against the reference
//! solutions, one after another, with a table per run.
//!
//! `cargo run --release -p grader --example sim_bench [-- LEVELS…] [--seed N] [--jobs N]`
//!
//! `--jobs` runs that many levels side by side (default: one per CPU, as `grader all --engine
//! sim` does); the last row is then the wall time of the whole course. With `--jobs 1` the runs
//! go one after another and each row also has its CPU time.
//!
//! Columns: the real-time wall a builtin run takes (the level's time limit, plus the 10 s recovery
//! of a final phase, plus about half a second of start-up and teardown — taken from the manifest,
//! not measured), the simulator's wall, the virtual time it covered, the speed-up, and the events
//! per second it processed (network messages delivered, client operations and clock stops), and
//! the CPU time the run took, grader and nodes together — on a busy machine the figure that
//! predicts an idle one, where wall ≈ CPU.
//! The verdicts are printed too: a benchmark of wrong answers would prove nothing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use grader::builtin;
use grader::checkers;
use grader::manifest::{Level, LEVELS};
use grader::options::TestOptions;

/// One run to time.
struct Job {
    level: &'static Level,
    label: &'static str,
    opts: TestOptions,
    bin: PathBuf,
}

/// What one run measured.
struct Row {
    wall: f64,
    cpu: Option<f64>,
    real: f64,
    virt: f64,
    events: u64,
    passed: bool,
}

fn main() {
    let mut wanted: Vec<String> = Vec::new();
    let mut seed = 1;
    let mut jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(seed),
            "--jobs" => {
                jobs = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(jobs)
                    .max(1)
            }
            _ => wanted.push(a),
        }
    }
    let root = grader::build::workspace_root();
    let runs_dir = tempfile::tempdir().expect("a temporary folder");
    let mut work = Vec::new();
    for level in LEVELS
        .iter()
        .filter(|l| wanted.is_empty() || wanted.iter().any(|w| w == l.id))
    {
        let (_, package) = level.packages();
        let bin = match grader::build::build_node(&root, &package, grader::build::Profile::Release)
        {
            Ok(bin) => bin,
            Err(e) => {
                eprintln!("cannot build {package}: {e}");
                std::process::exit(2);
            }
        };
        for (run, opts) in level.runs.iter().zip(level.options()) {
            work.push(Job {
                level,
                label: run.label,
                opts,
                bin: bin.clone(),
            });
        }
    }
    let rows: Vec<Mutex<Option<Row>>> = work.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(work.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = work.get(i) else { return };
                let dir = runs_dir
                    .path()
                    .join(format!("{}-{}-{i}", job.level.id, job.label));
                std::fs::create_dir_all(&dir).expect("a run folder");
                let row = measure(job, &dir, seed, jobs == 1);
                *rows[i].lock().unwrap() = Some(row);
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{:<5} {:<20} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10}  verdict",
        "level", "run", "real (s)", "sim (s)", "cpu (s)", "virt (s)", "ratio", "events/s"
    );
    let (mut total_real, mut total_sim, mut total_cpu) = (0.0, 0.0, 0.0);
    for (job, row) in work.iter().zip(rows) {
        let row = row.into_inner().unwrap().expect("every job ran");
        total_real += row.real;
        total_sim += row.wall;
        total_cpu += row.cpu.unwrap_or(0.0);
        println!(
            "{:<5} {:<20} {:>9.1} {:>9.2} {:>9} {:>9.1} {:>6.0}× {:>10.0}  {}",
            job.level.id,
            if job.label.is_empty() { "-" } else { job.label },
            row.real,
            row.wall,
            row.cpu.map_or("-".into(), |c| format!("{c:.2}")),
            row.virt,
            row.real / row.wall,
            row.events as f64 / row.wall,
            if row.passed { "PASS" } else { "FAIL" }
        );
    }
    if jobs == 1 {
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
    } else {
        println!(
            "{:<5} {:<20} {:>9.1} {:>9.2} {:>9} {:>9} {:>6.0}×   ({jobs} at a time; {:.2} s of runs)",
            "all", "", total_real, elapsed, "-", "", total_real / elapsed, total_sim
        );
    }
}

/// Simulates one run and checks it as the grader would.
fn measure(job: &Job, dir: &std::path::Path, seed: u64, with_cpu: bool) -> Row {
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let record = match builtin::simulate(&job.opts, &job.bin, dir, seed) {
        Ok(record) => record,
        Err(e) => {
            eprintln!("level {}: {e}", job.level.id);
            std::process::exit(2);
        }
    };
    let wall = started.elapsed().as_secs_f64();
    let cpu = with_cpu.then(|| cpu_seconds() - cpu_before);
    let mut checks = record.node_checks.clone();
    if !record.aborted {
        checks.extend(checkers::evaluate(
            &job.opts,
            &job.level.budget,
            &record.history,
            &record.net,
        ));
    }
    let passed = checks
        .iter()
        .all(|c| c.validity != grader::verdict::Validity::Invalid);
    let recovery = if job.opts.workload.has_final_phase() {
        Duration::from_secs(10)
    } else {
        Duration::ZERO
    };
    let simulated = record.simulated.unwrap_or_default();
    Row {
        wall,
        cpu,
        real: (job.opts.time_limit + recovery).as_secs_f64() + 0.5,
        virt: simulated.time.as_secs_f64(),
        events: record.net.all.recv_count + record.history.ops.len() as u64 + simulated.events,
        passed,
    }
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
