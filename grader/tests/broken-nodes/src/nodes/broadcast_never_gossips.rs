//! A broken broadcast node: it answers every request correctly but keeps values to itself, never
//! telling another node. Level 3a passes it (one node has nothing to tell); level 3b must fail it,
//! naming the values that never reached the other nodes.

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
}

#[derive(Debug)]
struct Hoarder {
    seen: BTreeSet<u64>,
}

impl Node for Hoarder {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(Hoarder {
            seen: BTreeSet::new(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Topology { .. } => ctx.reply(&to, Payload::TopologyOk),
            Payload::Broadcast { message } => {
                // The mistake: the value stays here; no other node ever hears of it.
                self.seen.insert(message);
                ctx.reply(&to, Payload::BroadcastOk);
            }
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
    common::run::<Hoarder>()
}
