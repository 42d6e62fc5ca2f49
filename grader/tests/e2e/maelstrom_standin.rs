//! The Maelstrom engine end to end, against a stand-in for the `maelstrom` wrapper
//! (`tests/data/maelstrom-standin`): discovery (through `MAELSTROM` and through `PATH`), the
//! exact argv, the store layout it writes into the run folder, exit codes 0/1/2/255, and the
//! verdict read back.
//!
//! Each test writes a small `maelstrom` wrapper that sets the stand-in's variables and execs it,
//! so that tests running in parallel never share environment variables.

use crate::support;

use std::path::{Path, PathBuf};

use grader::maelstrom::discovery::{discover, FoundVia, Lookup};
use grader::maelstrom::engine::{decide_with, Decision, Engine};
use grader::maelstrom::{command_line, run, Installation, Progress};
use grader::manifest::level;
use grader::verdict::{EngineName, Validity, Verdict};

const STANDIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/maelstrom-standin");

fn write_executable(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A `maelstrom` wrapper at `path` that runs the stand-in with these settings.
fn wrapper(path: &Path, argv_file: &Path, results: Option<&Path>, crash: bool) {
    let mut text = format!(
        "#!/usr/bin/env bash\nexport STANDIN_ARGV='{}'\n",
        argv_file.display()
    );
    if let Some(r) = results {
        text.push_str(&format!("export STANDIN_RESULTS='{}'\n", r.display()));
    }
    if crash {
        text.push_str("export STANDIN_CRASH=1\n");
    }
    text.push_str(&format!("exec bash '{STANDIN}' \"$@\"\n"));
    write_executable(path, &text);
}

/// A stand-in installation, as if `MAELSTROM` named it: the [`wrapper`] at `script`, run directly.
fn standin(script: PathBuf, argv_file: &Path, results: Option<&Path>, crash: bool) -> Installation {
    wrapper(&script, argv_file, results, crash);
    Installation {
        launcher: grader::maelstrom::Launcher::Script(script),
        found_via: FoundVia::EnvVar,
    }
}

/// Runs one run of `lvl` through `install` into `dir`, without progress output.
fn run_quiet(
    install: &Installation,
    lvl: &grader::manifest::Level,
    r: &grader::manifest::Run,
    bin: &Path,
    dir: &Path,
) -> Verdict {
    run(install, lvl, r, bin, dir, Progress::Quiet).unwrap()
}

/// A node binary; the stand-in only checks that it is executable (and runs it to crash).
fn node(dir: &Path, script: &str) -> PathBuf {
    let bin = dir.join("node");
    write_executable(&bin, script);
    bin
}

fn recorded_argv(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// What Maelstrom writes for a correct echo run (made up here, shaped as Maelstrom's).
const ECHO_VALID: &str = "{:perf {:latency-graph {:valid? true},
        :rate-graph {:valid? true},
        :valid? true},
 :timeline {:valid? true},
 :exceptions {:valid? true},
 :stats {:valid? true, :count 2, :ok-count 2, :fail-count 0, :info-count 0,
         :by-f {:echo {:valid? true, :count 2, :ok-count 2, :fail-count 0, :info-count 0}}},
 :availability {:valid? true, :ok-fraction 1.0},
 :net {:all {:send-count 4, :recv-count 4, :msg-count 4, :msgs-per-op 2.0},
       :servers {:send-count 0, :recv-count 0, :msg-count 0, :msgs-per-op 0.0},
       :valid? true},
 :workload {:valid? true, :errors ()},
 :valid? true}
";

/// The same run on a machine without gnuplot: Maelstrom says unknown and exits 2.
fn echo_without_gnuplot() -> String {
    ECHO_VALID
        .replace(
            ":perf {:latency-graph {:valid? true},",
            ":perf {:latency-graph {:valid? :unknown, :error \"java.io.IOException: Cannot run program \\\"gnuplot\\\": error=2\"},",
        )
        .replace(" :valid? true}\n", " :valid? :unknown}\n")
}

