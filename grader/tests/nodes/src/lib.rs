//! Raw-protocol helpers for the test nodes: read one JSON message per stdin line, write replies
//! as one JSON line on stdout. Deliberately independent of the course's `common` crate, so that
//! the harness is tested against the wire protocol itself.

use std::io::{BufRead, Write};

use serde_json::{json, Value};

/// A node's view of one incoming message.
#[derive(Debug, Clone)]
pub struct Msg {
    pub src: String,
    pub dest: String,
    pub body: Value,
}

impl Msg {
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap_or("")
    }

    /// A reply body with `type` and `in_reply_to` filled in.
    pub fn reply(&self, kind: &str) -> Value {
        json!({"type": kind, "in_reply_to": self.body["msg_id"]})
    }
}

/// Writes one message as a JSON line and flushes.
pub fn send(src: &str, dest: &str, body: Value) {
    let line = json!({"src": src, "dest": dest, "body": body});
    let mut out = std::io::stdout().lock();
    // A closed stdout means the harness is gone: nothing left to do.
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}

/// Runs `handle` on every stdin message until EOF. `node` is this node's id once init arrived.
///
/// Speaks the simulator's step protocol (course.md, "Simulated runs") as a node in another
/// language would: when a line carries `"sim"`, the handler's output is followed by an idle line
/// (these nodes have no timers). `--no-sim` on the command line turns that off, to test how
/// `--engine sim` refuses a node that does not speak it.
pub fn serve(mut handle: impl FnMut(&mut Node, Msg)) {
    let speaks_sim = !std::env::args().any(|a| a == "--no-sim");
    let mut node = Node::default();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            eprintln!("unreadable line: {line}");
            continue;
        };
        let msg = Msg {
            src: v["src"].as_str().unwrap_or("").to_owned(),
            dest: v["dest"].as_str().unwrap_or("").to_owned(),
            body: v["body"].clone(),
        };
        if msg.kind() == "init" {
            node.id = msg.body["node_id"].as_str().unwrap_or("").to_owned();
            node.ids = msg.body["node_ids"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            node.init_client = msg.src.clone();
        }
        handle(&mut node, msg);
        if speaks_sim && v.get("sim").is_some() {
            let mut out = std::io::stdout().lock();
            let idle = r#"{"sim":{"idle":true,"next_ns":null}}"#;
            if writeln!(out, "{idle}").and_then(|_| out.flush()).is_err() {
                std::process::exit(0);
            }
        }
    }
}

/// What a node knows about itself.
#[derive(Debug, Default, Clone)]
pub struct Node {
    pub id: String,
    pub ids: Vec<String>,
    /// The client that sent init (closed once init is answered).
    pub init_client: String,
}

impl Node {
    /// Answers init correctly.
    pub fn init_ok(&self, msg: &Msg) {
        send(&self.id, &msg.src, msg.reply("init_ok"));
    }
}

/// Answers an echo request correctly.
pub fn echo_ok(node: &Node, msg: &Msg) {
    let mut body = msg.reply("echo_ok");
    body["echo"] = msg.body["echo"].clone();
    send(&node.id, &msg.src, body);
}

/// Writes raw bytes to stdout and flushes, exiting quietly if the harness is gone.
pub fn write_raw(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if out.write_all(bytes).and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
}
