//! Tiny raw-protocol Maelstrom nodes, correct and misbehaving, for the grader's end-to-end tests.
//! Every file in `src/nodes/` is one node, named after what it does.
//!
//! They are one executable that runs the node it is called by, as busybox does: the tests link
//! it under each node's name (`raw-echo`, `hangs`, …) and run that path. One link instead of
//! twenty-six keeps their build to a few seconds of a fresh clone's test run. `test-nodes --list`
//! prints the names.

mod nodes {
    pub mod blank_line;
    pub mod exits_at_start;
    pub mod flood;
    pub mod forks_daemon;
    pub mod hangs;
    pub mod huge_line;
    pub mod init_only;
    pub mod mute;
    pub mod not_json;
    pub mod odd_json;
    pub mod panics;
    pub mod raw_broadcast;
    pub mod raw_echo;
    pub mod raw_g_counter;
    pub mod raw_kafka;
    pub mod raw_txn;
    pub mod raw_unique_ids;
    pub mod replies_twice;
    pub mod reply_to_closed;
    pub mod src_spoof;
    pub mod stderr_bytes;
    pub mod stderr_flood;
    pub mod stdout_bytes;
    pub mod unfinished_line;
    pub mod wrong_in_reply_to;
    pub mod wrong_init;
}
use nodes::*;

/// Every node, by the name it is called by.
const NODES: &[(&str, fn())] = &[
    ("blank-line", blank_line::run),
    ("exits-at-start", exits_at_start::run),
    ("flood", flood::run),
    ("forks-daemon", forks_daemon::run),
    ("hangs", hangs::run),
    ("huge-line", huge_line::run),
    ("init-only", init_only::run),
    ("mute", mute::run),
    ("not-json", not_json::run),
    ("odd-json", odd_json::run),
    ("panics", panics::run),
    ("raw-broadcast", raw_broadcast::run),
    ("raw-echo", raw_echo::run),
    ("raw-g-counter", raw_g_counter::run),
    ("raw-kafka", raw_kafka::run),
    ("raw-txn", raw_txn::run),
    ("raw-unique-ids", raw_unique_ids::run),
    ("replies-twice", replies_twice::run),
    ("reply-to-closed", reply_to_closed::run),
    ("src-spoof", src_spoof::run),
    ("stderr-bytes", stderr_bytes::run),
    ("stderr-flood", stderr_flood::run),
    ("stdout-bytes", stdout_bytes::run),
    ("unfinished-line", unfinished_line::run),
    ("wrong-in-reply-to", wrong_in_reply_to::run),
    ("wrong-init", wrong_init::run),
];

fn main() {
    let called = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&called)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy();
    if let Some((_, run)) = NODES.iter().find(|(node, _)| *node == name) {
        return run();
    }
    if std::env::args().nth(1).as_deref() == Some("--list") {
        NODES.iter().for_each(|(node, _)| println!("{node}"));
        return;
    }
    eprintln!(
        "called as {name}, which names no test node: link this executable under one of the names \
         `--list` prints"
    );
    std::process::exit(2);
}
