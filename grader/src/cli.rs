//! The command line: `grader <level>`, `grader list`, and friends.
//!
//! Exit codes are part of the interface, for learners' scripts and instructors' batch grading:
//! 0 the level passed, 1 it failed (including a node that does not compile), 2 a usage or
//! environment problem (an unknown level, a missing binary, no cargo), 3 inconclusive: the
//! grader's machine stalled during a failing run, and its automatic rerun stalled too.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::grade::{self, NodeSource, Request};
use crate::maelstrom::{self, Engine};
use crate::manifest::{self, LEVELS};
use crate::progress::Progress;
use crate::{builtin, level_names, report};

/// Grades a Gossip Glomers node: builds it, runs a level's Maelstrom workload against it, and
/// explains the verdict.
#[derive(Debug, Parser)]
#[command(
    name = "grader",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  cargo run -p grader -- 1              grade your echo node\n  cargo run -p grader -- broadcast      the next broadcast level you have not passed\n  cargo run -p grader -- 3b --solution   grade the reference solution\n  cargo run -p grader -- 2 --bin ./node  grade any executable\n  cargo run -p grader -- list            show the levels"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    grade: GradeArgs,
}

#[derive(Debug, clap::Args)]
struct GradeArgs {
    /// The level to grade: 1, 2, 3a–3e, 4, 5a–5c, 6a–6c (any case), or a challenge's name (echo,
    /// unique-ids, broadcast, g-counter, kafka, txn) for its first level you have not passed.
    #[arg(required = true)]
    level: Option<String>,

    /// Grade the reference solution instead of your node.
    #[arg(long, conflicts_with = "bin")]
    solution: bool,

    /// Grade this executable instead of building one (a node in any language, a submission).
    #[arg(long, value_name = "PATH")]
    bin: Option<PathBuf>,

    /// Run the level N times; it passes only if every run passes (seq-kv and partitions are
    /// random: one lucky pass proves little).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,

    /// Add `--nemesis partition` to the level's flags: the correctness re-check 3d and 3e ask for
    /// (the efficiency budget is not applied to such a run).
    #[arg(long)]
    partition: bool,

    /// The workspace whose node to build (default: the one the current folder is in).
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,

    /// Where to write run folders (default: `<workspace>/runs`).
    #[arg(long, value_name = "DIR")]
    runs_dir: Option<PathBuf>,

    /// Unset: the simulator over a few seeds first, then, if they pass, the builtin real-time run
    /// as the verdict of record. builtin (real time, no JVM needed), maelstrom (the real one),
    /// auto (Maelstrom when it is installed and runnable), or sim (builtin in virtual time: a
    /// level in about a second, replayable by seed) runs that engine alone. Also read from
    /// GRADER_ENGINE.
    #[arg(long, value_name = "ENGINE")]
    engine: Option<String>,

    /// With --engine sim: the seed that fixes every random choice (random when not given; every
    /// run prints its seed, and a failing one the command that replays it).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// With --engine sim: try N seeds (in parallel), stopping at the first that fails.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    seeds: u32,
    /// Who the submission is (a student's name): written into verdict.json.
    #[arg(long, value_name = "NAME")]
    label: Option<String>,

