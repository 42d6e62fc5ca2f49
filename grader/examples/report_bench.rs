//! Times `report.html` on run folders and prints its size: requirement 7 of the HTML report
//! (≤ 5 MB and ≤ 1 s for the course's largest runs: level 2, 3b, 6c).
//!
//! `cargo run --release -p grader --example report_bench -- RUN_DIR…`
//!
//! Each folder needs a `verdict.json` (every graded run has one). The report is rendered from
//! the folder as the grader does at the end of a run, timed, and written beside the run.

use std::path::PathBuf;
use std::time::Instant;

use grader::html_report;

fn main() {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        eprintln!("usage: report_bench RUN_DIR…");
        std::process::exit(2);
    }
    println!(
        "{:<50} {:>8} {:>9} {:>10} {:>9}",
        "run", "ops", "messages", "size", "time"
    );
    for dir in dirs {
        let verdict = match html_report::load_verdict(&dir) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                continue;
            }
        };
        let started = Instant::now();
        let result = html_report::write(&dir, &verdict);
        let elapsed = started.elapsed();
        if std::env::var_os("REPORT_BENCH_PHASES").is_some() {
            phases(&dir, &verdict);
        }
        let lines = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .map(|t| t.lines().count())
                .unwrap_or(0)
        };
        match result {
            Ok((path, excerpt)) => {
                if std::env::var_os("REPORT_BENCH_EXCERPT").is_some() {
                    eprintln!("{}", excerpt.join("\n"));
                }
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                println!(
                    "{:<50} {:>8} {:>9} {:>7.2} MB {:>6.0} ms",
                    dir.display().to_string(),
                    lines("history.edn") / 2,
                    lines("messages.jsonl"),
                    size as f64 / 1e6,
                    elapsed.as_secs_f64() * 1e3
                );
            }
            Err(e) => eprintln!("{}: {e}", dir.display()),
        }
    }
}

/// Where the time goes: reading the history, reading the journal, rendering.
fn phases(dir: &std::path::Path, verdict: &grader::verdict::Verdict) {
    let t = Instant::now();
    let text = std::fs::read_to_string(dir.join("history.edn")).unwrap_or_default();
    let history = grader::history::History::from_edn(&text).unwrap_or_default();
    let read_history = t.elapsed();
    let t = Instant::now();
    let journal = html_report::journal::Journal::load(dir).ok().flatten();
    let read_journal = t.elapsed();
    let t = Instant::now();
    let _ = html_report::render_parts(verdict, &history, journal.as_ref());
    let rendered = t.elapsed();
    let t = Instant::now();
    let _ = grader::checkers::set_full::analyze(&history);
    let set_full = t.elapsed();
    let t = Instant::now();
    let _ = history.pairs();
    let pairs = t.elapsed();
    eprintln!(
        "  history {read_history:?}, journal {read_journal:?}, render {rendered:?} (set_full {set_full:?}, pairs {pairs:?})"
    );
}
