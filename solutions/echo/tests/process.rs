//! Runs the real `echo-solution` binary the way Maelstrom does: JSON lines on stdin, JSON lines on
//! stdout, nothing else on stdout, exit 0 when stdin closes.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

#[test]
fn the_binary_speaks_maelstrom_on_stdin_and_stdout() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_echo-solution"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let input = [
        json!({"id":0,"src":"c0","dest":"n0","body":{"type":"init","node_id":"n0","node_ids":["n0"],"msg_id":1}}),
        json!({"id":1,"src":"c1","dest":"n0","body":{"type":"echo","echo":"Please echo 42","msg_id":1}}),
        json!({"id":2,"src":"c1","dest":"n0","body":{"type":"topology","topology":{},"msg_id":2}}),
    ];
    let mut stdin = child.stdin.take().unwrap();
    for line in &input {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "exit status {:?}", output.status);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let replies: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        replies,
        [
            json!({"src":"n0","dest":"c0","body":{"type":"init_ok","in_reply_to":1,"msg_id":1}}),
            json!({"src":"n0","dest":"c1","body":{"type":"echo_ok","echo":"Please echo 42","in_reply_to":1,"msg_id":2}}),
            json!({"src":"n0","dest":"c1","body":{"type":"error","code":10,"text":"unsupported message type \"topology\"","in_reply_to":2,"msg_id":3}}),
        ],
        "{stdout}"
    );
}
