//! Stdout is the wire: [`assert_stdout_is_the_wire!`](crate::assert_stdout_is_the_wire) runs the
//! node's real executable over a short scripted exchange and rejects any stdout line that is not a
//! protocol message.
//!
//! The in-process [`Cluster`](super::Cluster) never sees what a node `println!`s, so a debug print
//! passes every snapshot test and then fails under the grader (Maelstrom stops reading a node that
//! prints a line that is not JSON). This check catches it in `cargo test`, with the grader's advice.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long the node gets after the last request for its timers to run before stdin closes.
const SETTLE: Duration = Duration::from_millis(300);
/// How long the node gets to exit once stdin is closed before it is killed.
const EXIT_WITHIN: Duration = Duration::from_secs(5);
/// At most this much of the node's stdout is read (a node stuck printing must not fill memory).
const MAX_LINES: usize = 10_000;

/// Runs `command` as node `n0` of `node_count`, sends it `init` and then each of `requests` (bodies,
/// from client `c1`), and returns the first stdout line that is not a protocol message, explained
/// as the grader explains it. `Ok` when every line is a message.
#[doc(hidden)]
pub fn check(command: Command, node_count: usize, requests: &[Value]) -> Result<(), String> {
    check_within(command, node_count, requests, EXIT_WITHIN)
}

/// [`check`], with `exit_within` for [`EXIT_WITHIN`] (the test of a node that never exits).
fn check_within(
    mut command: Command,
    node_count: usize,
    requests: &[Value],
    exit_within: Duration,
) -> Result<(), String> {
    let node_ids: Vec<String> = (0..node_count.max(1)).map(|i| format!("n{i}")).collect();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start the node {command:?}: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    // Read on a thread that reports through a channel, so that a pipe some leftover process
    // keeps open cannot hold the test past its deadline.
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take(MAX_LINES)
            .collect();
        let _ = lines_tx.send(lines);
    });

    let mut stdin = child.stdin.take().expect("stdin is piped");
    let init = json!({"src": "c0", "dest": "n0", "body": {
        "type": "init", "msg_id": 1, "node_id": "n0", "node_ids": node_ids,
    }});
    let mut script = vec![init];
    for (i, body) in requests.iter().enumerate() {
        let mut body = body.clone();
        if let Some(map) = body.as_object_mut() {
            map.insert("msg_id".into(), (i as u64 + 1).into());
        }
        script.push(json!({"src": "c1", "dest": "n0", "body": body}));
    }
    for line in &script {
        // A node that exits early closes the pipe; what it printed is still judged below.
        if writeln!(stdin, "{line}").is_err() {
            break;
        }
    }
    let _ = stdin.flush();
    std::thread::sleep(SETTLE);
    drop(stdin);

    let deadline = Instant::now() + exit_within;
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    let lines = lines_rx.recv_timeout(exit_within).unwrap_or_default();

    for line in &lines {
        if let Some(problem) = problem_with(line) {
            return Err(format!(
                "n0 {problem}\nOnly protocol messages may go to stdout; print logs with \
                 eprintln!. (The grader fails this node for the same line: Maelstrom stops \
                 reading a node's stdout at its first line that is not a message.)"
            ));
        }
    }
    Ok(())
}

/// What is wrong with one stdout line, in the grader's words, or `None` for a message.
fn problem_with(line: &str) -> Option<String> {
    let shown: String = line.chars().take(160).collect();
    if line.trim().is_empty() {
        return Some(
            "printed an empty line on stdout — each stdout line must be exactly one JSON message \
             (is a newline printed twice, e.g. println! of text that already ends in \\n?)"
                .to_owned(),
        );
    }
    let Ok(value) = serde_json::from_str::<Value>(line) else {
        return Some(format!(
            "printed a line that is not JSON: `{shown}` — debug output belongs on stderr"
        ));
    };
    let is_message =
        value["src"].is_string() && value["dest"].is_string() && value["body"].is_object();
    (!is_message).then(|| {
        format!(
            "printed JSON that is not a message: `{shown}` — a message looks like \
             {{\"src\":…,\"dest\":…,\"body\":{{…}}}}"
        )
    })
}

/// Asserts that the calling crate's node executable prints nothing but protocol messages on stdout
/// while it answers `init` (as `n0` of `node_count` nodes) and then each request body in
/// `requests`. Use it in an integration test of a package whose executable has the package's name.
#[macro_export]
macro_rules! assert_stdout_is_the_wire {
    ($node_count:expr, $requests:expr $(,)?) => {{
        let node =
            ::std::process::Command::new(env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"))));
        if let Err(problem) = $crate::testing::stdout_check::check(node, $node_count, &$requests) {
            panic!("{problem}");
        }
    }};
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    const REPLY: &str =
        r#"echo '{"src":"n0","dest":"c0","body":{"type":"init_ok","in_reply_to":1}}'"#;

    #[test]
    fn messages_only_pass() {
        let node = shell(&format!("read line; {REPLY}; cat >/dev/null"));
        assert_eq!(check(node, 1, &[json!({"type": "echo"})]), Ok(()));
    }

    #[test]
    fn a_debug_print_fails_with_the_graders_advice() {
        let node = shell(&format!(
            "read line; {REPLY}; echo 'got init'; cat >/dev/null"
        ));
        let problem = check(node, 1, &[]).unwrap_err();
        assert!(
            problem.contains("n0 printed a line that is not JSON: `got init`"),
            "{problem}"
        );
        assert!(problem.contains("eprintln!"), "{problem}");
    }

    #[test]
    fn blank_lines_and_json_that_is_not_a_message_fail() {
        let blank = shell("read line; echo; cat >/dev/null");
        assert!(check(blank, 1, &[]).unwrap_err().contains("empty line"));
        let bare = shell(r#"read line; echo '{"type":"init_ok"}'; cat >/dev/null"#);
        assert!(check(bare, 1, &[])
            .unwrap_err()
            .contains("JSON that is not a message"));
    }

    #[test]
    fn a_node_that_never_exits_is_killed() {
        let started = Instant::now();
        let within = Duration::from_millis(200);
        assert_eq!(check_within(shell("exec sleep 30"), 1, &[], within), Ok(()));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
