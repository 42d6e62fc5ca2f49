//! No node process outlives the grader: not at the end of a run, and not when the learner presses
//! Ctrl-C in the middle of one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support;

/// Live processes whose executable is `exe` (read from /proc, Linux).
fn processes_running(exe: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe))
        .collect()
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

#[test]
fn ctrl_c_stops_the_grader_and_every_node() {
    if !Path::new("/proc/self/exe").exists() {
        eprintln!("skipping: needs /proc to see processes");
        return;
    }
    // A private copy, so that only this test's nodes carry this executable path.
    let dir = tempfile::tempdir().unwrap();
    let node: PathBuf = dir.path().join("ctrl-c-node");
    // A node built on `common`, whose runtime is what a learner's node runs on.
    std::fs::copy(support::solution_node("broadcast-solution"), &node).unwrap();
    let node = node.canonicalize().unwrap();

    let mut grader = Command::new(env!("CARGO_BIN_EXE_grader"))
        // Real time at once: a plain `grader 3b` would first simulate the level.
        .args([
            "3b",
            "--engine",
            "builtin",
            "--bin",
            node.to_str().unwrap(),
            "--runs-dir",
        ])
        .arg(dir.path().join("runs"))
        .current_dir(support::workspace())
        .spawn()
        .expect("the grader starts");

    assert!(
        wait_until(Duration::from_secs(20), || processes_running(&node).len()
            == 5),
        "the five nodes of level 3b never started"
    );
    let status = Command::new("kill")
        .args(["-INT", &grader.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());

    let exited = wait_until(Duration::from_secs(10), || {
        grader.try_wait().ok().flatten().is_some()
    });
    assert!(exited, "the grader did not stop on Ctrl-C");
    assert_eq!(grader.wait().unwrap().code(), Some(130), "Ctrl-C exits 130");
    assert!(
        wait_until(Duration::from_secs(5), || processes_running(&node)
            .is_empty()),
        "nodes outlived the grader: {:?}",
        processes_running(&node)
    );
}

/// The `helper pid N` lines a `forks-daemon` node wrote to its log, once there are two.
fn helper_pids(runs: &Path) -> Vec<u32> {
    fn logs(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                logs(&p, out);
            } else if p.file_name().is_some_and(|n| n == "n0.log") {
                out.push(p);
            }
        }
    }
    let mut found = Vec::new();
    logs(runs, &mut found);
    found
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.strip_prefix("helper pid ")?.trim().parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

/// SIGTERM and SIGHUP end the grader, its node, the helper the node started in its group, and
/// the one that escaped with `setsid` — each checked by pid.
#[test]
fn sigterm_and_sighup_end_every_node_and_what_it_started() {
    if !Path::new("/proc/self/exe").exists() {
        eprintln!("skipping: needs /proc to see processes");
        return;
    }
    let source = support::test_node("forks-daemon");
    std::thread::scope(|scope| {
        let cases = [("TERM", 143), ("HUP", 129)].map(|(signal, code)| {
            let source = &source;
            scope.spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                // A private copy under the node's own name: `test-nodes` runs the node it is
                // called by.
                let node = dir.path().join("forks-daemon");
                std::fs::copy(source, &node).unwrap();
                let node = node.canonicalize().unwrap();
                let runs = dir.path().join("runs");
                let mut grader = Command::new(env!("CARGO_BIN_EXE_grader"))
                    .args([
                        "1",
                        "--engine",
                        "builtin",
                        "--bin",
                        node.to_str().unwrap(),
                        "--runs-dir",
                    ])
                    .arg(&runs)
                    .current_dir(support::workspace())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("the grader starts");
                let started = wait_until(Duration::from_secs(30), || {
                    helper_pids(&runs).len() == 2 && !processes_running(&node).is_empty()
                });
                let mut pids = helper_pids(&runs);
                pids.extend(processes_running(&node));
                let signalled = Command::new("kill")
                    .args([&format!("-{signal}"), &grader.id().to_string()])
                    .status()
                    .is_ok_and(|s| s.success());
                let exited = wait_until(Duration::from_secs(10), || {
                    grader.try_wait().ok().flatten().is_some()
                });
                if !exited {
                    let _ = grader.kill();
                }
                let status = grader.wait().unwrap();
                let all_gone = wait_until(Duration::from_secs(5), || pids.iter().all(|&p| gone(p)));
                (
                    signal,
                    started,
                    signalled,
                    status.code(),
                    code,
                    pids,
                    all_gone,
                )
            })
        });
        for case in cases {
            let (signal, started, signalled, got, want, pids, all_gone) = case.join().unwrap();
            assert!(
                started,
                "SIG{signal}: the node and its two helpers never started"
            );
            assert!(signalled);
            assert_eq!(got, Some(want), "SIG{signal} exits {want}");
            assert_eq!(pids.len(), 3, "SIG{signal}: node and helpers {pids:?}");
            let left: Vec<_> = pids.iter().filter(|&&p| !gone(p)).collect();
            assert!(all_gone, "SIG{signal} left {left:?} running");
        }
    });
}
