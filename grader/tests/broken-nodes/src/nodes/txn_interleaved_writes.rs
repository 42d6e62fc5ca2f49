//! A broken txn node: a transaction is not applied in one go. It installs each write as it
//! reaches it, then waits for the other node to acknowledge that write before running its next
//! micro-op — and meanwhile other transactions run. Their writes interleave with its own: level 6b
//! must fail it, naming G0 (a cycle of overwrites); 6c fails it too (G0, and G1b/G1c from the
//! half-done transactions others can read). Maelstrom itself would pass it on 6b: it files these
//! cycles under G1c, which read-uncommitted allows (its issue #56); the course's checker does not.
//!
//! Everything else is sound: writes carry `(Lamport clock, node index)` versions and every replica
//! keeps the newest, so the replicas agree on one order and converge; a transaction that waited
//! 100 ms goes on without the acknowledgement (the write is re-sent until it arrives), so every
//! transaction succeeds through partitions; new writes leave for the peer together every 5 ms.
//! The mistake is only the waiting *inside* a transaction. T1 writes x and waits; T2 writes y and
//! waits; T1 goes on, reads T2's y and overwrites it; T2 goes on, reads T1's x and overwrites it.
//! Each overwrote the other: a G0 cycle. Half of Maelstrom's micro-ops hit one hot key, so this
//! happens many times a second. The fix is to run the whole transaction at once and replicate
//! afterwards.
//!
//! Why not a node whose replicas simply apply writes in arrival order, with no agreed order? Its
//! replicas would disagree for good, yet no checker could see it: if each transaction runs in one
//! go, every read sees only transactions that ran before it, every ww and wr edge points forward in
//! time, and the history is read-committed whatever order each replica chose. Divergence without
//! interleaving is invisible to Elle; interleaving is G0 whatever the replicas agree on.

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

/// The order all replicas agree on: Lamport clock, then node index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Version(u64, u64);

/// One write, for a peer to install if it is newer than what the key holds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
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
struct InterleavedWrites {
    registers: BTreeMap<u64, (u64, Version)>,
    clock: u64,
    index: u64,
    running: BTreeMap<u64, Running>,
    /// Which running transaction waits for write `seq`.
    waiting: BTreeMap<u64, u64>,
    next_txn: u64,
    next_seq: u64,
    unacked: BTreeMap<String, BTreeMap<u64, Write>>,
    /// Writes not sent yet, for the next flush.
    fresh: Vec<Write>,
}

impl InterleavedWrites {
    /// Runs transaction `id` from its next micro-op until it must wait for the peers, or ends.
    fn proceed(&mut self, id: u64, ctx: &mut Context<Self>) {
        let Some(running) = self.running.get_mut(&id) else {
            return;
        };
        while let Some(MicroOp(kind, key, value)) = running.txn.get_mut(running.next) {
            match (*kind, *value) {
                (Kind::Read, _) => *value = self.registers.get(key).map(|r| r.0),
                (Kind::Write, Some(v)) => {
                    self.clock += 1;
                    let version = Version(self.clock, self.index);
                    // The mistake starts here: the write is visible at once, and the transaction
                    // will wait below before its next micro-op.
                    self.registers.insert(*key, (v, version));
                    if !self.unacked.is_empty() {
                        self.next_seq += 1;
                        let write = Write {
                            seq: self.next_seq,
                            version,
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

impl Node for InterleavedWrites {
    type Payload = Payload;

    fn init(init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        ctx.every(FLUSH_EVERY, |node: &mut InterleavedWrites, ctx| {
            node.flush(ctx)
        });
        ctx.every(RESEND_EVERY, |node: &mut InterleavedWrites, ctx| {
            node.resend(ctx)
        });
        Ok(InterleavedWrites {
            registers: BTreeMap::new(),
            clock: 0,
            index: init
                .node_ids
                .iter()
                .position(|id| *id == init.node_id)
                .unwrap_or(0) as u64,
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
                for w in &writes {
                    self.clock = self.clock.max(w.version.0);
                    let newer = self.registers.get(&w.key).is_none_or(|r| r.1 < w.version);
                    if newer {
                        self.registers.insert(w.key, (w.value, w.version));
                    }
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

pub fn run() -> anyhow::Result<()> {
    common::run::<InterleavedWrites>()
}
