//! `report.html`: one self-contained page per run folder that starts from the failure and shows
//! the messages that explain it.
//!
//! The page is a pure function of the run folder (`verdict.json` or the verdict in hand,
//! `history.edn`, `messages.jsonl`): the verdict and its evidence first, then the message flow
//! around the first failing evidence ([`flow`], centred by [`focus`]), the op timeline
//! ([`timeline`]) and the plots ([`plots`]). It is rendered with minijinja, whose HTML
//! auto-escaping covers everything a node wrote (node output is untrusted); the plots are SVG
//! from plotters, which escapes its text too. Both engines and `grader explain` write it at the
//! end of a run; failing to write it is a warning, never a change of verdict.

pub mod flow;
pub mod focus;
pub mod journal;
pub mod plots;
pub mod timeline;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::history::{History, HistoryError};
use crate::manifest;
use crate::verdict::{Validity, Verdict};
use journal::{Journal, Message};

/// The report's file name in a run folder.
pub const FILE: &str = "report.html";

const TEMPLATE: &str = include_str!("page.html");
/// One Lamport diagram, included by the page for the story and for the wider window.
const DIAGRAM: &str = include_str!("diagram.html");
/// A check's evidence and figures.
const CHECK_BODY: &str = include_str!("check-body.html");
/// Evidence lines a check shows on the page before "… and N more".
const MAX_DETAILS: usize = 60;
/// Columns of the whole-run overview.
const OVERVIEW_COLUMNS: usize = 100;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    History { path: PathBuf, source: HistoryError },
    #[error("{path} is not a verdict this grader wrote: {source}")]
    Verdict {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the page template failed: {0}")]
    Template(#[from] minijinja::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A rendered report and the terminal's excerpt of the same story.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub html: String,
    /// A dozen lines of the message flow, when the run failed and its messages were recorded.
    pub excerpt: Vec<String>,
}

/// Writes the report into the run folder and records its path and excerpt in the verdict. A
/// failure is printed as a warning: the verdict stands without the page.
///
/// Even a bug in the report (a panic on some history nobody foresaw) must not take the verdict
/// with it, so the writing is isolated.
pub fn attach(verdict: &mut Verdict, run_dir: &Path) {
    let written =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(run_dir, verdict)));
    match written {
        Ok(Ok((path, excerpt))) => {
            verdict.report = Some(path);
            verdict.flow_excerpt = excerpt;
        }
        Ok(Err(e)) => errln!("grader: warning: no HTML report for this run: {e}"),
        Err(_) => errln!("grader: warning: no HTML report for this run: the report failed (a bug: please report it)"),
    }
}

/// Renders the report of a run folder and writes it as `report.html` there.
pub fn write(run_dir: &Path, verdict: &Verdict) -> Result<(PathBuf, Vec<String>), ReportError> {
    let rendered = render(run_dir, verdict)?;
    let path = run_dir.join(FILE);
    std::fs::write(&path, rendered.html).map_err(|source| ReportError::Write {
        path: path.clone(),
        source,
    })?;
    Ok((path, rendered.excerpt))
}

/// Reads a run folder's `verdict.json` back.
pub fn load_verdict(run_dir: &Path) -> Result<Verdict, ReportError> {
    let path = run_dir.join("verdict.json");
    let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ReportError::Verdict { path, source })
}

/// Reads the run folder's history (an absent one is empty: a Maelstrom store may lack it).
fn load_history(run_dir: &Path) -> Result<History, ReportError> {
    let path = run_dir.join("history.edn");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            History::from_edn(&text).map_err(|source| ReportError::History { path, source })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(History::default()),
        Err(source) => Err(ReportError::Read { path, source }),
    }
}

/// Renders the report of a run folder, judged by `verdict`.
pub fn render(run_dir: &Path, verdict: &Verdict) -> Result<Rendered, ReportError> {
    let history = load_history(run_dir)?;
    let journal = Journal::load(run_dir).map_err(|source| ReportError::Read {
        path: run_dir.join("messages.jsonl"),
        source,
    })?;
    render_parts(verdict, &history, journal.as_ref())
}

