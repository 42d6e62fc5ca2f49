//! A broken Kafka-style log: each node hands out a key's offsets on its own (its own counter per
//! key), then tells the other nodes about the message. With two nodes taking sends for the same
//! key, both give out the same offsets to different messages. Level 5a passes (one node); level 5b
//! must fail it: one offset holds two messages (`inconsistent-offsets`), and polls skip or go back.

use std::collections::{BTreeMap, HashMap};

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Send {
        key: String,
        msg: Value,
    },
    SendOk {
        offset: u64,
    },
    Poll {
        offsets: BTreeMap<String, u64>,
    },
    PollOk {
        msgs: BTreeMap<String, Vec<(u64, Value)>>,
    },
    CommitOffsets {
        offsets: BTreeMap<String, u64>,
    },
    CommitOffsetsOk,
    ListCommittedOffsets {
        keys: Vec<String>,
    },
    ListCommittedOffsetsOk {
        offsets: BTreeMap<String, u64>,
    },
    /// Fire-and-forget: "I put `msg` at `offset` of `key`".
    Stored {
        key: String,
        offset: u64,
        msg: Value,
    },
}

#[derive(Debug)]
struct UncoordinatedLog {
    logs: HashMap<String, BTreeMap<u64, Value>>,
    committed: BTreeMap<String, u64>,
}

impl Node for UncoordinatedLog {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(UncoordinatedLog {
            logs: HashMap::new(),
            committed: BTreeMap::new(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Send { key, msg } => {
                // The mistake: "next offset" is only this node's idea of it.
                let log = self.logs.entry(key.clone()).or_default();
                let offset = log.keys().next_back().map_or(0, |last| last + 1);
                log.insert(offset, msg.clone());
                for peer in ctx.peers() {
                    let stored = Payload::Stored {
                        key: key.clone(),
                        offset,
                        msg: msg.clone(),
                    };
                    ctx.send(peer, stored);
                }
                ctx.reply(&to, Payload::SendOk { offset });
            }
            Payload::Stored { key, offset, msg } => {
                self.logs
                    .entry(key)
                    .or_default()
                    .entry(offset)
                    .or_insert(msg);
            }
            Payload::Poll { offsets } => {
                let mut msgs = BTreeMap::new();
                for (key, from) in offsets {
                    let found: Vec<(u64, Value)> = self
                        .logs
                        .get(&key)
                        .map(|log| log.range(from..).map(|(o, m)| (*o, m.clone())).collect())
                        .unwrap_or_default();
                    if !found.is_empty() {
                        msgs.insert(key, found);
                    }
                }
                ctx.reply(&to, Payload::PollOk { msgs });
            }
            Payload::CommitOffsets { offsets } => {
                for (key, offset) in offsets {
                    let current = self.committed.entry(key).or_insert(offset);
                    *current = (*current).max(offset);
                }
                ctx.reply(&to, Payload::CommitOffsetsOk);
            }
            Payload::ListCommittedOffsets { keys } => {
                let offsets = keys
                    .into_iter()
                    .filter_map(|key| self.committed.get(&key).map(|&o| (key, o)))
                    .collect();
                ctx.reply(&to, Payload::ListCommittedOffsetsOk { offsets });
            }
            Payload::SendOk { .. }
            | Payload::PollOk { .. }
            | Payload::CommitOffsetsOk
            | Payload::ListCommittedOffsetsOk { .. } => {}
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<UncoordinatedLog>()
}
