//! The grader binary's exit codes, which scripts and instructors rely on: 0 pass, 1 fail,
//! 2 usage or environment error — with a message, never a panic.

mod support;

use std::process::{Command, Output};

fn grader(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(args)
        .current_dir(support::workspace())
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

#[test]
fn usage_errors_exit_2_with_a_message() {
    for (args, says) in [
        (&["9"][..], "there is no level \"9\""),
        (
            &["bradcast"][..],
            "(echo, unique-ids, broadcast, g-counter, kafka, txn)",
        ),
        (&["1", "--bin", "/"], "is a folder"),
        (&["1", "--engine", "jvm"], "unknown engine"),
        (&["1", "--solution", "--bin", "x"], "cannot be used with"),
        (&[][..], "required"),
        (&["report", "/nowhere/at/all"], "neither a run folder"),
    ] {
        let out = grader(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains(says),
            "{args:?} should say {says:?}: {}",
            text(&out)
        );
        assert!(!text(&out).contains("panicked"), "{args:?}: {}", text(&out));
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
        let out = grader(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains(says),
            "{args:?} should say {says:?}: {}",
            text(&out)
        );
        assert!(!text(&out).contains("FAIL"), "{args:?}: {}", text(&out));
        assert!(!text(&out).contains("Hints:"), "{args:?}: {}", text(&out));
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

#[test]
fn repeat_runs_the_level_again_and_passes_only_if_every_run_passes() {
    let wrong = support::broken_node("echo-wrong-text");
    let wrong = wrong.to_str().unwrap();
    let (failing, passing) = std::thread::scope(|s| {
        let failing = s.spawn(|| grader(&["1", "--bin", wrong, "--repeat", "2"]));
        let passing = s.spawn(|| grader(&["1", "--solution", "--repeat", "2"]));
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