    /// text (the default), json (grader/schema/grading.schema.json) or junit (JUnit XML).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    format: crate::format::Format,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the levels, with ✓ beside those your node has passed.
    List,
    /// Check what the Maelstrom engine needs (Java 11+, Maelstrom, gnuplot, graphviz) and say how
    /// to fix what is missing.
    Doctor,
    /// Explain a Maelstrom run you made by hand: its store folder or its results.edn.
    Explain {
        /// A store folder (e.g. store/latest), a run folder, or a results.edn.
        path: PathBuf,
        /// The level to judge it as (read from the run's jepsen.log when not given).
        #[arg(long)]
        level: Option<String>,
    },
    /// Download Maelstrom 0.2.4 into the per-user cache and check its SHA-256.
    InstallMaelstrom,
    /// Judge any history.edn (Maelstrom's or the grader's) with the builtin checkers.
    Check {
        /// A history.edn, or a run folder holding one.
        history: PathBuf,
        /// The level to judge it as.
        #[arg(long)]
        level: String,
    },
    /// Remove old run folders, keeping the newest N of each level (grading keeps
    /// GRADER_KEEP_RUNS, default 20).
    Clean {
        /// How many runs of each level to keep.
        #[arg(long, value_name = "N", default_value_t = crate::retention::KEEP_DEFAULT)]
        keep: usize,
        /// The runs folder (default: `<workspace>/runs`).
        #[arg(long, value_name = "DIR")]
        runs_dir: Option<PathBuf>,
    },
    /// Print the path of a run's HTML report (writing it if the run has none yet).
    Report {
        /// A run folder, or a level (its latest run). Default: the latest run of any level.
        run: Option<PathBuf>,
        /// Open the report in the default browser.
        #[arg(long)]
        open: bool,
        /// Where the run folders are (default: `<workspace>/runs`).
        #[arg(long, value_name = "DIR")]
        runs_dir: Option<PathBuf>,
    },
    /// Grade every level (or a range such as 3a..3e, or --todo), several at once, and show a
    /// summary table.
    All(crate::course::commands::AllArgs),
    /// Grade a class: every submission of a roster (CSV `student,kind,path`) on the chosen
    /// levels, into one gradebook CSV; resumable.
    Batch(crate::course::batch::BatchArgs),
    /// Regrade the current level on every save under its challenge folder; move on when it passes.
    Watch(crate::course::watch::WatchArgs),
}

/// Parses the command line and runs it.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::List) => {
            let progress = Progress::load(&crate::build::workspace_root());
            out!("{}", list(&progress));
            ExitCode::SUCCESS
        }
        Some(Command::Doctor) => doctor(),
        Some(Command::Explain { path, level }) => explain(&path, level.as_deref()),
        Some(Command::InstallMaelstrom) => install_maelstrom(),
        Some(Command::Check { history, level }) => check_history(&history, &level),
        Some(Command::Clean { keep, runs_dir }) => clean(keep, runs_dir),
        Some(Command::Report {
            run,
            open,
            runs_dir,
        }) => report_page(run, open, runs_dir),
        Some(Command::All(args)) => crate::course::commands::all(args),
        Some(Command::Batch(args)) => crate::course::batch::run(args),
        Some(Command::Watch(args)) => crate::course::watch::run(args),
        None => grade_level(cli.grade),
    }
}

