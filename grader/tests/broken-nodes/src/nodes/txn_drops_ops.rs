//! A broken single-node transaction store: it runs every micro-op, but its `txn_ok` leaves out
//! the last one of any transaction longer than one. Maelstrom's checker judges whatever comes
//! back; the course holds a reply to its request, so level 6a must fail it and name the op.

use std::collections::BTreeMap;

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn {
        txn: Vec<(String, u64, Option<u64>)>,
    },
    TxnOk {
        txn: Vec<(String, u64, Option<u64>)>,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug)]
struct DropsOps {
    registers: BTreeMap<u64, u64>,
}

impl Node for DropsOps {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(DropsOps {
            registers: BTreeMap::new(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        if let Payload::Txn { mut txn } = msg.body.payload {
            for (f, key, value) in &mut txn {
                if f == "r" {
                    *value = self.registers.get(key).copied();
                } else if let Some(v) = *value {
                    self.registers.insert(*key, v);
                }
            }
            // The mistake: the reply loses the transaction's last micro-op.
            if txn.len() > 1 {
                txn.pop();
            }
            ctx.reply(&to, Payload::TxnOk { txn });
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<DropsOps>()
}
