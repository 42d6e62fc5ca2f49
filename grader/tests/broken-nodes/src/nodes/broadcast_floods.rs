//! A broken broadcast node: correct on a healthy network, but wasteful. On every message it receives
//! from a client (reads included) it tells every other node the newest value it has, and each of
//! them acknowledges. Every value reaches every node in one hop, so levels 3a and 3b pass it, and
//! 3d's values all arrive within about 100 ms; but that costs about 48 node-to-node messages per
//! operation, and levels 3d (< 30) and 3e (< 20) must fail it on msgs-per-op.
//!
//! It floods in count, not in size: one value per message keeps the test that grades it quick (a
//! node that sent its whole set each time made the grading tests' slowest run).

use std::collections::{BTreeSet, HashMap};

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Topology {
        topology: HashMap<String, Vec<String>>,
    },
    TopologyOk,
    Broadcast {
        message: u64,
    },
    BroadcastOk,
    Read,
    ReadOk {
        messages: Vec<u64>,
    },
    /// Everything the sender knows.
    Gossip {
        messages: Vec<u64>,
    },
    GossipOk,
}

#[derive(Debug)]
struct Flooder {
    seen: BTreeSet<u64>,
    /// The value of the latest broadcast this node received from a client.
    last: Option<u64>,
}

impl Flooder {
    /// The mistake: a message to everyone, every time, new value or not.
    fn flood(&self, ctx: &mut Context<Self>) {
        let newest: Vec<u64> = self.last.into_iter().collect();
        for peer in ctx.peers() {
            ctx.send(
                peer,
                Payload::Gossip {
                    messages: newest.clone(),
                },
            );
        }
    }
}

impl Node for Flooder {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(Flooder {
            seen: BTreeSet::new(),
            last: None,
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Topology { .. } => ctx.reply(&to, Payload::TopologyOk),
            Payload::Broadcast { message } => {
                self.seen.insert(message);
                self.last = Some(message);
                ctx.reply(&to, Payload::BroadcastOk);
                self.flood(ctx);
            }
            Payload::Read => {
                ctx.reply(
                    &to,
                    Payload::ReadOk {
                        messages: self.seen.iter().copied().collect(),
                    },
                );
                self.flood(ctx);
            }
            Payload::Gossip { messages } => {
                self.seen.extend(messages);
                ctx.reply(&to, Payload::GossipOk);
            }
            Payload::TopologyOk
            | Payload::BroadcastOk
            | Payload::ReadOk { .. }
            | Payload::GossipOk => {}
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<Flooder>()
}
