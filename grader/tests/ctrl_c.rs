//! No node process outlives the grader: not at the end of a run, and not when the learner presses
//! Ctrl-C in the middle of one.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
    std::fs::copy(support::broken_node("broadcast-never-gossips"), &node).unwrap();
    let node = node.canonicalize().unwrap();

    let mut grader = Command::new(env!("CARGO_BIN_EXE_grader"))
        // Real time: a plain `grader 3b` would first fail this node in the simulator, at once.
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
