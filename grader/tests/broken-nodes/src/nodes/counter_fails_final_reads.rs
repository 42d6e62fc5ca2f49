//! A broken grow-only counter that never converges and hides it: each node answers reads with its
//! own local total during the run (reads then are never checked), and once the run's 20 s are
//! over it answers every read — the final reads — with an error. Maelstrom's counter checker
//! passes it ("no successful final read"); level 4 must fail it by the course's rule that each
//! node answers a final read. Its clock is `ctx.now()`, so it misbehaves alike in real time and
//! in the simulator.

use std::time::Duration;

use common::{Context, Error, ErrorCode, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// Level 4 runs for 20 s; the final reads come 10 s after.
const RUN_LENGTH: Duration = Duration::from_secs(21);

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Add { delta: u64 },
    AddOk,
    Read,
    ReadOk { value: u64 },
}

#[derive(Debug)]
struct FailsFinalReads {
    total: u64,
}

impl Node for FailsFinalReads {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(FailsFinalReads { total: 0 })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Add { delta } => {
                self.total += delta;
                ctx.reply(&to, Payload::AddOk);
            }
            Payload::Read if ctx.now() < RUN_LENGTH => {
                ctx.reply(&to, Payload::ReadOk { value: self.total });
            }
            Payload::Read => ctx.reply_error(
                &to,
                Error::new(ErrorCode::TemporarilyUnavailable, "still converging"),
            ),
            Payload::AddOk | Payload::ReadOk { .. } => {}
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<FailsFinalReads>()
}
