//! A broken txn node: the replicas apply writes in the order they arrive, with no order they agree
//! on. Level 6b must fail it, naming G0 (writes interleaved); so must 6c.
//!
//! The design is write-all replication: a write micro-op is applied here, sent to every other
//! node (new writes leave together every 5 ms, to save messages), and the transaction goes on to
//! its next micro-op once they have all acknowledged applying it — or after a timeout, so that it
//! stays available through partitions (the write is then re-sent in the background until
//! acknowledged). Each replica simply installs writes as they
//! come. The mistake is the missing order: when transactions on n0 and n1 write the same key at
//! about the same time, n0 installs its own write and then n1's, n1 the other way round. If each
//! transaction then reads the key, T1 sees its own write overwritten by T2's and T2 sees its own
//! overwritten by T1's — each write came after the other, a G0 cycle. Maelstrom's workload does this
//! constantly (half the micro-ops hit one hot key), so every run shows it. With an agreed order
//! (last writer wins by version), both would read the same winner and there would be no cycle.
//!
//! (Arrival-order replication with each transaction run in one go against the local map would
//! leave the replicas disagreeing just the same, yet Elle could not see it: a read would only ever
//! see transactions that ran before it, and such a history is read-committed. It is the reads
//! after a write, within the same transaction, that reveal the order each replica chose.)

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Context, Error, Init, Message, Node, ReplyTo, TimerId};
use serde::{Deserialize, Serialize};

/// How long a transaction waits for the other replicas before going on without them.
const WAIT_LIMIT: Duration = Duration::from_millis(100);
/// New writes go to the peers in one message per flush, to save messages.
const FLUSH_EVERY: Duration = Duration::from_millis(5);
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

/// One write, for a peer to install.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Write {
    seq: u64,
    key: u64,
    value: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
    Apply { writes: Vec<Write> },
    ApplyOk { seqs: Vec<u64> },
}

/// A transaction part-way through, waiting for the peers to apply its write `seq`.
#[derive(Debug)]
struct Running {
    to: ReplyTo,
    txn: Vec<MicroOp>,
    next: usize,
    seq: u64,
    acks_missing: usize,
    timer: Option<TimerId>,
}

#[derive(Debug)]
struct UnorderedReplicas {
    registers: BTreeMap<u64, u64>,
    running: BTreeMap<u64, Running>,
    /// Which running transaction waits for write `seq`.
    waiting: BTreeMap<u64, u64>,
    next_txn: u64,
    next_seq: u64,
    unacked: BTreeMap<String, BTreeMap<u64, Write>>,
    /// Writes not sent yet, for the next flush.
    fresh: Vec<Write>,
}

impl UnorderedReplicas {
    /// Runs transaction `id` from its next micro-op until it must wait for the peers, or ends.
    fn proceed(&mut self, id: u64, ctx: &mut Context<Self>) {
        let Some(running) = self.running.get_mut(&id) else {
            return;
        };
        while let Some(MicroOp(kind, key, value)) = running.txn.get_mut(running.next) {
            match (*kind, *value) {
                (Kind::Read, _) => *value = self.registers.get(key).copied(),
                (Kind::Write, Some(v)) => {
                    self.registers.insert(*key, v);
                    if !self.unacked.is_empty() {
                        self.next_seq += 1;
                        let write = Write {
                            seq: self.next_seq,
                            key: *key,
                            value: v,
                        };
                        for unacked in self.unacked.values_mut() {
                            unacked.insert(write.seq, write);
                        }
                        self.fresh.push(write);
                        running.seq = write.seq;
                        running.acks_missing = self.unacked.len();
                        self.waiting.insert(write.seq, id);
                        let seq = write.seq;
                        running.timer = Some(ctx.after(WAIT_LIMIT, move |node: &mut Self, ctx| {
                            node.stop_waiting(seq, ctx)
                        }));
                        return;
                    }
                }
                (Kind::Write, None) => {}
            }
            running.next += 1;
        }
        if let Some(done) = self.running.remove(&id) {
            ctx.reply(&done.to, Payload::TxnOk { txn: done.txn });
        }
    }

    /// The transaction waiting for write `seq` goes on (all peers applied it, or it waited long
    /// enough).
    fn stop_waiting(&mut self, seq: u64, ctx: &mut Context<Self>) {
        let Some(id) = self.waiting.remove(&seq) else {
            return;
        };
        if let Some(running) = self.running.get_mut(&id) {
            running.next += 1;
            if let Some(timer) = running.timer.take() {
                ctx.cancel(timer);
            }
        }
        self.proceed(id, ctx);
    }

    fn acknowledged(&mut self, seq: u64, ctx: &mut Context<Self>) {
        let Some(id) = self.waiting.get(&seq) else {
            return;
        };
        if let Some(running) = self.running.get_mut(id) {
            running.acks_missing = running.acks_missing.saturating_sub(1);
            if running.acks_missing == 0 && running.seq == seq {
                self.stop_waiting(seq, ctx);
            }
        }
    }

    fn flush(&mut self, ctx: &mut Context<Self>) {
        if !self.fresh.is_empty() {
            let writes = std::mem::take(&mut self.fresh);
            for peer in self.unacked.keys() {
                let writes = writes.clone();
                ctx.send(peer, Payload::Apply { writes });
            }
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
        ctx.every(FLUSH_EVERY, |node: &mut UnorderedReplicas, ctx| {
            node.flush(ctx)
        });
        ctx.every(RESEND_EVERY, |node: &mut UnorderedReplicas, ctx| {
            node.resend(ctx)
        });
        Ok(UnorderedReplicas {
            registers: BTreeMap::new(),
            running: BTreeMap::new(),
            waiting: BTreeMap::new(),
            next_txn: 0,
            next_seq: 0,
            unacked: ctx
                .peers()
                .into_iter()
                .map(|p| (p, BTreeMap::new()))
                .collect(),
            fresh: Vec::new(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Txn { txn } => {
                self.next_txn += 1;
                let id = self.next_txn;
                let running = Running {
                    to,
                    txn,
                    next: 0,
                    seq: 0,
                    acks_missing: 0,
                    timer: None,
                };
                self.running.insert(id, running);
                self.proceed(id, ctx);
            }
            Payload::Apply { writes } => {
                // The mistake: whatever arrives is installed, in arrival order.
                for w in &writes {
                    self.registers.insert(w.key, w.value);
                }
                let seqs = writes.iter().map(|w| w.seq).collect();
                ctx.reply(&to, Payload::ApplyOk { seqs });
            }
            Payload::ApplyOk { seqs } => {
                for seq in seqs {
                    let fresh = self
                        .unacked
                        .get_mut(&msg.src)
                        .and_then(|unacked| unacked.remove(&seq))
                        .is_some();
                    if fresh {
                        self.acknowledged(seq, ctx);
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
