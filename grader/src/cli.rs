//! The command line: `grader <level>`, `grader list`, and friends.
//!
//! Exit codes are part of the interface, for learners' scripts and instructors' batch grading:
//! 0 the level passed, 1 it failed (including a node that does not compile), 2 a usage or
//! environment problem (an unknown level, a missing binary, no cargo).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::grade::{self, NodeSource, Request};
use crate::manifest::{self, LEVELS};
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
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the levels, their Maelstrom flags and what each needs.
    List,
}

/// Parses the command line and runs it.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::List) => {
            print!("{}", list());
            ExitCode::SUCCESS
        }
        None => grade_level(cli.grade),
    }
}

/// The table `grader list` prints.
pub fn list() -> String {
    let mut out =
        String::from("level  title                                            workload\n");
    for level in LEVELS {
        let note = if builtin::supports(level.workload) {
            ""
        } else {
            "  (not gradable by the builtin engine yet)"
        };
        out.push_str(&format!(
            "{:<6} {:<48} {}{note}\n",
            level.id,
            level.title,
            level.workload.name()
        ));
    }
    out.push_str("\nGrade one with: cargo run -p grader -- <level>\n");
    out
}

fn grade_level(args: GradeArgs) -> ExitCode {
    let id = args.level.unwrap_or_default();
    let Some(level) = manifest::level(&id) else {
        let ids: Vec<_> = LEVELS.iter().map(|l| l.id).collect();
        eprintln!(
            "error: there is no level {id:?}. The levels are: {}.",
            ids.join(", ")
        );
        return ExitCode::from(2);
    };
    if !builtin::supports(level.workload) {
        eprintln!(
            "error: level {} ({}) cannot be graded yet: the builtin engine does not run the {} workload.",
            level.id,
            level.title,
            level.workload.name()
        );
        return ExitCode::from(2);
    }
    let node = match (args.bin, args.solution) {
        (Some(path), _) => NodeSource::Binary(path),
        (None, true) => NodeSource::Solution,
        (None, false) => NodeSource::Learner,
    };
    let request = Request {
        level,
        node,
        workspace: args.workspace.unwrap_or_else(crate::build::workspace_root),
        repeat: args.repeat as usize,
        partition: args.partition,
        runs_dir: args.runs_dir,
    };
    let mut progress = |msg: &str| eprintln!("grader: {msg}");
    match grade::grade(&request, &mut progress) {
        Ok(verdicts) => {
            for v in &verdicts {
                println!("{}", report::render(level, v));
            }
            if verdicts.len() > 1 {
                println!("{}", report::render_summary(level, &verdicts));
            }
            if verdicts.iter().all(|v| v.passed()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) if e.is_node_failure() => {
            println!("FAIL  level {} · {}", level.id, level.title);
            println!("  ✗ build: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
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
