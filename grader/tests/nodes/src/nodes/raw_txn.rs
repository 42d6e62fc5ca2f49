//! A single-node txn-rw-register for 6a: transactions run one at a time against one map, so
//! every history is serializable.
//!
//! With the node argument `abort-after-write` every third transaction that writes is applied and
//! then answered with a definite error (txn-conflict): its writes stay visible although the
//! client was told they failed, an aborted read (G1a) the checker must catch under
//! read-committed.
use std::collections::HashMap;

use serde_json::{json, Value};
use test_nodes::{send, serve};

pub fn run() {
    let abort_after_write = std::env::args().any(|a| a == "abort-after-write");
    let mut writing_txns = 0u64;
    // Keys and values as the client sent them (JSON), keys rendered to strings.
    let mut registers: HashMap<String, Value> = HashMap::new();
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "txn" => {
            let mut done = Vec::new();
            let mut wrote = false;
            for mop in msg.body["txn"].as_array().into_iter().flatten() {
                let (f, k, v) = (&mop[0], &mop[1], &mop[2]);
                if f == "r" {
                    let read = registers
                        .get(&k.to_string())
                        .cloned()
                        .unwrap_or(Value::Null);
                    done.push(json!(["r", k, read]));
                } else {
                    registers.insert(k.to_string(), v.clone());
                    wrote = true;
                    done.push(json!(["w", k, v]));
                }
            }
            writing_txns += u64::from(wrote);
            if abort_after_write && wrote && writing_txns.is_multiple_of(3) {
                let mut body = msg.reply("error");
                body["code"] = 30.into();
                body["text"] = "txn-conflict (after applying it anyway)".into();
                send(&node.id, &msg.src, body);
                return;
            }
            let mut body = msg.reply("txn_ok");
            body["txn"] = done.into();
            send(&node.id, &msg.src, body);
        }
        _ => {}
    });
}
