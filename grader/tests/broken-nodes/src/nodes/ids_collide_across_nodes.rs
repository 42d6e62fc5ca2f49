//! A broken unique-ids node: a per-node counter without the node id, so the three nodes of
//! level 2 hand out the same ids. Level 2 must fail it, naming the duplicated ids.

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Generate,
    GenerateOk { id: u64 },
}

#[derive(Debug)]
struct CollidingIds {
    next: u64,
}

impl Node for CollidingIds {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(CollidingIds { next: 0 })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        if let Payload::Generate = msg.body.payload {
            // The mistake: unique within this node only.
            self.next += 1;
            ctx.reply(&to, Payload::GenerateOk { id: self.next });
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<CollidingIds>()
}
