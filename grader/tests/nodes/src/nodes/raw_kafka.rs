//! A single-node kafka log for 5a: per key, messages at offsets 0, 1, 2, …; a poll returns every
//! message from the asked offset on; committed offsets are kept and listed.
//!
//! With the node argument `reuse-offsets` the second message of every key gets the first one's
//! offset, so one offset holds two messages: the checker must report inconsistent offsets.
use std::collections::BTreeMap;

use serde_json::{json, Value};
use test_nodes::{send, serve};

pub fn run() {
    let reuse_offsets = std::env::args().any(|a| a == "reuse-offsets");
    // Key → its log of (offset, message).
    let mut logs: BTreeMap<String, Vec<(i64, Value)>> = BTreeMap::new();
    let mut committed: BTreeMap<String, i64> = BTreeMap::new();
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "send" => {
            let key = msg.body["key"].as_str().unwrap_or("").to_owned();
            let log = logs.entry(key).or_default();
            let offset = match log.len() {
                1 if reuse_offsets => log[0].0,
                n => n as i64,
            };
            log.push((offset, msg.body["msg"].clone()));
            let mut body = msg.reply("send_ok");
            body["offset"] = offset.into();
            send(&node.id, &msg.src, body);
        }
        "poll" => {
            let mut msgs = serde_json::Map::new();
            for (key, from) in msg.body["offsets"].as_object().into_iter().flatten() {
                let from = from.as_i64().unwrap_or(0);
                let Some(log) = logs.get(key) else { continue };
                let pairs: Vec<Value> = log
                    .iter()
                    .filter(|(offset, _)| *offset >= from)
                    .map(|(offset, m)| json!([offset, m]))
                    .collect();
                msgs.insert(key.clone(), pairs.into());
            }
            let mut body = msg.reply("poll_ok");
            body["msgs"] = msgs.into();
            send(&node.id, &msg.src, body);
        }
        "commit_offsets" => {
            for (key, offset) in msg.body["offsets"].as_object().into_iter().flatten() {
                let offset = offset.as_i64().unwrap_or(0);
                let c = committed.entry(key.clone()).or_insert(offset);
                *c = (*c).max(offset);
            }
            send(&node.id, &msg.src, msg.reply("commit_offsets_ok"));
        }
        "list_committed_offsets" => {
            let offsets: serde_json::Map<String, Value> = msg.body["keys"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str())
                .filter_map(|k| committed.get(k).map(|o| (k.to_owned(), (*o).into())))
                .collect();
            let mut body = msg.reply("list_committed_offsets_ok");
            body["offsets"] = offsets.into();
            send(&node.id, &msg.src, body);
        }
        _ => {}
    });
}
