//! The grader's memory against the nodes that try hardest to grow it: a flood of messages, a
//! 200 MB line, a flood of stderr, and bytes that are not UTF-8 on either stream. Each runs in
//! real time and in the simulator, all at once, and the grader's peak resident set must stay under
//! the 500 MB the README promises. The simulated flood writes 100,000 lines of 1 KB for one input
//! before the simulator stops reading it.
//!
//! A binary of its own, because the figure is the process's peak (VmHWM): beside the simulated
//! levels of the e2e binary it measured them too (530 MB once), not the hostile nodes. What each
//! node is diagnosed with is asserted in e2e's `builtin_misbehaving`; the `hostile_rss` example
//! measures one node at a time.

#[path = "e2e/support.rs"]
#[allow(dead_code)] // this binary uses a few of the e2e helpers
mod support;

use grader::builtin;
use grader::options::TestOptions;

/// The promise: whatever a node does, the grader stays under this many MB.
const LIMIT_MB: u64 = 500;

#[test]
fn hostile_nodes_leave_the_grader_under_500_mb() {
    let Some(before) = peak_rss_mb() else {
        eprintln!("skipping: no /proc/self/status to read the peak memory from");
        return;
    };
    let echo_2s = ["-w", "echo", "--node-count", "1", "--time-limit", "2"];
    let echo_3s = ["-w", "echo", "--node-count", "1", "--time-limit", "3"];
    let cases: [(&str, &[&str]); 5] = [
        ("flood", &echo_2s),
        ("huge-line", &echo_2s),
        ("stderr-flood", &echo_3s),
        ("stderr-bytes", &echo_3s),
        ("stdout-bytes", &echo_3s),
    ];
    support::test_node(""); // build once, before the threads start
    std::thread::scope(|s| {
        for (node, flags) in cases {
            let bin = support::test_node(node);
            let opts = TestOptions::parse(flags).unwrap();
            let (bin_sim, opts_sim) = (bin.clone(), opts.clone());
            s.spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                builtin::run(&opts, &bin, dir.path()).unwrap();
            });
            s.spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                builtin::simulate(&opts_sim, &bin_sim, dir.path(), 7).unwrap();
            });
        }
    });
    let peak = peak_rss_mb().unwrap_or(before);
    eprintln!("peak RSS of the grader running the hostile nodes at once: {peak} MB");
    assert!(peak < LIMIT_MB, "the grader grew to {peak} MB");
}

/// The process's peak resident set (VmHWM), in MB, where /proc tells it.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
