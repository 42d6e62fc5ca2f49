//! A broken txn node: every replica — this node included — applies writes one at a time, in the
//! order the network delivers them, with no order the replicas agree on. Level 6b must fail it,
//! naming G0 (a cycle of overwrites); so must 6c.
//!
//! The design treats its own writes like anyone else's: each write micro-op is sent to every node,
//! itself too, and each node applies writes as they arrive. A transaction moves on to its next
//! micro-op once its own write has come back and been applied, so that it reads what it wrote;
//! it is answered at once when it ends, partitions or not. The mistake is the missing order: while
//! one transaction's write is on its way, the other client's transaction and the other node's
//! writes land in between, so two transactions' writes interleave — T1's write to x lands before
//! T2's, T2's write to y before T1's — differently on each node. Elle sees it whenever the
//! transactions involved also read the keys they write, which Maelstrom's skewed key choice makes
//! frequent at 1000 transactions a second.
//!
//! (Arrival-order replication alone, with each transaction run at once against the local map,
//! would leave the replicas disagreeing yet show no anomaly: every read would still see only
//! transactions that ran before it, and a history like that is read-committed. What Elle catches is
//! the interleaving that applying writes one at a time, as they come, lets in.)

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Context, Error, Init, Message, Node, ReplyTo};
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

/// One write, to be applied by whoever receives it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Write {
    seq: u64,
    key: u64,
    value: u64,
    /// Set on the copy a node sends itself: the transaction waiting for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    txn: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
    Apply { writes: Vec<Write> },
    ApplyOk { seqs: Vec<u64> },
}

/// A transaction part-way through: it waits for its write to micro-op `next` to come back.
#[derive(Debug)]
struct Running {
    to: ReplyTo,
    txn: Vec<MicroOp>,
    next: usize,
}

#[derive(Debug)]
struct UnorderedReplicas {
    registers: BTreeMap<u64, u64>,
    running: BTreeMap<u64, Running>,
    next_txn: u64,
    next_seq: u64,
    unacked: BTreeMap<String, BTreeMap<u64, Write>>,
}

impl UnorderedReplicas {
    /// Runs transaction `id` from its next micro-op until it must wait for a write, or ends.
    fn proceed(&mut self, id: u64, ctx: &mut Context<Self>) {
        let Some(running) = self.running.get_mut(&id) else {
            return;
        };
        while let Some(MicroOp(kind, key, value)) = running.txn.get_mut(running.next) {
            match (*kind, *value) {
                (Kind::Read, _) => {
                    *value = self.registers.get(key).copied();
                    running.next += 1;
                }
                (Kind::Write, Some(v)) => {
                    self.next_seq += 1;
                    let write = Write {
                        seq: self.next_seq,
                        key: *key,
                        value: v,
                        txn: None,
                    };
                    for (peer, unacked) in &mut self.unacked {
                        unacked.insert(write.seq, write);
                        ctx.send(
                            peer,
                            Payload::Apply {
                                writes: vec![write],
                            },
                        );
                    }
                    // The mistake: our own write, too, takes its turn with whatever else arrives.
                    let own = Write {
                        txn: Some(id),
                        ..write
                    };
                    let me = ctx.node_id().to_string();
                    ctx.send(me, Payload::Apply { writes: vec![own] });
                    return;
                }
                (Kind::Write, None) => running.next += 1,
            }
        }
        if let Some(done) = self.running.remove(&id) {
            ctx.reply(&done.to, Payload::TxnOk { txn: done.txn });
        }
    }

    fn resend(&mut self, ctx: &mut Context<Self>) {
        for (peer, writes) in &self.unacked {
            if !writes.is_empty() {
                let writes = writes.values().take(RESEND_LIMIT).copied().collect();
                ctx.send(peer, Payload::Apply { writes });
            }
        }
    }
}

impl Node for UnorderedReplicas {
    type Payload = Payload;

    fn init(_init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        ctx.every(RESEND_EVERY, |node: &mut UnorderedReplicas, ctx| {
            node.resend(ctx)
        });
        Ok(UnorderedReplicas {
            registers: BTreeMap::new(),
            running: BTreeMap::new(),
            next_txn: 0,
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
            Payload::Txn { txn } => {
                self.next_txn += 1;
                let id = self.next_txn;
                self.running.insert(id, Running { to, txn, next: 0 });
                self.proceed(id, ctx);
            }
            Payload::Apply { writes } => {
                for w in &writes {
                    self.registers.insert(w.key, w.value);
                }
                if msg.src == ctx.node_id() {
                    for w in &writes {
                        if let Some(id) = w.txn {
                            if let Some(running) = self.running.get_mut(&id) {
                                running.next += 1;
                            }
                            self.proceed(id, ctx);
                        }
                    }
                } else {
                    let seqs = writes.iter().map(|w| w.seq).collect();
                    ctx.reply(&to, Payload::ApplyOk { seqs });
                }
            }
            Payload::ApplyOk { seqs } => {
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

fn main() -> anyhow::Result<()> {
    common::run::<UnorderedReplicas>()
}
