//! # Level 4 — Grow-only counter
//!
//! Three nodes share one counter. Clients ask any node to add to it or to read it:
//!
//! ```json
//! {"type":"add","delta":3}        →  {"type":"add_ok"}
//! {"type":"read"}                 →  {"type":"read_ok","value":42}
//! ```
//!
//! Deltas are 0 to 4; `value` must be a JSON integer. The network is partitioned for much of the
//! run. After the last add, the network heals, the cluster gets 10 seconds, and every client reads
//! once more: each of those **final reads** must equal the sum of every acknowledged add (adds whose
//! outcome the client never learned may count or not). Earlier reads are not checked.
//!
//! Fly.io asks you to build it on **`seq-kv`**, Maelstrom's sequentially consistent key-value
//! service (`ctx.kv(Kv::Seq)`: `read`, `write`, `cas`). The traps, all real:
//!
//! - `seq-kv` may answer a node from an *old* state — never older than the last one that node saw,
//!   but possibly older than the newest. Reading another node's update right after it happened may
//!   not show it, and a node that only ever reads may never see anything new.
//! - A `cas` is judged against such an old state too: it can fail with code 22 although the newest
//!   value matches. A failed cas did nothing; you may retry it.
//! - A blind `write` of "what I read plus my delta" throws away other nodes' adds.
//! - A request can time out without you knowing whether it happened.
//!
//! Services are never partitioned, so partitions between nodes need not stop you.
//!
//! **What to do:** fill in the TODOs below: decide what to store under which keys, how an add gets
//! there before you acknowledge it, and how a read makes sure it sees everything.
//!
//! **Check yourself:**
//! - `cargo test -p g-counter` (or `cargo test -p g-counter level_4`) runs three nodes in-process against a `seq-kv` that is as stale as
//!   Maelstrom allows, and checks that every node reads the exact total; it fails until your node
//!   does the job.
//! - `cargo run -p grader -- 4` runs Maelstrom's workload (`-w g-counter --node-count 3 --rate 100
//!   --time-limit 20 --nemesis partition`). `seq-kv` is random, so a lucky pass proves little:
//!   `cargo run -p grader -- 4 --repeat 5` must pass five times in a row.
//!
//! **Stuck?** The hints for level 4 are in `course.md`.

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// A client adds `delta` to the counter.
    Add { delta: u64 },
    /// A client wants the counter's value.
    Read,
    // TODO: add the replies, `add_ok` (no fields) and `read_ok` (with `value`).
}

/// One node of the counter.
#[derive(Debug)]
pub struct GCounterNode {
    // TODO: whatever this node must remember: adds waiting to be stored, reads waiting for
    // `seq-kv`'s answers, …
}

impl Node for GCounterNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(GCounterNode {})
    }

    // Until the TODOs are done, some of `ctx`, `to` and the fields go unused: delete this line then.
    #[allow(unused_variables)]
    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        // Whom to answer. Taken before `match` moves the payload out of `msg`: from then on `&msg`
        // no longer compiles (E0382, "borrow of partially moved value"), but `&to` does, and a
        // callback can keep it to answer later.
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Add { delta } => {
                // TODO: get `delta` into `seq-kv` (`ctx.kv(Kv::Seq)`), then reply `add_ok` from
                // the callback (`move` `to` into it: `ctx.reply(&to, …)`), and return `Ok(())`.
                Err(Error::todo(
                    "answer add with an add_ok (challenges/g-counter/src/lib.rs)",
                ))
            }
            Payload::Read => {
                // TODO: find the counter's current value — all of it, not a stale part — and reply
                // `read_ok`.
                Err(Error::todo(
                    "answer read with a read_ok (challenges/g-counter/src/lib.rs)",
                ))
            }
        }
    }
}
