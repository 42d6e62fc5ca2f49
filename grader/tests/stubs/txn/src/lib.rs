//! # Levels 6a–6c — Totally-available transactions
//!
//! Clients send your node transactions over a key-value store of integer registers:
//!
//! ```json
//! {"type":"txn","msg_id":3,"txn":[["r",1,null],["w",1,6],["w",2,9]]}
//! ```
//!
//! Run the micro-operations in order and answer with the same list, each read filled in with the
//! value you saw (`null` for a key never written):
//!
//! ```json
//! {"type":"txn_ok","in_reply_to":3,"txn":[["r",1,3],["w",1,6],["w",2,9]]}
//! ```
//!
//! A transaction reads its own earlier writes: `[["w",1,6],["r",1,null]]` answers
//! `[["w",1,6],["r",1,6]]`. Every write of a key carries a value never written to that key before,
//! so the checker (Elle's) can tell exactly which write each read saw and look for anomalies.
//!
//! All three levels run the same workload at 1000 transactions a second with **total
//! availability**: every transaction must get `txn_ok`, always. An error reply fails the run.
//!
//! - **6a** — one node, read-uncommitted. Apply each transaction's operations to a map.
//! - **6b** — two nodes, read-uncommitted, run twice: without partitions, then with
//!   `--availability total --nemesis partition`. Run each transaction at once against your own map
//!   and answer immediately; then send its writes to the other node in the background, retrying
//!   until they arrive, so that partitions heal. Never make a transaction wait for the other node
//!   half-way: whatever runs meanwhile interleaves its writes with the transaction's, and that is
//!   G0, a cycle of overwrites. Also make both replicas settle on the same value for each key (e.g.
//!   the last writer wins, ordered by a `(Lamport clock, node id)` version). Elle cannot see two
//!   replicas that disagree, but a store that never converges is broken, and the snapshot tests
//!   check it.
//! - **6c** — two nodes, read-committed, with partitions. Also no G1a (reading a write of a
//!   transaction that failed), no G1b (reading a value that its own transaction overwrote before it
//!   ended) and no G1c (a cycle of overwrites and reads). Let nobody see a transaction before it has
//!   finished, and then send only its final value for each key, in one batch.
//!
//! **The en-dash trap.** Fly.io's page prints 6c's flag as `–-nemesis partition`, whose first
//! character is an en dash (U+2013). Maelstrom does not see a flag there: it hands `–-nemesis` and
//! `partition` to your binary as arguments and runs with no partitions at all. The course runs the
//! ASCII `--nemesis partition`, so 6c really is tested under partitions.
//!
//! **What to do:** fill in the TODOs below. Start with 6a (one node, no peers), then add
//! replication for 6b and 6c.
//!
//! **Check yourself:**
//! - `cargo test -p txn` runs the snapshot tests in `tests/snapshots.rs` on an in-process cluster
//!   (one node; two nodes that must converge; a partition; conflicting writes); they fail until your
//!   node does the job. `cargo test -p txn level_6a` runs 6a's only (`level_6b`: the others).
//! - `cargo run -p grader -- 6a`, `… -- 6b` (both runs) and `… -- 6c` build this node, run
//!   Maelstrom's `txn-rw-register` workload against it and explain the verdict, naming any anomaly
//!   and the transactions that form it.
//!
//! **Stuck?** The hints for levels 6a–6c are in `course.md`.

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// Whether a micro-operation reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "r")]
    Read,
    #[serde(rename = "w")]
    Write,
}

/// One micro-operation, on the wire `["r", key, null]` or `["w", key, value]`. A read's value is
/// `None` in the request; you fill it in (it stays `None` if the key was never written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicroOp(pub Kind, pub u64, pub Option<u64>);

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// A client's transaction.
    Txn { txn: Vec<MicroOp> },
    // TODO: add the reply, `txn_ok`, carrying the completed `txn` (and nothing else: Maelstrom
    // rejects replies with extra fields).
    // TODO (6b, 6c): add the messages your nodes send each other to replicate writes, and their
    // acknowledgements.
}

/// The transactional key-value store.
#[derive(Debug)]
pub struct TxnNode {
    // TODO: the registers (key → value), and for 6b/6c whatever you need to order writes the same
    // way on every node and to retry replication until the other node has it.
}

impl Node for TxnNode {
    type Payload = Payload;

    // Until the TODO is done, `ctx` goes unused: delete this line then.
    #[allow(unused_variables)]
    fn init(_init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        // TODO (6b, 6c): start a timer (`ctx.every`) that re-sends writes the other node has not
        // acknowledged yet, so that they arrive once a partition heals.
        Ok(TxnNode {})
    }

    // Until the TODOs are done, some of `ctx`, `to` and the fields go unused: delete this line then.
    #[allow(unused_variables)]
    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        // Whom to answer. Taken before `match` moves the payload out of `msg`: from then on `&msg`
        // no longer compiles (E0382, "borrow of partially moved value"), but `&to` does, and a
        // callback can keep it to answer later.
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Txn { txn } => {
                // TODO: run the micro-operations in order against the store, reads seeing this
                // transaction's own earlier writes, and reply `txn_ok` with the reads filled in.
                // TODO (6b, 6c): once it is done, send its final writes to the other node(s) as
                // one batch. Reply with `ctx.reply(&to, …);`, then return `Ok(())`.
                Err(Error::todo(
                    "answer txn with a txn_ok (challenges/txn/src/lib.rs)",
                ))
            }
        }
    }
}
