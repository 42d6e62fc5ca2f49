//! The grader binary's exit codes, which scripts and instructors rely on: 0 pass, 1 fail,
//! 2 usage or environment error — with a message, never a panic.

use crate::support;

use std::process::{Command, Output, Stdio};

fn grader(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(support::workspace())
        .env(grader::build::PROFILE_ENV, support::PROFILE.name())
        .env_remove("GRADER_ENGINE")
        .env_remove("MAELSTROM")
        .output()
        .expect("the grader runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the grader with `args`, asserts exit 2 and that it says `says`; returns all it said.
fn exits_2_saying(args: &[&str], says: &str) -> String {
    let out = grader(args);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
    assert!(said.contains(says), "{args:?} should say {says:?}: {said}");
    said
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    for (args, says) in [
        (&["9"][..], "there is no level \"9\""),
        (
            &["bradcast"][..],
            "(echo, unique-ids, broadcast, g-counter, kafka, txn)",
        ),
        (&["1", "--bin", "/"], "is a folder"),
        (&["1", "--bin", "/no/such/node"], "/no/such/node"),
        (&["1", "--engine", "jvm"], "unknown engine"),
        (&["1", "--solution", "--bin", "x"], "cannot be used with"),
        (&[][..], "required"),
        (&["report", "/nowhere/at/all"], "neither a run folder"),
    ] {
        let said = exits_2_saying(args, says);
        assert!(!said.contains("panicked"), "{args:?}: {said}");
        // Nothing is announced for a node that cannot run.
        assert!(!said.contains("simulating"), "{args:?}: {said}");
    }
}

#[test]
fn maelstrom_engine_without_maelstrom_says_how_to_get_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["1", "--engine", "maelstrom"])
        .current_dir(support::workspace())
        .env_remove("MAELSTROM")
        .env("PATH", "/usr/bin:/bin")
        .env(
            "XDG_CACHE_HOME",
            support::workspace().join("target/no-cache"),
        )
        .output()
        .expect("the grader runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("install-maelstrom"), "{}", text(&out));
}

#[test]
fn a_node_that_cannot_start_or_a_wrong_workspace_is_exit_2_without_hints() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = dir.path().join("crlf-node");
    std::fs::write(&crlf, "#!/bin/sh\r\nexec cat\r\n").unwrap();
    let plain = dir.path().join("plain");
    std::fs::write(&plain, "not a node").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&crlf, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (crlf, plain) = (crlf.to_str().unwrap(), plain.to_str().unwrap());
    let empty = dir.path().to_str().unwrap();
    for (args, says) in [
        (&["1", "--bin", "/no/such/node"][..], "does not exist"),
        (&["1", "--bin", plain], "not executable"),
        (&["1", "--bin", crlf], "Windows line endings (CRLF)"),
        (
            &["1", "--workspace", "/no/such/folder"],
            "the workspace folder /no/such/folder does not exist",
        ),
        (&["1", "--workspace", empty], "is not a Cargo workspace"),
    ] {
        let said = exits_2_saying(args, says);
        assert!(!said.contains("FAIL"), "{args:?}: {said}");
        assert!(!said.contains("Hints:"), "{args:?}: {said}");
    }
}

