//! Reference solution for level 2, Unique ID generation.
//!
//! Node ids are unique in the cluster and a node never repeats its own counter, so the pair
//! `"<node id>-<counter>"` is unique without any coordination — which is what total availability
//! under partitions demands. (A node that restarted would reuse counters; Maelstrom never restarts
//! nodes, and a real system would add an epoch or a random component.)

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Generate,
    GenerateOk { id: String },
}

#[derive(Debug)]
pub struct UniqueIdsNode {
    next: u64,
}

impl Node for UniqueIdsNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(UniqueIdsNode { next: 0 })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Generate => {
                let id = format!("{}-{}", ctx.node_id(), self.next);
                self.next += 1;
                ctx.reply(&to, Payload::GenerateOk { id });
            }
            Payload::GenerateOk { .. } => {}
        }
        Ok(())
    }
}
