//! A broken txn node: it replicates every write micro-op as it executes, instead of a finished
//! transaction's final writes. Level 6c (read-committed) must fail it, naming G1b; it passes 6a and
//! 6b, whose read-uncommitted model allows the same reads.
//!
//! Everything else is the reference design: transactions run atomically on their node and are
//! answered at once, writes carry the transaction's `(Lamport clock, node index)` version, and a
//! peer installs a write only if that version is newer than the key's — the usual last-writer-wins
//! test, which also makes retried messages harmless. The mistake: `[["w",1,1],["w",1,2]]` sends
//! both writes, with the same version, in order. The peer installs `1`, then skips `2` as not newer
//! — so the peer holds a value its own transaction overwrote before it committed, and its readers
//! see it: an intermediate read, G1b. (Had the peer installed equal versions too, the intermediate
//! value would still be visible between the two messages, only less often.) Transactions that write
//! one key twice are common in Maelstrom's workload, and the skewed key choice makes the peer read
//! such keys soon after, so every run shows it.

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

const RESEND_EVERY: Duration = Duration::from_millis(100);
const RESEND_LIMIT: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Kind {
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "w")]
    Write,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct MicroOp(Kind, u64, Option<u64>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Version(u64, u64);

/// One write micro-op on its way to a peer.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Write {
    seq: u64,
    version: Version,
    key: u64,
    value: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
    Replicate { writes: Vec<Write> },
    ReplicateOk { seqs: Vec<u64> },
}

#[derive(Debug)]
struct DirtyReads {
    registers: BTreeMap<u64, (u64, Version)>,
    clock: u64,
    index: u64,
    next_seq: u64,
    unacked: BTreeMap<String, BTreeMap<u64, Write>>,
}

impl DirtyReads {
    fn resend(&mut self, ctx: &mut Context<Self>) {
        for (peer, writes) in &self.unacked {
            if !writes.is_empty() {
                let writes = writes.values().take(RESEND_LIMIT).cloned().collect();
                ctx.send(peer, Payload::Replicate { writes });
            }
        }
    }
}

impl Node for DirtyReads {
    type Payload = Payload;

    fn init(init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        let index = init
            .node_ids
            .iter()
            .position(|id| *id == init.node_id)
            .unwrap_or(0) as u64;
        ctx.every(RESEND_EVERY, |node: &mut DirtyReads, ctx| node.resend(ctx));
        Ok(DirtyReads {
            registers: BTreeMap::new(),
            clock: 0,
            index,
            next_seq: 0,
            unacked: ctx
                .peers()
                .into_iter()
                .map(|p| (p, BTreeMap::new()))
                .collect(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Txn { mut txn } => {
                self.clock += 1;
                let version = Version(self.clock, self.index);
                for MicroOp(kind, key, value) in &mut txn {
                    match (kind, *value) {
                        (Kind::Read, _) => *value = self.registers.get(key).map(|r| r.0),
                        (Kind::Write, Some(v)) => {
                            self.registers.insert(*key, (v, version));
                            // The mistake: this write leaves now, on its own, even if a later
                            // micro-op of this transaction overwrites it.
                            self.next_seq += 1;
                            let write = Write {
                                seq: self.next_seq,
                                version,
                                key: *key,
                                value: v,
                            };
                            for (peer, unacked) in &mut self.unacked {
                                unacked.insert(write.seq, write.clone());
                                let writes = vec![write.clone()];
                                ctx.send(peer, Payload::Replicate { writes });
                            }
                        }
                        (Kind::Write, None) => {}
                    }
                }
                ctx.reply(&to, Payload::TxnOk { txn });
            }
            Payload::Replicate { writes } => {
                for w in &writes {
                    self.clock = self.clock.max(w.version.0);
                    let newer = self.registers.get(&w.key).is_none_or(|r| r.1 < w.version);
                    if newer {
                        self.registers.insert(w.key, (w.value, w.version));
                    }
                }
                let seqs = writes.iter().map(|w| w.seq).collect();
                ctx.reply(&to, Payload::ReplicateOk { seqs });
            }
            Payload::ReplicateOk { seqs } => {
                if let Some(unacked) = self.unacked.get_mut(&msg.src) {
                    for seq in seqs {
                        unacked.remove(&seq);
                    }
                }
            }
            Payload::TxnOk { .. } => {}
        }
        Ok(())
    }
}

pub fn run() -> anyhow::Result<()> {
    common::run::<DirtyReads>()
}