/// The page from its parts, for tests and benches that have them in memory.
pub fn render_parts(
    verdict: &Verdict,
    history: &History,
    journal: Option<&Journal>,
) -> Result<Rendered, ReportError> {
    let level = manifest::level(&verdict.level);
    let options = level.and_then(|l| l.options().into_iter().next());
    let workload = options
        .as_ref()
        .map(|o| o.workload)
        .or_else(|| focus::infer_workload(history));
    let models = options
        .as_ref()
        .map(|o| o.consistency_models.clone())
        .unwrap_or_default();
    let focus = focus::find(verdict, history, workload, &models);

    let partitions: Vec<(f64, f64)> = timeline::nemesis_periods(history)
        .into_iter()
        .map(|(a, b, _)| (a, b))
        .collect();
    let messages: &[Message] = journal.map_or(&[], |j| &j.messages);
    let story = flow::story(&focus, history, options.as_ref(), messages);
    let story_total = story.messages.len() + story.left_out;
    let excerpt = if focus.failure && !story.messages.is_empty() {
        let mut lines = vec![focus.title.clone()];
        lines.extend(flow::excerpt(&story, story_total));
        lines
    } else {
        Vec::new()
    };
    let window = flow::window(&story, messages);
    let story_diagram = (!story.messages.is_empty()).then(|| flow::diagram(&story, &partitions));
    let window_diagram =
        (window.messages.len() > story.messages.len()).then(|| flow::diagram(&window, &partitions));
    let window_span = window.messages.first().map(|first| {
        let last = window
            .messages
            .iter()
            .map(|m| m.sent_ms)
            .fold(first.sent_ms, f64::max);
        format!("{:.3}–{:.3} s", first.sent_ms / 1e3, last / 1e3)
    });
    let timeline = (!history.ops.is_empty()).then(|| timeline::layout(history, focus.failing_op));
    let failing_op = focus
        .failing_op
        .and_then(|p| Some((p, history.ops.get(p)?)))
        .map(|(p, inv)| {
            let done = history.ops[p + 1..]
                .iter()
                .find(|o| o.process == inv.process && o.kind != crate::history::OpType::Invoke);
            format!(
                "{} · process {} at {:.3} s: {}{}",
                inv.f,
                inv.process,
                inv.time as f64 / 1e9,
                flow::shorten(&inv.to_string(), 160),
                done.map(|d| format!("  →  {}", flow::shorten(&d.to_string(), 160)))
                    .unwrap_or_default()
            )
        });
    let (plots, plot_errors) = plots::all(history, verdict);

    let page = Page {
        outcome: if verdict.passed() { "PASS" } else { "FAIL" },
        passed: verdict.passed(),
        level: verdict.level.clone(),
        title: level.map(|l| l.title).unwrap_or("an unidentified level"),
        criteria: verdict
            .criteria
            .clone()
            .or_else(|| level.map(|l| l.criteria.to_owned())),
        engine: verdict.engine.to_string(),
        run_label: verdict.run_label.clone(),
        seconds: crate::report::run_time(verdict),
        run_dir: verdict.run_dir.as_ref().map(|d| d.display().to_string()),
        checks: checks(verdict),
        hints: if verdict.passed() {
            Vec::new()
        } else {
            level.map(|l| l.hints.to_vec()).unwrap_or_default()
        },
        focus_title: focus.title.clone(),
        failure: focus.failure,
        failing_op,
        focus_values: focus
            .values
            .iter()
            .map(|v| flow::shorten(&v.to_string(), 200))
            .collect(),
        excerpt: excerpt.clone(),
        journal: journal.map(|j| JournalSummary {
            messages: j.messages.len(),
            skipped: j.skipped,
            truncated: j.truncated,
        }),
        story: story_diagram,
        story_left_out: story.left_out,
        window: window_diagram,
        window_span,
        overview: journal.map(|j| overview(&j.messages)),
        timeline,
        plots,
        plot_errors: plot_errors.iter().map(ToString::to_string).collect(),
        history_ops: history.ops.len(),
    };
    let mut env = minijinja::Environment::new();
    // Every `{{ }}` is HTML-escaped, whatever a template is named: node output is untrusted.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    let html = env
        .add_template("page.html", TEMPLATE)
        .and_then(|()| env.add_template("diagram.html", DIAGRAM))
        .and_then(|()| env.add_template("check-body.html", CHECK_BODY))
        .and_then(|()| env.get_template("page.html"))
        .and_then(|t| t.render(&page))?;
    Ok(Rendered { html, excerpt })
}

