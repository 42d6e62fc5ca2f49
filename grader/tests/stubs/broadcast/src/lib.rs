//! # Levels 3a–3e — Broadcast
//!
//! Clients hand values (the integers 0, 1, 2, …, each given once, to one node) to your cluster and ask
//! any node what it has seen. Every value must end up on **every** node. One node type, one binary,
//! five levels that each make the job harder:
//!
//! | level | `cargo run -p grader -- …` | what changes |
//! |---|---|---|
//! | 3a | `3a` | one node: keep the values, answer reads |
//! | 3b | `3b` | five nodes: a value given to one node must reach the other four |
//! | 3c | `3c` | partitions cut the network (from the very start): messages across a cut are lost |
//! | 3d | `3d` | 25 nodes, 100 ms per message: msgs-per-op < 30, stable latency median < 400 ms, max < 600 ms |
//! | 3e | `3e` | same workload: msgs-per-op < 20, median < 1 s, max < 2 s |
//!
//! The messages (the runtime adds `msg_id`/`in_reply_to` and answers `init` for you):
//!
//! ```json
//! {"type":"topology","topology":{"n0":["n3","n1"],"n1":["n4","n2","n0"],…}}  →  {"type":"topology_ok"}
//! {"type":"broadcast","message":17}                                         →  {"type":"broadcast_ok"}
//! {"type":"read"}                                                           →  {"type":"read_ok","messages":[3,17,4]}
//! ```
//!
//! `topology` arrives once, before any client operation, and suggests who your neighbours are; you
//! may ignore it and choose your own. The replies' shapes are checked exactly: `topology_ok` and
//! `broadcast_ok` carry nothing else, and `read_ok` lists every value this node has seen, **each
//! once** (this course fails a read that repeats a value). What nodes say to each other is up to you:
//! add your own message types to `Payload`.
//!
//! **What to do:** fill in the TODOs below, level by level. Levels 3c–3e need a timer
//! ([`Context::every`]) and either acknowledgements ([`Context::rpc`] or a reply type of your own) or
//! periodic anti-entropy. 3d's budget counts **every** node-to-node message, acknowledgements included,
//! divided by every client operation (reads included); its latency is how long a value takes to show up
//! in reads on every node. One binary should pass all five levels.
//!
//! **Check yourself:**
//! - `cargo test -p broadcast` runs the tests in `tests/snapshots.rs` on an in-process cluster with a
//!   virtual clock: one node, five nodes, five nodes with partitions, and 25 nodes at 100 ms latency
//!   measured against the 3d and 3e budgets (`-- --nocapture` prints the figures). One level's
//!   tests: `cargo test -p broadcast level_3a` (`level_3b`, … `level_3e`).
//! - `cargo run -p grader -- 3a` … `3e` builds this node and runs Maelstrom's broadcast workload for that
//!   level, then explains the verdict and the figures.
//! - `cargo run -p grader -- 3d --partition` re-checks correctness with partitions on 3d's workload, as
//!   the challenge page asks (no budget applies to that run).
//!
//! **Stuck?** The hints for levels 3a–3e are in `course.md`.

use std::collections::HashMap;

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// Sent once before any client operation: every node's suggested neighbours.
    Topology {
        topology: HashMap<String, Vec<String>>,
    },
    /// A client gives this node a value to spread.
    Broadcast { message: u64 },
    /// A client asks for every value this node has seen.
    Read,
    // TODO (3a): the replies `topology_ok`, `broadcast_ok` and `read_ok` (with `messages`).
    // TODO (3b): the messages your nodes send each other.
}

/// One broadcast node.
#[derive(Debug)]
pub struct BroadcastNode {
    // TODO (3a): the values this node has seen (each only once).
    // TODO (3b–3e): who to tell, and what each of them has not confirmed yet.
}

impl Node for BroadcastNode {
    type Payload = Payload;

    // Until the TODO is done, `ctx` goes unused: delete this line then.
    #[allow(unused_variables)]
    fn init(_init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        // TODO (3c–3e): start a timer with `ctx.every(…)` that (re)sends what peers have not confirmed.
        Ok(BroadcastNode {})
    }

    // Until the TODOs are done, some of `ctx`, `to` and the fields go unused: delete this line then.
    #[allow(unused_variables)]
    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        // Whom to answer. Taken before `match` moves the payload out of `msg`: from then on `&msg`
        // no longer compiles (E0382, "borrow of partially moved value"), but `&to` does, and a
        // callback can keep it to answer later.
        let to = msg.reply_to();
        // Each arm replies with `ctx.reply(&to, …);` and returns `Ok(())` once it is done.
        match msg.body.payload {
            Payload::Topology { topology } => {
                // TODO (3a): reply `topology_ok` (and, from 3b, decide whom to talk to).
                Err(Error::todo(
                    "answer topology with a topology_ok (challenges/broadcast/src/lib.rs)",
                ))
            }
            Payload::Broadcast { message } => {
                // TODO (3a): remember the value and reply `broadcast_ok`; from 3b, pass it on.
                Err(Error::todo(
                    "answer broadcast with a broadcast_ok (challenges/broadcast/src/lib.rs)",
                ))
            }
            Payload::Read => {
                // TODO (3a): reply `read_ok` with every value seen, each once.
                Err(Error::todo(
                    "answer read with a read_ok (challenges/broadcast/src/lib.rs)",
                ))
            }
        }
    }
}
