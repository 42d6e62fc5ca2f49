//! Reference solution for levels 6a–6c, totally-available transactions: one binary passes 6a, both
//! runs of 6b, and 6c with the ASCII `--nemesis partition`.
//!
//! **Design.** Each node runs every transaction at once, start to finish inside one handler call,
//! against its own copy of the registers, and answers immediately — it never waits for the other
//! node, so it stays available through any partition. A transaction's *final* write to each key
//! is tagged with its version `(Lamport clock, node index)`; every peer installs a write only if
//! its version is newer than the one the key holds, so all replicas order conflicting writes the
//! same way and converge. Every 100 ms the writes of the transactions done since the last flush
//! leave as one batch, one message per peer rather than one per transaction (at 1000 transactions
//! a second that halves the messages on the wire), and only the newest write to each key: a peer
//! installs a batch in one handler call, where the older writes to a key would be overwritten
//! before anyone could read them. Batches are re-sent every 500 ms until acknowledged, so writes
//! made during a partition arrive after it heals.
//!
//! **Why no anomaly can appear.**
//! - *G1a* (aborted read): no transaction ever fails.
//! - *G1b* (intermediate read): a transaction runs inside one handler call, so no other
//!   transaction on its node can observe it half-way, and only its final write per key is ever
//!   sent to a peer.
//! - *G0 and G1c* (cycles of ww and wr edges): give each transaction the instant it ran on its node.
//!   A value becomes visible anywhere only after the transaction that wrote it ran (locally when
//!   it finishes, remotely when its batch arrives later), so a wr edge `T1 → T2` (T2 read T1's
//!   write) means T1 ran before T2. Elle infers a ww edge `T1 → T2` only from a transaction that
//!   observed T1's value and then T2's; T2's value can only come after T1's in one atomic run if T2
//!   is that very transaction, overwriting what it read — so again T1 ran before T2. Every edge
//!   points forward in time, and time has no cycles.
//! - The last-writer-wins versions add what the checker cannot see but a store needs: both
//!   replicas end with the same value for every key, whatever order batches arrived in. Without an
//!   agreed order, two concurrent transactions could leave x from one on n0 and from the other on
//!   n1 forever.
//!
//! A new transaction's clock is higher than any version the node has seen, so its writes always
//! win over what it read — a replica never lets an older batch undo a newer local write.

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// How often the batches of the transactions completed since the last flush leave, together.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// How often unacknowledged batches are sent again.
const RESEND_EVERY: Duration = Duration::from_millis(500);

/// How many batches one re-send carries at most, so that the backlog of a long partition drains
/// in a few messages of bounded size rather than one huge one.
const RESEND_LIMIT: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "w")]
    Write,
}

/// `["r", key, value-or-null]` or `["w", key, value]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicroOp(pub Kind, pub u64, pub Option<u64>);

/// The order every replica agrees on: Lamport clock first, then the writing node's index to break
/// ties between concurrent transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(pub u64, pub u64);

/// The newest final write to each key among the transactions of one flush.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Per sender, to acknowledge it.
    pub seq: u64,
    /// `(key, value, version of the transaction that wrote it)`, one per key.
    pub writes: Vec<(u64, u64, Version)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
    Replicate { batches: Vec<Batch> },
    ReplicateOk { seqs: Vec<u64> },
}

#[derive(Debug, Clone, Copy)]
struct Register {
    value: u64,
    version: Version,
}

#[derive(Debug)]
pub struct TxnNode {
    registers: BTreeMap<u64, Register>,
    /// Higher than the clock of every version this node has seen.
    clock: u64,
    /// This node's position in the cluster, the tie-breaker of its versions.
    index: u64,
    next_seq: u64,
    /// The newest write to each key since the last flush, not sent yet.
    outbox: BTreeMap<u64, (u64, Version)>,
    /// Per peer, the batches it has not acknowledged yet, by `seq`.
    unacked: BTreeMap<String, BTreeMap<u64, Batch>>,
}

impl TxnNode {
    /// Runs `txn` against the registers and returns it completed, with its final writes.
    fn execute(&mut self, mut txn: Vec<MicroOp>) -> (Vec<MicroOp>, BTreeMap<u64, u64>) {
        self.clock += 1;
        let version = Version(self.clock, self.index);
        let mut writes = BTreeMap::new();
        for MicroOp(kind, key, value) in &mut txn {
            match kind {
                Kind::Read => *value = self.registers.get(key).map(|r| r.value),
                Kind::Write => {
                    if let Some(v) = *value {
                        self.registers.insert(*key, Register { value: v, version });
                        writes.insert(*key, v);
                    }
                }
            }
        }
        (txn, writes)
    }

    /// Installs a peer's batch: each write wins only over an older version.
    fn apply(&mut self, batch: &Batch) {
        for &(key, value, version) in &batch.writes {
            self.clock = self.clock.max(version.0);
            let newer = self.registers.get(&key).is_none_or(|r| r.version < version);
            if newer {
                self.registers.insert(key, Register { value, version });
            }
        }
    }

    /// Sends the writes made since the last flush as one batch, in one message per peer.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.outbox.is_empty() {
            return;
        }
        self.next_seq += 1;
        let batch = Batch {
            seq: self.next_seq,
            writes: std::mem::take(&mut self.outbox)
                .into_iter()
                .map(|(key, (value, version))| (key, value, version))
                .collect(),
        };
        for (peer, unacked) in &mut self.unacked {
            unacked.insert(batch.seq, batch.clone());
            let batches = vec![batch.clone()];
            ctx.send(peer, Payload::Replicate { batches });
        }
    }

    fn resend(&mut self, ctx: &mut Context<Self>) {
        for (peer, batches) in &self.unacked {
            if !batches.is_empty() {
                let batches = batches.values().take(RESEND_LIMIT).cloned().collect();
                ctx.send(peer, Payload::Replicate { batches });
            }
        }
    }
}

impl Node for TxnNode {
    type Payload = Payload;

    fn init(init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        let index = init
            .node_ids
            .iter()
            .position(|id| *id == init.node_id)
            .unwrap_or(0) as u64;
        ctx.every(FLUSH_EVERY, |node: &mut TxnNode, ctx| node.flush(ctx));
        ctx.every(RESEND_EVERY, |node: &mut TxnNode, ctx| node.resend(ctx));
        Ok(TxnNode {
            registers: BTreeMap::new(),
            clock: 0,
            index,
            next_seq: 0,
            outbox: BTreeMap::new(),
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
                let (txn, writes) = self.execute(txn);
                ctx.reply(&to, Payload::TxnOk { txn });
                let version = Version(self.clock, self.index);
                for (key, value) in writes {
                    self.outbox.insert(key, (value, version));
                }
            }
            Payload::Replicate { batches } => {
                for batch in &batches {
                    self.apply(batch);
                }
                let seqs = batches.iter().map(|b| b.seq).collect();
                ctx.reply(&to, Payload::ReplicateOk { seqs });
            }
            Payload::ReplicateOk { seqs } => {
                if let Some(batches) = self.unacked.get_mut(&msg.src) {
                    for seq in seqs {
                        batches.remove(&seq);
                    }
                }
            }
            // Nobody sends us the client's replies.
            Payload::TxnOk { .. } => {}
        }
        Ok(())
    }
}
