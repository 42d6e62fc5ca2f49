//! A g-counter node for 4 that keeps the count in `seq-kv` under one key.
//!
//! An add reads the counter, then `cas`es it from what it read to that plus the delta, and starts
//! over when the cas fails (a stale read, or another node got there first); the client hears
//! `add_ok` only once the cas succeeded. A read first writes a value unique to this node, which
//! moves this node's view of `seq-kv` to the newest state, then reads the counter: a fresh read.
//!
//! With the node argument `lose-adds` it acknowledges the first non-zero add without applying it,
//! a lost update the checker must catch.
use std::collections::HashMap;

use serde_json::{json, Value};
use test_nodes::{send, serve, Msg};

const KV: &str = "seq-kv";
const KEY: &str = "counter";

/// What a request to seq-kv is for: the client request it serves, and the step.
enum Step {
    AddRead { client: Msg, delta: i64 },
    AddCas { client: Msg, delta: i64 },
    ReadFresh { client: Msg },
    ReadValue { client: Msg },
}

/// Requests in flight to seq-kv, by msg_id.
#[derive(Default)]
struct Kv {
    last_msg_id: u64,
    waiting: HashMap<u64, Step>,
}

impl Kv {
    fn request(&mut self, node: &str, mut body: Value, step: Step) {
        self.last_msg_id += 1;
        body["msg_id"] = self.last_msg_id.into();
        self.waiting.insert(self.last_msg_id, step);
        send(node, KV, body);
    }
}

pub fn run() {
    let lose_adds = std::env::args().any(|a| a == "lose-adds");
    let mut lost_one = false;
    let mut fresh_writes = 0u64;
    let mut kv = Kv::default();
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "add" => {
            let delta = msg.body["delta"].as_i64().unwrap_or(0);
            if delta == 0 || (lose_adds && !lost_one) {
                lost_one |= delta != 0;
                send(&node.id, &msg.src, msg.reply("add_ok"));
            } else {
                let read = json!({"type": "read", "key": KEY});
                kv.request(&node.id, read, Step::AddRead { client: msg, delta });
            }
        }
        "read" => {
            fresh_writes += 1;
            let key = format!("fresh-{}", node.id);
            let write = json!({"type": "write", "key": key, "value": fresh_writes});
            kv.request(&node.id, write, Step::ReadFresh { client: msg });
        }
        _ => {
            let Some(step) = msg.body["in_reply_to"]
                .as_u64()
                .and_then(|id| kv.waiting.remove(&id))
            else {
                return;
            };
            let ok = msg.kind() != "error";
            // A missing counter reads as 0.
            let value = msg.body["value"].as_i64().unwrap_or(0);
            let read = json!({"type": "read", "key": KEY});
            match step {
                Step::AddRead { client, delta } => {
                    let cas = json!({"type": "cas", "key": KEY, "from": value,
                                     "to": value + delta, "create_if_not_exists": true});
                    kv.request(&node.id, cas, Step::AddCas { client, delta });
                }
                Step::AddCas { client, .. } if ok => {
                    send(&node.id, &client.src, client.reply("add_ok"));
                }
                Step::AddCas { client, delta } => {
                    kv.request(&node.id, read, Step::AddRead { client, delta });
                }
                Step::ReadFresh { client } => {
                    kv.request(&node.id, read, Step::ReadValue { client });
                }
                Step::ReadValue { client } => {
                    let mut body = client.reply("read_ok");
                    body["value"] = value.into();
                    send(&node.id, &client.src, body);
                }
            }
        }
    });
}