fn describe(v: &Verdict) -> String {
    v.checks
        .iter()
        .map(|c| format!("[{}] {}: {} {:?}", c.validity, c.name, c.summary, c.details))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn found_through_the_maelstrom_variable_and_run_with_the_levels_exact_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results.edn");
    std::fs::write(&results, ECHO_VALID).unwrap();
    let argv_file = tmp.path().join("argv.txt");
    let script = tmp.path().join("somewhere/my-maelstrom");
    wrapper(&script, &argv_file, Some(&results), false);
    let lookup = Lookup {
        maelstrom: Some(script.clone().into()),
        ..Lookup::default()
    };

    let Ok(Decision::Maelstrom(install)) =
        decide_with(Engine::Maelstrom, &lookup, tmp.path(), || None)
    else {
        panic!("MAELSTROM names the wrapper")
    };
    assert_eq!(install.found_via, FoundVia::EnvVar);
    assert_eq!(install.path(), script);

    let lvl = level("1").unwrap();
    let bin = node(tmp.path(), "#!/bin/sh\n");
    let run_dir = tmp.path().join("runs/1");
    let v = run_quiet(&install, lvl, &lvl.runs[0], &bin, &run_dir);

    let bin = std::fs::canonicalize(&bin).unwrap();
    let expected = command_line(lvl, &lvl.runs[0], bin.to_str().unwrap());
    assert_eq!(recorded_argv(&argv_file), expected[1..]);
    assert!(v.passed(), "{}", describe(&v));
    assert_eq!(v.engine, EngineName::Maelstrom);
    assert_eq!(v.level, "1");
    assert_eq!(v.run_label, None);
    let store = v.run_dir.clone().unwrap();
    assert!(
        store.ends_with("store/echo/20240101T000000.000+0000"),
        "{store:?}"
    );
    assert!(store.join("results.edn").is_file());
    let console = std::fs::read_to_string(run_dir.join("maelstrom.log")).unwrap();
    assert!(console.contains("Everything looks good"), "{console}");
    assert!(v.seconds.is_some());
}

#[test]
fn found_on_path_and_an_unknown_from_missing_gnuplot_still_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results.edn");
    std::fs::write(&results, echo_without_gnuplot()).unwrap();
    let argv_file = tmp.path().join("argv.txt");
    wrapper(
        &tmp.path().join("bin/maelstrom"),
        &argv_file,
        Some(&results),
        false,
    );
    let lookup = Lookup {
        path: Some(
            std::env::join_paths([tmp.path().join("empty"), tmp.path().join("bin")]).unwrap(),
        ),
        home: Some(tmp.path().join("home").into()),
        ..Lookup::default()
    };
    let install = discover(&lookup, tmp.path()).unwrap();
    assert_eq!(install.found_via, FoundVia::Path);

    let lvl = level("1").unwrap();
    let bin = node(tmp.path(), "#!/bin/sh\n");
    let v = run_quiet(&install, lvl, &lvl.runs[0], &bin, &tmp.path().join("run"));
    assert!(
        v.passed(),
        "exit code 2 is not the verdict:\n{}",
        describe(&v)
    );
    assert!(v.check("perf").unwrap().summary.contains("gnuplot"));
    assert!(v.check("crash").is_none());
}

