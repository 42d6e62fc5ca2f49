//! The exact `maelstrom test` command line of every level, as a snapshot: a flag changing in
//! the manifest shows up here, next to Fly.io's published commands.

use grader::maelstrom::command_line;
use grader::manifest::LEVELS;

#[test]
fn every_level_runs_its_published_flags() {
    let mut lines = Vec::new();
    for level in LEVELS {
        for run in level.runs {
            let label = if run.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", run.label)
            };
            lines.push(format!(
                "{}{label}: {}",
                level.id,
                command_line(level, run, "BIN").join(" ")
            ));
        }
    }
    assert_eq!(lines.len(), 15, "14 levels, 6b with two runs");
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn the_argv_keeps_each_flag_a_separate_word() {
    let level = grader::manifest::level("6c").unwrap();
    let argv = command_line(level, &level.runs[0], "/path with spaces/txn");
    assert_eq!(
        &argv[..4],
        ["maelstrom", "test", "--bin", "/path with spaces/txn"]
    );
    assert!(argv.windows(2).any(|w| w == ["--nemesis", "partition"]));
    assert!(
        argv.iter().all(|a| !a.contains('–')),
        "no en dash: {argv:?}"
    );
}
