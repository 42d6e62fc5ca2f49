//! Running the real Maelstrom for one run of a level, and reading what it left behind.
//!
//! Maelstrom writes `store/` relative to its working directory, so each run gets a folder of
//! the grader's own. Its console output is streamed (in full, or condensed to the lines that
//! mark progress) and kept in `maelstrom.log` beside `store/`; its exit code is never taken as
//! the verdict (spec §1.4): `results.edn` is.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::command::command_line;
use super::crash::crash_check;
use super::discovery::Installation;
use super::results;
use super::store;
use crate::edn;
use crate::manifest::{Level, Run};
use crate::options::TestOptions;
use crate::verdict::{Check, EngineName, Verdict};

/// How much of Maelstrom's console output reaches the learner's terminal (stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Nothing (tests).
    Quiet,
    /// The lines that mark the test's phases and problems, and a heartbeat every few seconds.
    Condensed,
    /// Every line, as Maelstrom prints it.
    Full,
}

/// The run could not be started or its files not written: an environment problem, not the
/// node's fault.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("could not start Maelstrom ({program}): {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
}

/// The console log kept beside `store/`.
pub const CONSOLE_LOG: &str = "maelstrom.log";

/// How many trailing console lines are kept for explaining a crash.
const KEPT_LINES: usize = 400;

