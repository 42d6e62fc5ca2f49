//! A broadcast node good enough for 3b: a value seen for the first time is forwarded to every
//! topology neighbour except the one it came from. No retries, so it loses values under
//! partitions.
use std::collections::BTreeSet;

use serde_json::json;
use test_nodes::{send, serve};

pub fn run() {
    let mut seen = BTreeSet::new();
    let mut neighbours: Vec<String> = Vec::new();
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "topology" => {
            neighbours = msg.body["topology"][&node.id]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            send(&node.id, &msg.src, msg.reply("topology_ok"));
        }
        "broadcast" => {
            let value = msg.body["message"].as_i64().unwrap_or(-1);
            if seen.insert(value) {
                for n in neighbours.iter().filter(|n| **n != msg.src) {
                    send(&node.id, n, json!({"type": "broadcast", "message": value}));
                }
            }
            // Only client requests carry a msg_id; gossip from peers is not answered.
            if msg.body.get("msg_id").is_some() {
                send(&node.id, &msg.src, msg.reply("broadcast_ok"));
            }
        }
        "read" => {
            let mut body = msg.reply("read_ok");
            body["messages"] = seen.iter().copied().collect::<Vec<_>>().into();
            send(&node.id, &msg.src, body);
        }
        _ => {}
    });
}