#[derive(Serialize)]
struct Page {
    outcome: &'static str,
    passed: bool,
    level: String,
    title: &'static str,
    criteria: Option<String>,
    engine: String,
    run_label: Option<String>,
    seconds: Option<String>,
    run_dir: Option<String>,
    checks: Vec<CheckView>,
    hints: Vec<&'static str>,
    focus_title: String,
    failure: bool,
    failing_op: Option<String>,
    focus_values: Vec<String>,
    excerpt: Vec<String>,
    journal: Option<JournalSummary>,
    story: Option<flow::Diagram>,
    story_left_out: usize,
    window: Option<flow::Diagram>,
    window_span: Option<String>,
    overview: Option<Overview>,
    timeline: Option<timeline::Timeline>,
    plots: Vec<plots::Plot>,
    plot_errors: Vec<String>,
    history_ops: usize,
}

#[derive(Serialize)]
struct JournalSummary {
    messages: usize,
    skipped: usize,
    truncated: bool,
}

#[derive(Serialize)]
struct CheckView {
    name: String,
    validity: String,
    mark: &'static str,
    summary: String,
    details: Vec<String>,
    more: usize,
    figures: Vec<crate::verdict::Figure>,
}

/// The checks, failures first (as the terminal shows them).
fn checks(verdict: &Verdict) -> Vec<CheckView> {
    let mut list: Vec<_> = verdict.checks.iter().collect();
    list.sort_by_key(|c| std::cmp::Reverse(c.validity));
    list.into_iter()
        .map(|c| CheckView {
            name: c.name.clone(),
            validity: c.validity.to_string(),
            mark: match c.validity {
                Validity::Valid => "✓",
                Validity::Unknown => "?",
                Validity::Invalid => "✗",
            },
            summary: c.summary.clone(),
            details: c
                .details
                .iter()
                .take(MAX_DETAILS)
                .map(|d| flow::shorten(d, 400))
                .collect(),
            more: c.details.len().saturating_sub(MAX_DETAILS),
            figures: c.figures.clone(),
        })
        .collect()
}

/// The whole run at a glance: messages sent by each endpoint over time, as a heat strip.
#[derive(Debug, Clone, Serialize)]
struct Overview {
    width: u32,
    height: u32,
    rows: Vec<OverviewRow>,
    cells: Vec<OverviewCell>,
    from: String,
    to: String,
}

#[derive(Debug, Clone, Serialize)]
struct OverviewRow {
    y: f64,
    name: String,
    total: usize,
}

#[derive(Debug, Clone, Serialize)]
struct OverviewCell {
    x: f64,
    y: f64,
    opacity: f64,
    title: String,
}

