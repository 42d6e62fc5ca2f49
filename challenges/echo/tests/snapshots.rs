//! The tests that judge level 1, for your node (`cargo test -p echo`) and for the reference solution
//! alike: both run this file against the snapshots in `tests/snapshots/`.
//!
//! Each test drives the node in-process with `common::testing` and compares the transcript of every
//! message exchanged with the recorded one. When a test fails, the diff shows which message differs.

use common::testing::Cluster;
use echo::EchoNode;
use serde_json::json;

#[test]
fn level_1_echoes_each_request_back() {
    let mut cluster = Cluster::<EchoNode>::start(1);
    for text in ["Please echo 35", "Please echo 0", "Please echo 127"] {
        cluster.request("n0", json!({ "type": "echo", "echo": text }));
    }
    common::assert_course_snapshot!("echo", cluster.transcript());
}

#[test]
fn level_1_echoes_any_text_unchanged() {
    let mut cluster = Cluster::<EchoNode>::start(1);
    cluster.take_transcript();
    for text in [
        "",
        "  spaces  ",
        "ünïcödé ✓",
        "quotes \" and \\ backslashes",
        "line\nbreak",
    ] {
        cluster.request("n0", json!({ "type": "echo", "echo": text }));
    }
    common::assert_course_snapshot!("echo_any_text", cluster.transcript());
}

/// Stdout is the wire: the real executable, over a short scripted exchange, prints nothing but
/// protocol messages (log with `eprintln!`; a stray `println!` fails the grader).
#[test]
fn level_1_prints_only_messages_on_stdout() {
    common::assert_stdout_is_the_wire!(1, [json!({"type": "echo", "echo": "Please echo 35"})]);
}
