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
use crate::{builtin, report};

/// Grades a Gossip Glomers node: builds it, runs a level's Maelstrom workload against it, and
/// explains the verdict.
#[derive(Debug, Parser)]
#[command(
    name = "grader",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  cargo run -p grader -- 1              grade your echo node\n  cargo run -p grader -- 3b --solution   grade the reference solution\n  cargo run -p grader -- 2 --bin ./node  grade any executable\n  cargo run -p grader -- list            show the levels"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    grade: GradeArgs,
}

#[derive(Debug, clap::Args)]
struct GradeArgs {
    /// The level to grade: 1, 2, 3a–3e, 4, 5a–5c, 6a–6c.
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

    /// builtin (the default: no JVM needed), maelstrom (the real one), or auto (Maelstrom when
    /// it is installed and runnable). Also read from GRADER_ENGINE.
    #[arg(long, value_name = "ENGINE")]
    engine: Option<String>,

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
            print!("{}", list(&progress));
            ExitCode::SUCCESS
        }
        Some(Command::Doctor) => doctor(),
        Some(Command::Explain { path, level }) => explain(&path, level.as_deref()),
        Some(Command::InstallMaelstrom) => install_maelstrom(),
        Some(Command::All(args)) => crate::course::commands::all(args),
        Some(Command::Batch(args)) => crate::course::batch::run(args),
        Some(Command::Watch(args)) => crate::course::watch::run(args),
        None => grade_level(cli.grade),
    }
}

fn doctor() -> ExitCode {
    let report = maelstrom::doctor(&crate::build::workspace_root());
    print!("{report}");
    if report.ready() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn explain(path: &std::path::Path, level: Option<&str>) -> ExitCode {
    let level = match level.map(|id| manifest::level(id).ok_or(id)) {
        Some(Err(id)) => return unknown_level(id),
        Some(Ok(l)) => Some(l),
        None => None,
    };
    match maelstrom::explain(path, level) {
        Ok(verdict) => {
            let shown = manifest::level(&verdict.level).or(level);
            match shown {
                Some(l) => println!("{}", report::render(l, &verdict)),
                None => println!("{}", report::render_unlevelled(&verdict)),
            }
            if verdict.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn install_maelstrom() -> ExitCode {
    match maelstrom::install(&maelstrom::Lookup::from_env()) {
        Ok(installation) => {
            println!("Maelstrom installed: {installation}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Records the learner's pass and points at the next level.
fn celebrate(request: &Request) {
    let mut progress = Progress::load(&request.workspace);
    if let Err(e) = progress.record_pass(request.level) {
        eprintln!("grader: could not save your progress: {e}");
    }
    match progress.next() {
        Some(next) => println!(
            "Level {} done. Next: level {} · {} (cargo run -p grader -- {}).",
            request.level.id, next.id, next.title, next.id
        ),
        None => println!("Every level passed. Well done!"),
    }
}

fn unknown_level(id: &str) -> ExitCode {
    let ids: Vec<_> = LEVELS.iter().map(|l| l.id).collect();
    eprintln!(
        "error: there is no level {id:?}. The levels are: {}.",
        ids.join(", ")
    );
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
    let id = args.level.unwrap_or_default();
    let Some(level) = manifest::level(&id) else {
        return unknown_level(&id);
    };
    let engine = match Engine::from_flag_or_env(args.engine.as_deref()) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let node = match (args.bin, args.solution) {
        (Some(path), _) => NodeSource::Binary(path),
        (None, true) => NodeSource::Solution,
        (None, false) => NodeSource::Learner,
    };
    let (workspace, own) = crate::course::commands::workspace(args.workspace);
    let display = crate::course::display::Display::new();
    let request = Request {
        level,
        node,
        workspace,
        repeat: args.repeat as usize,
        partition: args.partition,
        runs_dir: args.runs_dir,
        engine,
        context: grade::Context {
            label: args.label,
            status: Some(display.add(level)),
            ..grade::Context::default()
        },
    };
    let mut progress = |msg: &str| display.note(msg);
    let started = std::time::Instant::now();
    let graded = grade::grade(&request, &mut progress);
    drop(display);
    let (verdicts, error) = match graded {
        Ok(verdicts) => (verdicts, None),
        Err(e) => {
            eprintln!("error: {e}");
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
            println!("{}", report::render(level, v));
        }
        if result.verdicts.len() > 1 {
            println!("{}", report::render_summary(level, &result.verdicts));
        }
    } else {
        crate::course::commands::print(args.format, std::slice::from_ref(&result));
    }
    let outcome = result.outcome();
    // Only the learner's own node in their own workspace counts towards their progress: an
    // instructor grading a student's clone writes nothing into it.
    if outcome == crate::course::LevelOutcome::Pass && request.node == NodeSource::Learner && own {
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
    }

    #[test]
    fn rejects_solution_with_bin_and_a_missing_level() {
        assert!(Cli::try_parse_from(["grader", "1", "--solution", "--bin", "x"]).is_err());
        assert!(Cli::try_parse_from(["grader"]).is_err());
        assert!(Cli::try_parse_from(["grader", "1", "--repeat", "0"]).is_err());
    }
}