fn doctor() -> ExitCode {
    let report = maelstrom::doctor(&crate::build::workspace_root());
    out!("{report}");
    if report.ready() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn explain(path: &std::path::Path, level: Option<&str>) -> ExitCode {
    let workspace = crate::build::workspace_root();
    let level = match level.map(|name| level_names::resolve(name, &Progress::load(&workspace))) {
        Some(Err(e)) => return unknown_level(&e),
        Some(Ok(l)) => Some(l),
        None => None,
    };
    match maelstrom::explain(path, level) {
        Ok(mut verdict) => {
            if let Some(dir) = verdict.run_dir.clone().or_else(|| explained_folder(path)) {
                crate::html_report::attach(&mut verdict, &dir);
            }
            let shown = manifest::level(&verdict.level).or(level);
            match shown {
                Some(l) => outln!("{}", report::render(l, &verdict)),
                None => outln!("{}", report::render_unlevelled(&verdict)),
            }
            if verdict.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn check_history(path: &std::path::Path, level: &str) -> ExitCode {
    let level = match level_names::resolve(level, &Progress::default()) {
        Ok(level) => level,
        Err(e) => return unknown_level(&e),
    };
    match crate::judge::check_history(path, level) {
        Ok(verdict) => {
            outln!("{}", report::render(level, &verdict));
            if verdict.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn clean(keep: usize, runs_dir: Option<PathBuf>) -> ExitCode {
    let runs = runs_dir.unwrap_or_else(|| crate::build::workspace_root().join("runs"));
    match crate::retention::clean(&runs, keep) {
        Ok(pruned) => {
            outln!(
                "removed {} run folders ({}) from {}; {} left",
                pruned.folders,
                crate::retention::human_size(pruned.bytes),
                runs.display(),
                crate::retention::human_size(crate::retention::dir_size(&runs))
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("error: cleaning {}: {e}", runs.display());
            ExitCode::from(2)
        }
    }
}

/// The store folder `grader explain` was pointed at (a results.edn names its folder).
fn explained_folder(path: &std::path::Path) -> Option<PathBuf> {
    if path.is_dir() {
        Some(path.to_path_buf())
    } else {
        path.parent().map(std::path::Path::to_path_buf)
    }
}

/// `grader report [RUN|LEVEL] [--open]`.
fn report_page(run: Option<PathBuf>, open: bool, runs_dir: Option<PathBuf>) -> ExitCode {
    let runs_dir = runs_dir.unwrap_or_else(|| crate::build::workspace_root().join("runs"));
    let target = run.unwrap_or_else(|| runs_dir.clone());
    let page = match crate::html_report::locate(&target, &runs_dir) {
        Ok(page) => page,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    outln!("{}", page.display());
    if open {
        if let Err(e) = open_in_browser(&page) {
            errln!("error: could not open a browser ({e}); open the file above by hand");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// Hands a file to the desktop's default browser.
fn open_in_browser(page: &std::path::Path) -> std::io::Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(page)
        .stdin(std::process::Stdio::null())
        .spawn()
        .map(drop)
}

fn install_maelstrom() -> ExitCode {
    match maelstrom::install(&maelstrom::Lookup::from_env()) {
        Ok(installation) => {
            outln!("Maelstrom installed: {installation}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Records the learner's pass and points at the next level.
fn celebrate(request: &Request) {
    let mut progress = Progress::load(&request.workspace);
    if let Err(e) = progress.record_pass(request.level) {
        errln!("grader: could not save your progress: {e}");
    }
    match progress.next() {
        Some(next) => outln!(
            "Level {} done. Next: level {} · {} (cargo run -p grader -- {}).",
            request.level.id,
            next.id,
            next.title,
            next.id
        ),
        None => outln!("Every level passed. Well done!"),
    }
}

fn unknown_level(error: &level_names::UnknownLevel) -> ExitCode {
    errln!("error: {error}");
    ExitCode::from(2)
}

/// The table `grader list` prints, with ✓ beside the levels the learner's node has passed.
pub fn list(progress: &Progress) -> String {
    let mut out =
        String::from("   level  title                                            workload\n");
    for level in LEVELS {
        let mark = if progress.has_passed(level) {
            "✓"
        } else {
            " "
        };
        let note = if builtin::supports(level.workload) {
            ""
        } else {
            "  (not gradable by the builtin engine yet)"
        };
        out.push_str(&format!(
            "{mark}  {:<6} {:<48} {}{note}\n",
            level.id,
            level.title,
            level.workload.name()
        ));
    }
    match progress.next() {
        Some(next) => out.push_str(&format!(
            "\nNext: cargo run -p grader -- {}   ({})\n",
            next.id, next.title
        )),
        None => out.push_str("\nEvery level passed.\n"),
    }
    out
}

fn grade_level(args: GradeArgs) -> ExitCode {
    let name = args.level.unwrap_or_default();
    let (workspace, own) = crate::course::commands::workspace(args.workspace);
    let level = match level_names::resolve(&name, &Progress::load(&workspace)) {
        Ok(level) => level,
        Err(e) => return unknown_level(&e),
    };
    if level_names::is_challenge_name(&name) {
        errln!(
            "grader: {} → level {} · {}",
            name.trim(),
            level.id,
            level.title
        );
    }
    let engine = match Engine::from_flag_or_env(args.engine.as_deref()) {
        Ok(engine) => engine,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if engine != Engine::Sim && (args.seed.is_some() || args.seeds > 1) {
        errln!("error: --seed and --seeds choose simulated schedules: add --engine sim");
        return ExitCode::from(2);
    }
    let node = match (args.bin, args.solution) {
        (Some(path), _) => NodeSource::Binary(path),
        (None, true) => NodeSource::Solution,
        (None, false) => NodeSource::Learner,
    };
    let display = crate::course::display::Display::new();
    // A plain `grader <level>` simulates a few seeds before the real-time run (course.md).
    let plain = crate::course::commands::engine_unchosen(args.engine.as_deref());
    let request = Request {
        level,
        node,
        workspace,
        repeat: args.repeat as usize,
        partition: args.partition,
        runs_dir: args.runs_dir,
        engine,
        seed: args.seed,
        seeds: args.seeds,
        context: grade::Context {
            label: args.label,
            status: Some(display.add(level)),
            precheck: plain,
            ..grade::Context::default()
        },
    };
    let mut progress = |msg: &str| display.note(msg);
    let started = std::time::Instant::now();
    let graded = grade::grade_with_precheck(&request, &mut progress);
    drop(display);
    let real_time_skipped = graded.as_ref().is_ok_and(|g| g.real_time_skipped);
    let (verdicts, error) = match graded {
        Ok(graded) => (graded.verdicts, None),
        Err(e) => {
            errln!("error: {e}");
            (Vec::new(), Some(e.to_string()))
        }
    };
    let result = crate::course::LevelResult {
        level,
        verdicts,
        error,
        wall: started.elapsed(),
    };
    if args.format == crate::format::Format::Text {
        for v in &result.verdicts {
            outln!("{}", report::render(level, v));
        }
        if result.verdicts.len() > 1 {
            outln!("{}", report::render_summary(level, &result.verdicts));
        }
        if real_time_skipped {
            outln!(
                "The real-time run was skipped: the simulation already fails. Replay the failing \
                 seed with the command above, fix, and run `cargo run -p grader -- {}` again.",
                level.id
            );
        }
    } else {
        crate::course::commands::print(args.format, std::slice::from_ref(&result));
    }
    let outcome = result.outcome();
    // Only the learner's own node in their own workspace counts towards their progress (an
    // instructor grading a student's clone writes nothing into it), and only a real-time run is
    // the verdict of record.
    let of_record = request.engine != Engine::Sim && !real_time_skipped;
    if outcome == crate::course::LevelOutcome::Pass
        && request.node == NodeSource::Learner
        && own
        && of_record
    {
        if args.format == crate::format::Format::Text {
            celebrate(&request);
        } else {
            crate::course::commands::record_passes(&request.workspace, &[result]);
        }
    }
    ExitCode::from(outcome.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_a_level_with_flags_and_subcommands() {
        let cli = Cli::try_parse_from(["grader", "3b", "--solution", "--repeat", "3"]).unwrap();
        assert_eq!(cli.grade.level.as_deref(), Some("3b"));
        assert!(cli.grade.solution);
        assert_eq!(cli.grade.repeat, 3);
        let cli = Cli::try_parse_from(["grader", "list"]).unwrap();
        assert!(matches!(cli.command, Some(Command::List)));
        let cli = Cli::try_parse_from(["grader", "report", "3b", "--open"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Report {
                run: Some(_),
                open: true,
                ..
            })
        ));
    }

    #[test]
    fn rejects_solution_with_bin_and_a_missing_level() {
        assert!(Cli::try_parse_from(["grader", "1", "--solution", "--bin", "x"]).is_err());
        assert!(Cli::try_parse_from(["grader"]).is_err());
        assert!(Cli::try_parse_from(["grader", "1", "--repeat", "0"]).is_err());
    }
}
