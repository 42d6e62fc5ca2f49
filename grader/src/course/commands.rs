//! The command-line side of course-wide grading: `grader all`'s arguments and what it prints, and
//! the pieces `grader <level>` shares with it (`--format`, `--label`, which workspace).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::course::all::{default_jobs, default_sim_jobs, grade_all};
use crate::course::display::Display;
use crate::course::{select, summary, LevelOutcome, LevelResult};
use crate::format::{json, junit, Format};
use crate::grade::{Context, NodeSource, Request};
use crate::maelstrom::Engine;
use crate::progress::Progress;

/// `grader all [LEVELS]`.
#[derive(Debug, clap::Args)]
pub struct AllArgs {
    /// Which levels: all of them (the default), a range such as 3a..3e, or a list such as 1,2,4.
    pub levels: Option<String>,

    /// Only the levels your node has not passed yet.
    #[arg(long)]
    pub todo: bool,

    /// How many levels to grade at once (default: 7 per core, at most 14; with --engine sim, one
    /// per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: Option<u32>,

    /// With --engine sim: the seed of every level's first simulated run (random when not given;
    /// the summary shows each level's seed).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// With --engine sim: try N seeds per level, stopping a level at its first failing seed.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub seeds: u32,

    #[command(flatten)]
    pub node: NodeArgs,
}

/// Which node, where, with which engine, printed how: shared by `grader all` and `batch`.
#[derive(Debug, Clone, clap::Args)]
pub struct NodeArgs {
    /// Grade the reference solutions instead of your nodes.
    #[arg(long, conflicts_with = "bin")]
    pub solution: bool,

    /// Grade this executable for every level instead of building one.
    #[arg(long, value_name = "PATH")]
    pub bin: Option<PathBuf>,

    /// The workspace whose nodes to build (default: the one the current folder is in).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,

    /// Where to write run folders (default: `<workspace>/runs`).
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,

    /// builtin, maelstrom, auto, or sim (virtual time). Also read from GRADER_ENGINE. Not given:
    /// each level is simulated over a few seeds first, then graded in real time (builtin), the
    /// verdict of record.
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<String>,

    /// Who the submission is (a student's name): written into every verdict.json.
    #[arg(long, value_name = "NAME")]
    pub label: Option<String>,

    /// text (the default), json (grader/schema/grading.schema.json) or junit (JUnit XML).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: Format,
}

impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Text, Format::Json, Format::Junit]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Junit => "junit",
        }))
    }
}

/// The workspace to grade, and whether it is the learner's own (progress is recorded only
/// there). Outside any workspace, the grader says which one it falls back to.
pub fn workspace(given: Option<PathBuf>) -> (PathBuf, bool) {
    if let Some(dir) = given {
        let own = crate::build::workspace_from_cwd()
            .zip(dir.canonicalize().ok())
            .is_some_and(|(cwd, dir)| cwd.canonicalize().ok() == Some(dir));
        return (dir, own);
    }
    match crate::build::workspace_from_cwd() {
        Some(dir) => (dir, true),
        None => {
            let dir = crate::build::built_from();
            errln!(
                "grader: the current folder is not in a course workspace (no Cargo.toml beside a \
                 grader/ folder above it), so the nodes come from the checkout this grader was \
                 built in: {}. Use --workspace DIR to grade another.",
                dir.display()
            );
            (dir, true)
        }
    }
}

/// The request for `node` (its level set by the caller).
pub fn request(
    node: &NodeArgs,
    level: &'static crate::manifest::Level,
) -> Result<(Request, bool), String> {
    let engine = Engine::from_flag_or_env(node.engine.as_deref()).map_err(|e| e.to_string())?;
    let source = match (&node.bin, node.solution) {
        (Some(path), _) => NodeSource::Binary(path.clone()),
        (None, true) => NodeSource::Solution,
        (None, false) => NodeSource::Learner,
    };
    let (workspace, own) = workspace(node.workspace.clone());
    let request = Request {
        level,
        node: source,
        workspace,
        repeat: 1,
        partition: false,
        runs_dir: node.runs_dir.clone(),
        engine,
        seed: None,
        seeds: 1,
        context: Context {
            label: node.label.clone(),
            ..Context::default()
        },
    };
    Ok((request, own))
}

/// Prints `results` in `format`: the summary table, a JSON document, or JUnit XML.
pub fn print(format: Format, results: &[LevelResult]) {
    match format {
        Format::Text => out!("{}", summary::table(results)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&json::document(results)).unwrap_or_default()
        ),
        Format::Junit => out!("{}", junit::document(results)),
    }
}

/// Whether no engine was chosen (neither `--engine` nor `GRADER_ENGINE`): the default loop.
pub fn engine_unchosen(flag: Option<&str>) -> bool {
    flag.is_none()
        && std::env::var(crate::maelstrom::ENGINE_ENV).map_or(true, |e| e.trim().is_empty())
}

/// Records the learner's passes in their own workspace: verdicts of record only (a pass in the
/// simulator alone ticks nothing in `grader list`).
pub fn record_passes(workspace: &std::path::Path, results: &[LevelResult]) {
    let passed: Vec<_> = results
        .iter()
        .filter(|r| r.outcome() == LevelOutcome::Pass && crate::grade::of_record(&r.verdicts))
        .map(|r| r.level)
        .collect();
    if passed.is_empty() {
        return;
    }
    if let Err(e) = Progress::record_passes(workspace, &passed) {
        errln!("grader: could not save your progress: {e}");
    }
}

/// The exit code for many levels: the worst outcome's.
pub fn exit_code(results: &[LevelResult]) -> ExitCode {
    ExitCode::from(LevelOutcome::overall(results.iter().map(LevelResult::outcome)).exit_code())
}

/// `grader all`.
pub fn all(args: AllArgs) -> ExitCode {
    let levels = match select::levels(args.levels.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let first = levels
        .first()
        .copied()
        .unwrap_or(&crate::manifest::LEVELS[0]);
    let (mut template, own) = match request(&args.node, first) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if template.engine != Engine::Sim && (args.seed.is_some() || args.seeds > 1) {
        errln!("error: --seed and --seeds choose simulated schedules: add --engine sim");
        return ExitCode::from(2);
    }
    template.seed = args.seed;
    template.seeds = args.seeds;
    // As for one level: with no engine chosen, each level is simulated first, then graded in
    // real time.
    template.context.precheck = engine_unchosen(args.node.engine.as_deref());
    let levels = if args.todo {
        select::todo(levels, &Progress::load(&template.workspace))
    } else {
        levels
    };
    if levels.is_empty() {
        errln!("grader: nothing to grade: every chosen level is passed already.");
        print(args.node.format, &[]);
        return ExitCode::SUCCESS;
    }
    let jobs = match (args.jobs, template.engine) {
        (Some(j), _) => j as usize,
        (None, Engine::Sim) => default_sim_jobs(),
        (None, _) => default_jobs(),
    };
    let display = Display::new();
    display.note(&format!(
        "grading {} level{} ({} at a time)…",
        levels.len(),
        if levels.len() == 1 { "" } else { "s" },
        jobs.min(levels.len())
    ));
    let results = grade_all(&levels, &template, jobs, &display);
    drop(display);
    if own && template.node == NodeSource::Learner {
        record_passes(&template.workspace, &results);
    }
    print(args.node.format, &results);
    exit_code(&results)
}
