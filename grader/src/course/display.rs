//! The live display of runs in progress: one bar per level on a terminal (indicatif), a plain
//! line every few seconds elsewhere (CI logs, a file), so that a 20-second run is never a silent
//! wait and a log is never a pile of redraws.
//!
//! Progress goes to stderr, like cargo's: stdout stays clean for `--format json|junit`. Whether
//! to draw bars is decided by whether stderr is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::live::{Phase, RunStatus, Snapshot};
use crate::manifest::Level;

/// How often bars are refreshed.
const REDRAW: Duration = Duration::from_millis(200);
/// How often a plain line is printed when stderr is not a terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// One line per level being graded.
#[derive(Debug)]
pub struct Display {
    rows: Arc<Mutex<Vec<Row>>>,
    multi: Option<MultiProgress>,
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Row {
    level: &'static Level,
    status: Arc<RunStatus>,
    bar: Option<ProgressBar>,
    /// Shown once the level is over, instead of its phase.
    result: Option<String>,
}

impl Display {
    /// Bars when stderr is a terminal, plain lines otherwise; `GRADER_PROGRESS=plain|bars|off`
    /// overrides.
    pub fn new() -> Display {
        let mode = std::env::var("GRADER_PROGRESS").unwrap_or_default();
        let bars = match mode.as_str() {
            "bars" => true,
            "plain" | "off" => false,
            _ => std::io::stderr().is_terminal(),
        };
        let multi = bars.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        let rows = Arc::new(Mutex::new(Vec::<Row>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = (mode != "off").then(|| {
            let rows = rows.clone();
            let stop = stop.clone();
            let plain = multi.is_none();
            std::thread::spawn(move || tick(&rows, &stop, plain))
        });
        Display {
            rows,
            multi,
            stop,
            ticker,
        }
    }

    /// Adds a row for `level`; the engine reports into the returned status.
    pub fn add(&self, level: &'static Level) -> Arc<RunStatus> {
        let status = Arc::new(RunStatus::default());
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(1000));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>6} [{bar:28.cyan/blue}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(level.id);
            bar
        });
        self.lock().push(Row {
            level,
            status: status.clone(),
            bar,
            result: None,
        });
        status
    }

    /// The level is over: its row shows `result` from now on.
    pub fn finish(&self, level: &Level, result: &str) {
        let mut rows = self.lock();
        if let Some(row) = rows.iter_mut().find(|r| r.level.id == level.id) {
            row.status.set_phase(Phase::Done);
            if let Some(bar) = &row.bar {
                bar.set_position(1000);
                bar.set_message(result.to_owned());
            } else {
                errln!("grader: {:>3} {result}", level.id);
            }
            row.result = Some(result.to_owned());
        }
    }

    /// A message that must not be drawn over by the bars.
    pub fn note(&self, message: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(format!("grader: {message}"));
            }
            None => errln!("grader: {message}"),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Row>> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for Display {
    fn default() -> Display {
        Display::new()
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

fn tick(rows: &Mutex<Vec<Row>>, stop: &AtomicBool, plain: bool) {
    let mut last_plain = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(REDRAW);
        let rows = rows.lock().unwrap_or_else(|e| e.into_inner());
        if plain {
            if last_plain.elapsed() >= PLAIN_EVERY {
                last_plain = Instant::now();
                let busy: Vec<String> = rows
                    .iter()
                    .filter(|r| r.result.is_none())
                    .map(|r| format!("{} {}", r.level.id, describe(&r.status.snapshot())))
                    .collect();
                if !busy.is_empty() {
                    errln!("grader: {}", busy.join(" | "));
                }
            }
            continue;
        }
        for row in rows.iter().filter(|r| r.result.is_none()) {
            if let Some(bar) = &row.bar {
                let snap = row.status.snapshot();
                bar.set_position(permille(&snap));
                bar.set_message(describe(&snap));
            }
        }
    }
}

/// How far through its schedule a run is, in thousandths.
fn permille(snap: &Snapshot) -> u64 {
    if snap.planned.is_zero() {
        return 0;
    }
    let f = snap.elapsed.as_secs_f64() / snap.planned.as_secs_f64();
    (f.clamp(0.0, 1.0) * 1000.0) as u64
}

/// `ops 12/20 s · ok 118 fail 0 info 2`, or just the phase before the ops start.
pub fn describe(snap: &Snapshot) -> String {
    match snap.phase {
        Phase::Queued | Phase::Building | Phase::Starting | Phase::Done => {
            snap.phase.name().to_owned()
        }
        _ => format!(
            "{} {:.0}/{:.0} s · ok {} fail {} info {}",
            snap.phase.name(),
            snap.elapsed.as_secs_f64().min(snap.planned.as_secs_f64()),
            snap.planned.as_secs_f64(),
            snap.ok,
            snap.fail,
            snap.info
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_run_by_phase_and_counts() {
        let snap = Snapshot {
            phase: Phase::FinalReads,
            ok: 118,
            fail: 1,
            info: 2,
            planned: Duration::from_secs(31),
            elapsed: Duration::from_millis(29_600),
        };
        assert_eq!(
            describe(&snap),
            "final reads 30/31 s · ok 118 fail 1 info 2"
        );
        assert_eq!(permille(&snap), 954);
        let building = Snapshot {
            phase: Phase::Building,
            ..snap
        };
        assert_eq!(describe(&building), "building");
    }
}