#[test]
fn a_failing_node_exits_1_and_list_exits_0() {
    let wrong = support::broken_node("echo-wrong-text");
    let out = grader(&["1", "--bin", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("FAIL  level 1"),
        "{}",
        text(&out)
    );

    let out = grader(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("6c"), "{}", text(&out));
}

/// `grader 1 … 2>&1 | head -1`: the reader goes away after one line. The grader neither panics
/// on its next line (exit 101, with its run half done) nor stops early: it finishes the run and
/// exits with the verdict's code, which is what a script reading `PIPESTATUS` wants.
#[test]
fn a_closed_output_pipe_changes_nothing_but_what_is_read() {
    let runs = tempfile::tempdir().unwrap();
    let wrong = support::broken_node("echo-wrong-text");
    let mut child = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["1", "--engine", "sim", "--runs-dir"])
        .arg(runs.path())
        .arg("--bin")
        .arg(&wrong)
        .current_dir(support::workspace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the grader runs");
    // Nobody reads either stream: every write the grader makes fails with a broken pipe.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status}");
    let verdicts = std::fs::read_dir(runs.path().join("1"))
        .unwrap()
        .filter_map(|e| e.ok())
        // `latest` is a link to the run.
        .filter(|e| e.file_name() != "latest" && e.path().join("verdict.json").is_file())
        .count();
    assert_eq!(verdicts, 1, "the run was recorded as usual");
}

/// In the simulator: `--repeat` is the same loop whatever the engine, and two real-time runs of
/// level 1 each side took this test 20 s. The real-time engine's own loop (a stall, then a rerun)
/// is `a_stalled_real_time_run_is_inconclusive_and_rerun_once`.
#[test]
fn repeat_runs_the_level_again_and_passes_only_if_every_run_passes() {
    let wrong = support::broken_node("echo-wrong-text");
    let wrong = wrong.to_str().unwrap();
    let sim = ["--engine", "sim", "--repeat", "2"];
    let (failing, passing) = std::thread::scope(|s| {
        let failing = s.spawn(|| grader(&[&["1", "--bin", wrong][..], &sim].concat()));
        let passing = s.spawn(|| grader(&[&["1", "--solution"][..], &sim].concat()));
        (failing.join().unwrap(), passing.join().unwrap())
    });

    let stdout = String::from_utf8_lossy(&failing.stdout);
    assert_eq!(failing.status.code(), Some(1), "{}", text(&failing));
    assert!(stdout.contains("attempt 2 of 2"), "{}", text(&failing));
    assert!(stdout.contains("0 of 2 runs passed"), "{}", text(&failing));

    assert_eq!(passing.status.code(), Some(0), "{}", text(&passing));
    let stdout = String::from_utf8_lossy(&passing.stdout);
    assert!(stdout.contains("2 of 2 runs passed"), "{}", text(&passing));
}

#[test]
fn check_judges_a_history_file_with_exit_codes_to_match() {
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history.edn");
    let good = "\
{:index 0, :time 0, :type :invoke, :process 0, :f :txn, :value [[:r 1 nil] [:w 1 2]]}
{:index 1, :time 5, :type :ok, :process 0, :f :txn, :value [[:r 1 nil] [:w 1 2]]}
{:index 2, :time 6, :type :invoke, :process 1, :f :txn, :value [[:r 1 nil]]}
{:index 3, :time 9, :type :ok, :process 1, :f :txn, :value [[:r 1 2]]}
";
    std::fs::write(&history, good).unwrap();
    let path = history.to_str().unwrap();
    let out = grader(&["check", path, "--level", "6a"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).starts_with("PASS  level 6a"), "{}", text(&out));

    // The reply lost its write: the course's reply rule fails it and names the op.
    std::fs::write(
        &history,
        good.replacen(
            ":ok, :process 0, :f :txn, :value [[:r 1 nil] [:w 1 2]]",
            ":ok, :process 0, :f :txn, :value [[:r 1 nil]]",
            1,
        ),
    )
    .unwrap();
    let out = grader(&["check", path, "--level", "6a"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("✗ replies: 1 transaction replies"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("op 1 by process 0 (n0)"),
        "{}",
        text(&out)
    );

    for (args, says) in [
        (vec!["check", path, "--level", "9"], "there is no level"),
        (
            vec!["check", "/nonexistent/history.edn", "--level", "6a"],
            "could not read",
        ),
        (vec!["check", path], "--level"),
    ] {
        let out = grader(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
        assert!(!text(&out).contains("panicked"), "{args:?}: {}", text(&out));
    }
}

/// `grader report RUN` prints the page's path, writing the page from `verdict.json` when the
/// run has none yet.
#[test]
fn report_prints_the_path_of_a_runs_page() {
    let runs = tempfile::tempdir().unwrap();
    let run = runs.path().join("1").join("20260101T000000.000");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(
        run.join("verdict.json"),
        r#"{"level":"1","engine":"builtin","run_label":null,"checks":[],"run_dir":null,"seconds":null,"criteria":null}"#,
    )
    .unwrap();
    let dir = runs.path().to_str().unwrap();
    let out = grader(&["report", "1", "--runs-dir", dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = run.join("report.html");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        page.display().to_string()
    );
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .contains("PASS level 1"));
}

/// An instructor's class of four: a missing executable, a clone that does not compile, a node
/// that exits at once, and a clone whose node builds (in the shared target) and exits at once.
/// Each gets a verdict.json naming the student, the gradebook has a row per student, a second run
/// resumes (grades nothing again), and the students' clones are left as they were.
#[test]
fn batch_grades_every_submission_into_a_gradebook_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    // Clones with no dependencies, so that they build in a second.
    let clone = |name: &str, main: &str| {
        let clone = dir.path().join(name);
        std::fs::create_dir_all(clone.join("challenges/echo/src")).unwrap();
        let files = [
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"challenges/echo\"]\nresolver = \"2\"\n",
            ),
            (
                "challenges/echo/Cargo.toml",
                "[package]\nname = \"echo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("challenges/echo/src/main.rs", main),
            (
                "Cargo.lock",
                "version = 4\n\n[[package]]\nname = \"echo\"\nversion = \"0.1.0\"\n",
            ),
        ];
        for (path, text) in files {
            std::fs::write(clone.join(path), text).unwrap();
        }
        clone
    };
    let bob = clone("bob", "fn main() { nope }\n");
    let dee = clone("dee", "fn main() { std::process::exit(3) }\n");
    let listing = |p: &std::path::Path| {
        let mut names: Vec<_> = walk(p);
        names.sort();
        names
    };
    let before = (listing(&bob), listing(&dee));
    // A node that exits at once, with nothing to build.
    let exits = std::path::Path::new("/usr/bin/false");
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        format!(
            "student,kind,path\n# a comment\nada,bin,/no/such/node\nbob,workspace,bob\n\
             cy,bin,{}\ndee,workspace,dee\n",
            exits.display()
        ),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let args = [
        "batch",
        roster.to_str().unwrap(),
        "--levels",
        "1",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let out = grader(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let gradebook = std::fs::read_to_string(out_dir.join("gradebook.csv")).unwrap();
    let mut rows: Vec<_> = gradebook.lines().skip(1).collect();
    rows.sort();
    assert_eq!(rows.len(), 4, "{gradebook}");
    assert!(
        gradebook.starts_with("student,level,outcome,passed,"),
        "{gradebook}"
    );
    // ada's executable does not exist: her submission cannot be graded at all (an error, not a
    // fail), yet she has a row and a verdict.json like everyone else.
    for (row, student) in rows.iter().zip(["ada", "bob", "cy", "dee"]) {
        let outcome = if student == "ada" { "error" } else { "fail" };
        assert!(
            row.starts_with(&format!("{student},1,{outcome},false,")),
            "{row}"
        );
    }
    assert!(rows[1].contains("does not compile"), "{}", rows[1]);
    assert!(rows[2].contains("exited with status 1"), "{}", rows[2]);
    assert!(rows[3].contains("exited with status 3"), "{}", rows[3]);
    for student in ["ada", "bob", "cy", "dee"] {
        let verdicts = walk(&out_dir.join("runs").join(student));
        let json = verdicts
            .iter()
            .find(|p| p.ends_with("verdict.json"))
            .unwrap_or_else(|| panic!("no verdict.json for {student}: {verdicts:?}"));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        assert_eq!(v["label"], student);
        assert_eq!(v["outcome"], "fail");
        assert_eq!(v["schema_version"], 1);
        if student == "dee" {
            // Built in the shared target, graded from its own copy of the executable.
            let bin = v["binary"].as_str().unwrap();
            let nodes = out_dir.canonicalize().unwrap().join("target/nodes");
            assert!(bin.starts_with(nodes.to_str().unwrap()), "{bin}");
            assert!(v["workspace"].as_str().unwrap().ends_with("dee"), "{v}");
        }
    }
    assert_eq!(
        (listing(&bob), listing(&dee)),
        before,
        "a student's clone was written into"
    );

    let again = grader(&args);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("0 gradings now"), "{}", text(&again));
    let gradebook_after = std::fs::read_to_string(out_dir.join("gradebook.csv")).unwrap();
    assert_eq!(gradebook_after, gradebook);
}

/// Every file under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

/// `grader all` over a range prints one JSON document (valid against the shipped schema) or one
/// JUnit test case per level, and exits with the worst level's code. (A node that starts and
/// dies at once fails; a missing `--bin` is a usage error, exit 2.)
#[test]
fn all_prints_json_and_junit_for_a_range() {
    // A missing --bin is a usage problem (exit 2), for each level alike.
    let json = grader(&["all", "1..2", "--bin", "/no/such/node", "--format", "json"]);
    assert_eq!(json.status.code(), Some(2), "{}", text(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    let schema: serde_json::Value = serde_json::from_str(grader::format::json::SCHEMA).unwrap();
    assert_eq!(
        crate::json_schema::errors(&schema, &doc),
        Vec::<String>::new(),
        "{doc}"
    );
    let levels: Vec<_> = doc["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["level"].as_str().unwrap(), l["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(levels, [("1", "error"), ("2", "error")]);

    let junit = grader(&["all", "3a", "--bin", "/no/such/node", "--format", "junit"]);
    assert_eq!(junit.status.code(), Some(2), "{}", text(&junit));
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
    assert!(xml.contains("<error message=\"the node binary"), "{xml}");

    // A node that runs and fails is a <failure>, with the verdict's first line as its message.
    let exits = support::test_node("exits-at-start");
    let junit = grader(&[
        "all",
        "1",
        "--bin",
        exits.to_str().unwrap(),
        "--format",
        "junit",
    ]);
    assert_eq!(junit.status.code(), Some(1), "{}", text(&junit));
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
    assert!(xml.contains("<failure message=\"FAIL level 1"), "{xml}");

    let bad = grader(&["all", "3e..3a"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(text(&bad).contains("runs backwards"), "{}", text(&bad));
}

/// Outside any course workspace, the grader names the checkout it falls back to.
#[test]
fn outside_a_workspace_the_grader_names_the_one_it_grades() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["1", "--bin", "/no/such/node", "--runs-dir"])
        .arg(dir.path().join("runs"))
        .current_dir(dir.path())
        .output()
        .expect("the grader runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let expected = support::workspace()
        .canonicalize()
        .unwrap()
        .display()
        .to_string();
    assert!(
        text(&out).contains("not in a course workspace") && text(&out).contains(&expected),
        "{}",
        text(&out)
    );
}

/// A machine stall in real time is the machine's fault, not the node's: a run that failed on
/// timing while the machine stalled is kept as inconclusive (labelled so, with the stall's size),
/// run once more, and the rerun's verdict is the one that counts — here a FAIL, because this node
/// times out without any stall.
#[test]
fn a_stalled_real_time_run_is_inconclusive_and_rerun_once() {
    let runs = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["1", "--engine", "builtin", "--bin"])
        .arg(support::test_node("init-only"))
        .arg("--runs-dir")
        .arg(runs.path())
        .current_dir(support::workspace())
        .env("GRADER_INJECT_STALL_MS", "600")
        .env_remove("GRADER_ENGINE")
        .output()
        .expect("the grader runs");
    let said = text(&out);
    // On a machine loaded by the tests beside this one the rerun may stall too (100 ms is
    // enough): it is then inconclusive as well, and the grader rightly exits 3.
    let rerun_stalled = out.status.code() == Some(3);
    assert!(out.status.code() == Some(1) || rerun_stalled, "{said}");
    assert!(said.contains("the machine stalled for"), "{said}");
    assert!(said.contains("running it once more"), "{said}");
    let mut verdicts: Vec<serde_json::Value> = std::fs::read_dir(runs.path().join("1"))
        .unwrap()
        .filter_map(|e| e.ok())
        // `latest` is a link to one of them.
        .filter(|e| e.file_name() != "latest")
        .filter_map(|e| std::fs::read_to_string(e.path().join("verdict.json")).ok())
        .map(|t| serde_json::from_str(&t).unwrap())
        .collect();
    verdicts.sort_by_key(|v| v["outcome"].as_str().map(str::to_owned));
    let outcomes: Vec<&str> = verdicts
        .iter()
        .filter_map(|v| v["outcome"].as_str())
        .collect();
    let rerun = if rerun_stalled {
        "inconclusive"
    } else {
        "fail"
    };
    assert_eq!(outcomes, [rerun, "inconclusive"], "{verdicts:#?}");
    // The injected stall (600 ms) is the first run's; it is labelled as the reason for a rerun.
    let stalled = verdicts
        .iter()
        .find(|v| v["stall"]["lag_ms"].as_u64().is_some_and(|ms| ms >= 500))
        .unwrap_or_else(|| panic!("no run saw the injected stall: {verdicts:#?}"));
    assert!(
        stalled.to_string().contains("inconclusive, rerun"),
        "the stalled run is labelled as such: {stalled:#}"
    );
}

/// `grader all` with no engine chosen: every level in the simulator first; a level it fails is
/// answered by the simulator alone, a level it passes gets the real-time verdict of record.
#[test]
fn all_simulates_first_and_runs_in_real_time_only_what_the_simulator_passed() {
    let runs = tempfile::tempdir().unwrap();
    // A correct echo node that knows nothing else: it passes level 1 and fails level 2.
    let echo = support::test_node("raw-echo");
    let out = grader(&[
        "all",
        "1,2",
        "--bin",
        echo.to_str().unwrap(),
        "--format",
        "json",
        "--runs-dir",
        runs.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let levels: Vec<(&str, &str, Vec<&str>)> = doc["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let engines = l["runs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["engine"].as_str().unwrap())
                .collect();
            (
                l["level"].as_str().unwrap(),
                l["outcome"].as_str().unwrap(),
                engines,
            )
        })
        .collect();
    assert_eq!(
        levels,
        [("1", "pass", vec!["builtin"]), ("2", "fail", vec!["sim"]),],
        "{doc:#}"
    );
}
