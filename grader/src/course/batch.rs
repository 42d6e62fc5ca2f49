//! `grader batch ROSTER`: a class graded in one command.
//!
//! The roster is a CSV file with a header line `student,kind,path`: one submission a line, `kind`
//! being `bin` (an executable, any language) or `workspace` (a clone of this course's repository,
//! built with cargo). Lines starting with `#` are comments. Relative paths are relative to the
//! roster's folder.
//!
//! Everything goes under the output folder (`--out`, default `grading/` beside the roster):
//! `runs/<student>/<level>/<time>/` (each with its `verdict.json`, even for a submission that does
//! not compile), one cargo `target/` shared by every student, so that dependencies are built once,
//! and `gradebook.csv`: `student,level,outcome,passed,figures,headline,run_folder,seconds,commit`.
//! A row is appended (and flushed) as soon as its level is graded, so an interrupted batch resumes
//! where it stopped: a (student, level) already in the gradebook is not graded again. Nothing is
//! written into the students' folders, and one broken submission never stops the batch.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use crate::course::all::{default_jobs, grade_one, planned};
use crate::course::display::Display;
use crate::course::{select, summary, LevelOutcome, LevelResult};
use crate::grade::{Context, NodeSource, Request};
use crate::maelstrom::Engine;
use crate::manifest::Level;

/// `grader batch ROSTER`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The roster: a CSV file `student,kind,path` (kind: bin or workspace).
    pub roster: PathBuf,

    /// Which levels: all of them (the default), a range such as 3a..3e, or a list such as 1,2,4.
    #[arg(long, value_name = "LEVELS")]
    pub levels: Option<String>,

    /// The output folder: run folders, the shared cargo target, gradebook.csv (default:
    /// `grading/` beside the roster).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// How many gradings at once (default: as for `grader all`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: Option<u32>,

    /// builtin (the default), maelstrom, or auto. Also read from GRADER_ENGINE.
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,
}

/// One line of the roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Submission {
    pub student: String,
    pub kind: Kind,
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bin,
    Workspace,
}

/// One row of the gradebook.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub student: String,
    pub level: String,
    pub outcome: String,
    pub passed: bool,
    pub figures: String,
    pub headline: String,
    pub run_folder: String,
    pub seconds: f64,
    pub commit: String,
}

/// Reads a roster; paths are made relative to its folder.
pub fn read_roster(path: &Path) -> Result<Vec<Submission>, String> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("cannot read the roster {}: {e}", path.display()))?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<Submission>().enumerate() {
        let mut s = row.map_err(|e| {
            format!(
                "{} line {}: {e} (expected `student,kind,path`, kind bin or workspace)",
                path.display(),
                i + 2
            )
        })?;
        if !safe_name(&s.student) {
            return Err(format!(
                "{}: student {:?} must be letters, digits, '-', '_' or '.' (it names a folder)",
                path.display(),
                s.student
            ));
        }
        if !seen.insert(s.student.clone()) {
            return Err(format!(
                "{}: student {:?} appears twice",
                path.display(),
                s.student
            ));
        }
        if s.path.is_relative() {
            s.path = base.join(&s.path);
        }
        out.push(s);
    }
    Ok(out)
}

fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The (student, level) pairs already graded.
pub fn already_graded(gradebook: &Path) -> HashSet<(String, String)> {
    let Ok(mut reader) = csv::Reader::from_path(gradebook) else {
        return HashSet::new();
    };
    reader
        .deserialize::<Row>()
        .filter_map(Result::ok)
        .map(|r| (r.student, r.level))
        .collect()
}

/// The gradebook row of one graded level.
pub fn row(student: &str, result: &LevelResult) -> Row {
    let last = result.verdicts.last();
    let outcome = result.outcome();
    Row {
        student: student.to_owned(),
        level: result.level.id.to_owned(),
        outcome: outcome.word().to_lowercase(),
        passed: outcome == LevelOutcome::Pass,
        figures: result
            .verdicts
            .iter()
            .map(summary::key_figures)
            .filter(|f| !f.is_empty())
            .collect::<Vec<_>>()
            .join(" / "),
        headline: result
            .diagnosis()
            .unwrap_or_else(|| last.map(|v| v.headline()).unwrap_or_default()),
        run_folder: last
            .and_then(|v| v.run_dir.as_ref())
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
        seconds: (result.wall.as_secs_f64() * 10.0).round() / 10.0,
        commit: last
            .and_then(|v| v.subject.commit.clone())
            .unwrap_or_default(),
    }
}