/// How often the condensed progress prints a heartbeat.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Runs `maelstrom test --bin BIN <run's flags>` in `run_dir` and judges what it wrote.
///
/// The verdict names the Maelstrom engine, the run's label (6b has two runs) and the run's
/// store folder. `bin` may be relative: it is made absolute, as Maelstrom runs elsewhere.
pub fn run(
    install: &Installation,
    level: &Level,
    run: &Run<'_>,
    bin: &Path,
    run_dir: &Path,
    progress: Progress,
) -> Result<Verdict, RunError> {
    std::fs::create_dir_all(run_dir).map_err(|source| RunError::Io {
        context: format!("could not create {}", run_dir.display()),
        source,
    })?;
    let bin = absolute(bin);
    let argv = command_line(level, run, &bin.to_string_lossy());
    let mut cmd = install.command();
    cmd.args(&argv[1..])
        .current_dir(run_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (program, pre) = install.program();
    let shown: Vec<String> = std::iter::once(program.to_string_lossy().into_owned())
        .chain(pre.iter().map(|a| a.to_string_lossy().into_owned()))
        .chain(argv[1..].iter().cloned())
        .collect();
    if progress != Progress::Quiet {
        errln!("maelstrom: {}", shown.join(" "));
        errln!("maelstrom: in {}", run_dir.display());
    }

    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
        program: shown[0].clone(),
        source,
    })?;
    let (tx, rx) = mpsc::channel::<String>();
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).split(b'\n') {
                let Ok(line) = line else { break };
                let line = String::from_utf8_lossy(&line).trim_end().to_owned();
                if tx.send(line).is_err() {
                    break;
                }
            }
        })
    })
    .collect();
    drop(tx);

    let log_path = run_dir.join(CONSOLE_LOG);
    let mut log = File::create(&log_path).map_err(|source| RunError::Io {
        context: format!("could not create {}", log_path.display()),
        source,
    })?;
    let _ = writeln!(log, "{}", shown.join(" "));
    let deadline = deadline(run);
    let mut killed = false;
    let mut tail: VecDeque<String> = VecDeque::with_capacity(KEPT_LINES);
    let mut ops = 0u64;
    let mut last_beat = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => {
                let _ = writeln!(log, "{line}");
                if line.contains("\t:invoke\t") {
                    ops += 1;
                }
                match progress {
                    Progress::Full => errln!("{line}"),
                    Progress::Condensed if is_milestone(&line) => {
                        errln!("maelstrom: {}", without_log_prefix(&line));
                    }
                    _ => {}
                }
                if tail.len() == KEPT_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if !killed && started.elapsed() > deadline {
            // Maelstrom can hang (spec §9, item 22): give up rather than wait forever.
            killed = true;
            let _ = child.kill();
            let line = format!(
                "grader: Maelstrom had not finished after {} s, so it was stopped",
                deadline.as_secs()
            );
            let _ = writeln!(log, "{line}");
            if progress != Progress::Quiet {
                errln!("maelstrom: {line}");
            }
            tail.push_back(line);
        }
        if progress == Progress::Condensed && last_beat.elapsed() >= HEARTBEAT {
            last_beat = Instant::now();
            errln!(
                "maelstrom: … {} s, {ops} operations so far",
                started.elapsed().as_secs()
            );
        }
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait().map_err(|source| RunError::Io {
        context: "could not wait for Maelstrom".to_owned(),
        source,
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let output: String = tail.iter().map(|l| format!("{l}\n")).collect();

    let store_dir = store::newest_run(&run_dir.join("store"));
    let opts = TestOptions::parse(run.flags).ok();
    let checks = judge(
        level,
        opts.as_ref(),
        status.code(),
        &output,
        store_dir.as_deref(),
    );
    let mut verdict = Verdict::new(level.id, EngineName::Maelstrom, checks);
    verdict.run_label = (!run.label.is_empty()).then(|| run.label.to_owned());
    verdict.run_dir = Some(store_dir.unwrap_or_else(|| run_dir.to_path_buf()));
    verdict.seconds = Some(seconds);
    Ok(verdict)
}

/// How long a run may take before it is stopped: four times its time limit (the final phase,
/// analysis and JVM start-up come on top) plus five minutes, generous for kafka's checker.
fn deadline(run: &Run<'_>) -> Duration {
    let limit = TestOptions::parse(run.flags)
        .map(|o| o.time_limit)
        .unwrap_or(Duration::from_secs(60));
    limit * 4 + Duration::from_secs(300)
}

/// The checks for a finished run: from `results.edn` when Maelstrom wrote one, else the crash
/// explanation. Exit codes 254 and 255 are always explained.
fn judge(
    level: &Level,
    opts: Option<&TestOptions>,
    exit_code: Option<i32>,
    output: &str,
    store_dir: Option<&Path>,
) -> Vec<Check> {
    let crashed = matches!(exit_code, Some(254 | 255) | None);
    let results_path = store_dir.map(|s| s.join("results.edn"));
    let text = results_path
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let mut checks = Vec::new();
    match text {
        Some(text) => match edn::parse(&text) {
            Ok(value) => {
                checks.extend(results::checks(
                    &value,
                    Some(level.workload),
                    opts.and_then(|o| o.availability),
                    Some((level.id, &level.budget)),
                ));
                if let (Some(opts), Some(dir)) = (opts, store_dir) {
                    checks.extend(super::stricter_checks(opts, dir));
                }
            }
            Err(e) => checks.push(Check::invalid(
                "crash",
                format!("Maelstrom's results.edn could not be read: {e}"),
            )),
        },
        None => checks.push(crash_check(exit_code, output, store_dir)),
    }
    if crashed && !checks.iter().any(|c| c.name == "crash") {
        checks.push(crash_check(exit_code, output, store_dir));
    }
    checks
}

/// Lines of Maelstrom's console worth showing in condensed progress.
fn is_milestone(line: &str) -> bool {
    const MARKS: &[&str] = &[
        "Running test",
        "Relative time begins",
        "Run complete",
        "Analyzing...",
        "Analysis complete",
        "Everything looks good",
        "Analysis invalid",
        "Errors occurred during analysis",
        "Oh jeez",
        "crashed with exit status",
        "to respond to an init message",
        "Unknown option",
        "Expected a --bin",
        "Must be one of",
        "Cannot run program",
    ];
    MARKS.iter().any(|m| line.contains(m))
}

/// Drops Jepsen's `INFO [timestamp] thread - logger ` prefix.
fn without_log_prefix(line: &str) -> &str {
    match line.find("] ") {
        Some(i)
            if line.starts_with("INFO")
                || line.starts_with("WARN")
                || line.starts_with("ERROR") =>
        {
            let rest = &line[i + 2..];
            rest.find(" - ")
                .map(|j| &rest[j + 3..])
                .map(|r| r.split_once(' ').map_or(r, |(_, msg)| msg))
                .unwrap_or(rest)
        }
        _ => line,
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_lose_their_log_prefix() {
        let line =
            "INFO [2024-03-02 13:25:59,862] jepsen test runner - jepsen.core Analysis complete";
        assert!(is_milestone(line));
        assert_eq!(without_log_prefix(line), "Analysis complete");
        assert_eq!(without_log_prefix("plain"), "plain");
    }
}
