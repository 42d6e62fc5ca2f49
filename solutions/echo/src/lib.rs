//! Reference solution for level 1, Echo: answer every `echo` with an `echo_ok` carrying the same text.
//!
//! The runtime fills in `msg_id` and `in_reply_to`, so the whole node is one match arm.

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Echo { echo: String },
    EchoOk { echo: String },
}

#[derive(Debug)]
pub struct EchoNode;

impl Node for EchoNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(EchoNode)
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Echo { echo } => ctx.reply(&to, Payload::EchoOk { echo }),
            // Nobody sends us replies; ignore one rather than answer it with an error.
            Payload::EchoOk { .. } => {}
        }
        Ok(())
    }
}