#[test]
fn a_node_that_exits_is_explained_with_its_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let argv_file = tmp.path().join("argv.txt");
    let install = standin(tmp.path().join("maelstrom"), &argv_file, None, true);
    let lvl = level("3b").unwrap();
    let bin = node(
        tmp.path(),
        "#!/bin/sh\necho 'node n0 starting' >&2\n\
         echo \"thread 'main' panicked at src/main.rs:3:5: boom\" >&2\nexit 101\n",
    );
    let v = run_quiet(&install, lvl, &lvl.runs[0], &bin, &tmp.path().join("run"));
    eprintln!("{}", describe(&v));
    let crash = v
        .check("crash")
        .unwrap_or_else(|| panic!("{}", describe(&v)));
    assert_eq!(crash.validity, Validity::Invalid);
    assert!(!v.passed());
    assert!(crash.summary.contains("a node exited"), "{}", describe(&v));
    let details = crash.details.join("\n");
    assert!(details.contains("exit status 101"), "{details}");
    assert!(
        details.contains("last lines n0 wrote on stderr"),
        "{details}"
    );
    assert!(
        details.contains("panicked at src/main.rs:3:5: boom"),
        "{details}"
    );
    assert!(
        v.check("workload").is_none(),
        "no results, no workload verdict"
    );

    // Explaining the crashed run afterwards tells the same story, from its jepsen.log.
    let later = grader::maelstrom::explain(&tmp.path().join("run"), None).unwrap();
    assert_eq!(later.level, "3b", "{}", describe(&later));
    let crash = later.check("crash").unwrap();
    assert!(
        crash.summary.contains("a node exited"),
        "{}",
        describe(&later)
    );
    assert!(
        crash.details.join("\n").contains("boom"),
        "{}",
        describe(&later)
    );
}

#[test]
fn a_missing_node_binary_is_a_crash_that_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let argv_file = tmp.path().join("argv.txt");
    let install = standin(tmp.path().join("maelstrom"), &argv_file, None, false);
    let lvl = level("1").unwrap();
    let v = run(
        &install,
        lvl,
        &lvl.runs[0],
        &tmp.path().join("target/debug/echo"),
        &tmp.path().join("run"),
        Progress::Quiet,
    )
    .unwrap();
    eprintln!("{}", describe(&v));
    let crash = v.check("crash").unwrap();
    assert!(
        crash.summary.contains("could not start the node"),
        "{}",
        describe(&v)
    );
    assert!(!v.passed());
}

fn fixtures() -> Option<PathBuf> {
    support::maelstrom_fixtures("the stand-in runs on real output")
}

#[test]
fn real_output_through_the_whole_engine_3d_over_budget_and_6b_two_runs() {
    let Some(fixtures) = fixtures() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let bin = node(tmp.path(), "#!/bin/sh\n");

    let argv_file = tmp.path().join("argv-3d.txt");
    let over = fixtures.join("3d-valid-but-over-msgs-target/results.edn");
    let install = standin(
        tmp.path().join("bin-3d/maelstrom"),
        &argv_file,
        Some(&over),
        false,
    );
    let lvl = level("3d").unwrap();
    let v = run_quiet(
        &install,
        lvl,
        &lvl.runs[0],
        &bin,
        &tmp.path().join("run-3d"),
    );
    assert!(!v.passed(), "{}", describe(&v));
    assert_eq!(
        v.failures().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["budget"],
        "Maelstrom exits 0, the course budget fails:\n{}",
        describe(&v)
    );

    // 6b: the caller loops over the level's runs, each in its own folder.
    let lvl = level("6b").unwrap();
    let valid = fixtures.join("6b-valid/results.edn");
    for (i, r) in lvl.runs.iter().enumerate() {
        let argv_file = tmp.path().join(format!("argv-6b-{i}.txt"));
        let script = tmp.path().join(format!("bin-6b-{i}/maelstrom"));
        let install = standin(script, &argv_file, Some(&valid), false);
        let v = run_quiet(
            &install,
            lvl,
            r,
            &bin,
            &tmp.path().join(format!("run-6b-{i}")),
        );
        assert!(v.passed(), "{}", describe(&v));
        assert_eq!(v.run_label.as_deref(), Some(r.label));
        let canonical = std::fs::canonicalize(&bin).unwrap();
        assert_eq!(
            recorded_argv(&argv_file),
            command_line(lvl, r, canonical.to_str().unwrap())[1..]
        );
    }
}