/// The request grading `submission` on `level`, everything under `out`.
fn request(submission: &Submission, level: &'static Level, out: &Path, engine: Engine) -> Request {
    let (node, workspace) = match submission.kind {
        Kind::Bin => (
            NodeSource::Binary(submission.path.clone()),
            out.to_path_buf(),
        ),
        Kind::Workspace => (NodeSource::Learner, submission.path.clone()),
    };
    Request {
        level,
        node,
        workspace,
        repeat: 1,
        partition: false,
        runs_dir: Some(out.join("runs").join(&submission.student)),
        engine,
        seed: None,
        seeds: 1,
        context: Context {
            label: Some(submission.student.clone()),
            target_dir: Some(out.join("target")),
            status: None,
            // A gradebook holds verdicts of record: the engine asked for, no simulated shortcut.
            precheck: false,
            ..Context::default()
        },
    }
}

/// Appends rows to the gradebook, writing the header when the file is new.
#[derive(Debug)]
struct Gradebook {
    writer: Mutex<csv::Writer<std::fs::File>>,
}

impl Gradebook {
    fn open(path: &Path) -> std::io::Result<Gradebook> {
        let fresh = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let writer = csv::WriterBuilder::new()
            .has_headers(fresh)
            .from_writer(file);
        Ok(Gradebook {
            writer: Mutex::new(writer),
        })
    }

    fn append(&self, row: &Row) -> Result<(), csv::Error> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        w.serialize(row)?;
        w.flush()?;
        Ok(())
    }
}

/// Grades every submission of `roster` on `levels` into `out`; returns the rows written now.
pub fn grade_class(
    roster: &[Submission],
    levels: &[&'static Level],
    out: &Path,
    engine: Engine,
    jobs: usize,
    display: &Display,
) -> Result<Vec<Row>, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let out = out.canonicalize().unwrap_or_else(|_| out.to_path_buf());
    let path = out.join("gradebook.csv");
    let done = already_graded(&path);
    let gradebook =
        Gradebook::open(&path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut todo: Vec<(&Submission, &'static Level)> = roster
        .iter()
        .flat_map(|s| levels.iter().map(move |l| (s, *l)))
        .filter(|(s, l)| !done.contains(&(s.student.clone(), l.id.to_owned())))
        .collect();
    if !done.is_empty() {
        display.note(&format!(
            "resuming: {} gradings are in {} already, {} to go",
            done.len(),
            path.display(),
            todo.len()
        ));
    }
    todo.sort_by_key(|(_, l)| std::cmp::Reverse(planned(l)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let rows = Mutex::new(Vec::new());
    let failure = Mutex::new(None::<String>);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, todo.len().max(1)) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&(submission, level)) = todo.get(k) else {
                    break;
                };
                let request = request(submission, level, &out, engine);
                let result = grade_one(&request, display);
                let row = row(&submission.student, &result);
                display.note(&format!(
                    "{} level {}: {}",
                    submission.student,
                    level.id,
                    summary::one_line(&result)
                ));
                if let Err(e) = gradebook.append(&row) {
                    *failure.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(format!("cannot write {}: {e}", path.display()));
                }
                rows.lock().unwrap_or_else(|e| e.into_inner()).push(row);
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(rows.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// `grader batch`.
pub fn run(args: BatchArgs) -> ExitCode {
    let fail = |e: String| {
        errln!("error: {e}");
        ExitCode::from(2)
    };
    let levels = match select::levels(args.levels.as_deref()) {
        Ok(l) => l,
        Err(e) => return fail(e.to_string()),
    };
    let engine = match Engine::from_flag_or_env(args.engine.as_deref()) {
        Ok(e) => e,
        Err(e) => return fail(e.to_string()),
    };
    let roster = match read_roster(&args.roster) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let out = args.out.unwrap_or_else(|| {
        args.roster
            .parent()
            .unwrap_or(Path::new("."))
            .join("grading")
    });
    let jobs = args.jobs.map_or_else(default_jobs, |j| j as usize);
    let display = Display::new();
    let rows = grade_class(&roster, &levels, &out, engine, jobs, &display);
    drop(display);
    match rows {
        Ok(rows) => {
            let passed = rows.iter().filter(|r| r.passed).count();
            outln!(
                "{} gradings now ({passed} passed); gradebook: {}",
                rows.len(),
                out.join("gradebook.csv").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
