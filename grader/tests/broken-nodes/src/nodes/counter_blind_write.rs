//! A broken grow-only counter: one shared key in `seq-kv`, updated by read-modify-write with a
//! blind `write` instead of a `cas`. Two nodes that read the same (possibly stale) total both write
//! back their own `total + delta`, and one add is lost; reads are stale too. Level 4 must fail it:
//! the final reads fall short of the acknowledged total.

use common::{Context, Error, ErrorCode, Init, Kv, Message, Node, RpcResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Add { delta: u64 },
    AddOk,
    Read,
    ReadOk { value: u64 },
}

const KEY: &str = "counter";

#[derive(Debug)]
struct BlindWriteCounter;

/// A missing key reads as 0.
fn total(read: RpcResult<u64>) -> Result<u64, Error> {
    match read {
        Ok(value) => Ok(value),
        Err(e) if e.code == ErrorCode::KeyDoesNotExist => Ok(0),
        Err(e) => Err(e),
    }
}

impl Node for BlindWriteCounter {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(BlindWriteCounter)
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Add { delta } => {
                ctx.kv(Kv::Seq)
                    .read(KEY, move |_node: &mut Self, ctx, read| match total(read) {
                        // The mistake: nothing stops another add from landing between this read
                        // and this write, and the read itself may be stale.
                        Ok(value) => {
                            ctx.kv(Kv::Seq)
                                .write(KEY, value + delta, move |_, ctx, w| match w {
                                    Ok(()) => ctx.reply(&to, Payload::AddOk),
                                    Err(e) => ctx.reply_error(&to, e),
                                })
                        }
                        Err(e) => ctx.reply_error(&to, e),
                    });
            }
            Payload::Read => {
                ctx.kv(Kv::Seq)
                    .read(KEY, move |_node: &mut Self, ctx, read| match total(read) {
                        Ok(value) => ctx.reply(&to, Payload::ReadOk { value }),
                        Err(e) => ctx.reply_error(&to, e),
                    });
            }
            Payload::AddOk | Payload::ReadOk { .. } => {}
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<BlindWriteCounter>()
}
