//! A broken broadcast node: it forwards each new value once to its neighbours in the given topology
//! and never again, with no acknowledgement and no retry. On a healthy network that is enough (levels
//! 3a and 3b pass it); level 3c must fail it, because a value forwarded across a partition is simply
//! lost and the nodes behind the cut never get it.

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
    /// A value passed on by a neighbour; fire and forget.
    Gossip {
        message: u64,
    },
}

#[derive(Debug)]
struct OneShot {
    seen: BTreeSet<u64>,
    neighbours: Vec<String>,
}

impl OneShot {
    fn spread(&mut self, value: u64, from: Option<&str>, ctx: &mut Context<Self>) {
        if !self.seen.insert(value) {
            return;
        }
        // The mistake: one send per neighbour, whatever becomes of it.
        for neighbour in &self.neighbours {
            if Some(neighbour.as_str()) != from {
                ctx.send(neighbour, Payload::Gossip { message: value });
            }
        }
    }
}

impl Node for OneShot {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(OneShot {
            seen: BTreeSet::new(),
            neighbours: Vec::new(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Topology { mut topology } => {
                self.neighbours = topology.remove(ctx.node_id()).unwrap_or_default();
                ctx.reply(&to, Payload::TopologyOk);
            }
            Payload::Broadcast { message } => {
                self.spread(message, None, ctx);
                ctx.reply(&to, Payload::BroadcastOk);
            }
            Payload::Gossip { message } => self.spread(message, Some(&msg.src), ctx),
            Payload::Read => ctx.reply(
                &to,
                Payload::ReadOk {
                    messages: self.seen.iter().copied().collect(),
                },
            ),
            Payload::TopologyOk | Payload::BroadcastOk | Payload::ReadOk { .. } => {}
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<OneShot>()
}
