//! Runs the real `txn-solution` binary the way Maelstrom does: JSON lines on stdin, JSON lines on
//! stdout, and exit 0 when stdin closes. On its own it has no peer, so it must still answer at once;
//! the write leaves for the (absent) peer with the next flush, 100 ms later.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

#[test]
fn the_binary_answers_transactions_on_stdout() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_txn-solution"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let input = [
        json!({"id":0,"src":"c0","dest":"n0","body":{"type":"init","node_id":"n0","node_ids":["n0","n1"],"msg_id":1}}),
        json!({"id":1,"src":"c4","dest":"n0","body":{"type":"txn","msg_id":1,"txn":[["r",7,null],["w",7,1],["r",7,null]]}}),
    ];
    let mut stdin = child.stdin.take().unwrap();
    for line in &input {
        writeln!(stdin, "{line}").unwrap();
    }
    // Long enough for several flushes; the test ends by closing stdin, which ends the node.
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "exit status {:?}", output.status);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let to_client: Vec<&Value> = lines.iter().filter(|l| l["dest"] != "n1").collect();
    assert_eq!(
        to_client,
        [
            &json!({"src":"n0","dest":"c0","body":{"type":"init_ok","in_reply_to":1,"msg_id":1}}),
            &json!({"src":"n0","dest":"c4","body":{"type":"txn_ok","txn":[["r",7,null],["w",7,1],["r",7,1]],"in_reply_to":1,"msg_id":2}}),
        ],
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["dest"] == "n1" && l["body"]["type"] == "replicate"),
        "the write is sent to the peer with the next flush: {stdout}"
    );
}
