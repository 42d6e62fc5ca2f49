//! A broken echo: answers `echo_ok`, but with a different text than it was sent.
//! Level 1 must fail it, naming the mismatch.

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Echo { echo: String },
    EchoOk { echo: String },
}

#[derive(Debug)]
struct WrongEcho;

impl Node for WrongEcho {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(WrongEcho)
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        if let Payload::Echo { echo } = msg.body.payload {
            // The mistake: the reply is not the text that was sent.
            ctx.reply(
                &to,
                Payload::EchoOk {
                    echo: echo.to_uppercase(),
                },
            );
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<WrongEcho>()
}