fn overview(messages: &[Message]) -> Overview {
    let from = messages
        .iter()
        .map(|m| m.sent_ms)
        .fold(f64::INFINITY, f64::min);
    let to = messages
        .iter()
        .map(|m| m.sent_ms)
        .fold(f64::NEG_INFINITY, f64::max);
    let span = (to - from).max(1.0);
    let cell_ms = span / OVERVIEW_COLUMNS as f64;
    // Clients are many and alike: they share one row.
    let mut counts: BTreeMap<(u8, usize, String), Vec<usize>> = BTreeMap::new();
    for m in messages {
        let name = if m.src.starts_with('c') {
            "clients"
        } else {
            m.src.as_str()
        };
        let key = lane_key(name);
        let col = (((m.sent_ms - from) / cell_ms) as usize).min(OVERVIEW_COLUMNS - 1);
        counts
            .entry(key)
            .or_insert_with(|| vec![0; OVERVIEW_COLUMNS])[col] += 1;
    }
    let max = counts.values().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let (left, cell_w, cell_h) = (80.0, 9.0, 12.0);
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    for (i, ((_, _, name), cols)) in counts.into_iter().enumerate() {
        let y = 10.0 + i as f64 * cell_h;
        for (c, n) in cols.iter().enumerate().filter(|(_, n)| **n > 0) {
            let t = from + c as f64 * cell_ms;
            cells.push(OverviewCell {
                x: left + c as f64 * cell_w,
                y,
                opacity: 0.15 + 0.85 * (*n as f64 / max),
                title: format!(
                    "{name}: {n} messages sent {:.2}–{:.2} s",
                    t / 1e3,
                    (t + cell_ms) / 1e3
                ),
            });
        }
        rows.push(OverviewRow {
            y,
            name: name.clone(),
            total: cols.iter().sum(),
        });
    }
    Overview {
        width: (left + OVERVIEW_COLUMNS as f64 * cell_w + 10.0) as u32,
        height: (20.0 + rows.len() as f64 * cell_h) as u32,
        rows,
        cells,
        from: format!("{:.1} s", from.max(0.0) / 1e3),
        to: format!("{:.1} s", to / 1e3),
    }
}

fn lane_key(name: &str) -> (u8, usize, String) {
    let number = name.get(1..).and_then(|s| s.parse::<usize>().ok());
    match (name.chars().next(), number) {
        (_, _) if name == "clients" => (0, 0, name.to_owned()),
        (Some('n'), Some(n)) => (1, n, name.to_owned()),
        _ => (2, 0, name.to_owned()),
    }
}

/// The report to show for `grader report [RUN|LEVEL]`: a run folder as given, or the latest run
/// of a level under the runs folder. Writes the page when the folder has none yet.
pub fn locate(target: &Path, runs_dir: &Path) -> Result<PathBuf, LocateError> {
    let run_dir = if target.join("verdict.json").is_file() || target.join(FILE).is_file() {
        target.to_path_buf()
    } else if let Some(level) = target.to_str().and_then(manifest::level) {
        latest_run(&runs_dir.join(level.id)).ok_or_else(|| LocateError::NoRuns {
            level: level.id.to_owned(),
            dir: runs_dir.join(level.id),
        })?
    } else if target.is_dir() {
        latest_run(target).ok_or_else(|| LocateError::NotARun(target.to_path_buf()))?
    } else {
        return Err(LocateError::NotARun(target.to_path_buf()));
    };
    let page = run_dir.join(FILE);
    if !page.is_file() {
        let verdict = load_verdict(&run_dir)?;
        write(&run_dir, &verdict)?;
    }
    Ok(page)
}

/// The most recently written run folder under `dir` (a level's folder), or under its
/// subfolders (the runs folder, whose subfolders are levels).
fn latest_run(dir: &Path) -> Option<PathBuf> {
    let children = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let is_run = |p: &PathBuf| p.join("verdict.json").is_file();
    let mut runs: Vec<PathBuf> = children(dir).into_iter().filter(is_run).collect();
    if runs.is_empty() {
        runs = children(dir)
            .iter()
            .filter(|p| p.is_dir())
            .flat_map(|p| children(p))
            .filter(is_run)
            .collect();
    }
    let written = |p: &PathBuf| {
        std::fs::metadata(p.join("verdict.json"))
            .and_then(|m| m.modified())
            .ok()
    };
    runs.into_iter().max_by_key(|p| (written(p), p.clone()))
}

/// Why `grader report` found nothing to show.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("no run of level {level} in {dir}: grade it first (cargo run -p grader -- {level})")]
    NoRuns { level: String, dir: PathBuf },
    #[error("{0} is neither a run folder, a folder of runs, nor a level")]
    NotARun(PathBuf),
    #[error(transparent)]
    Report(#[from] ReportError),
}

#[cfg(test)]
mod tests;
