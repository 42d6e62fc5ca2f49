//! # Level 2 — Unique ID generation
//!
//! Clients send `{"type":"generate"}` to any of three nodes, about 1000 times a second, and each node
//! must answer `{"type":"generate_ok","id":…}` with an id that no node has ever handed out before.
//! The id can be any JSON value, but every id must be of one kind that compares (all strings, or
//! all integers): Maelstrom's checker compares them, and ids that do not compare (a number and a
//! string, or two objects) leave its verdict unknown, which fails the level.
//!
//! The catch: the network is partitioned for most of the run, and the level demands **total
//! availability** — every request must succeed, even on a node that cannot reach any other. So the
//! nodes cannot agree on ids by talking to each other. What does each node already know that no
//! other node shares?
//!
//! **What to do:** fill in the TODOs below.
//!
//! **Check yourself:**
//! - `cargo test -p unique-ids` (or `cargo test -p unique-ids level_2`) generates ids on an
//!   in-process cluster, healthy and partitioned, and checks they are all unique and all
//!   acknowledged; it fails until your node does the job.
//! - `cargo run -p grader -- unique-ids` (or `-- 2`) builds this node and runs Maelstrom's workload against it
//!   (`-w unique-ids --time-limit 30 --rate 1000 --node-count 3 --availability total
//!   --nemesis partition`), then explains the verdict.
//!
//! **Stuck?** The hints for level 2 are in `course.md`.

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// A client asks for a fresh id.
    Generate,
    // TODO: add the reply, `generate_ok`, with its `id` field: a `String` or a `u64`, one kind
    // for every id.
}

/// The id generator.
#[derive(Debug)]
pub struct UniqueIdsNode {
    // TODO: whatever state you need to never hand out the same id twice.
}

impl Node for UniqueIdsNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(UniqueIdsNode {})
    }

    // Until the TODOs are done, some of `ctx`, `to` and the fields go unused: delete this line then.
    #[allow(unused_variables)]
    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        // Whom to answer. Taken before `match` moves the payload out of `msg`: from then on `&msg`
        // no longer compiles (E0382, "borrow of partially moved value"), but `&to` does, and a
        // callback can keep it to answer later.
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Generate => {
                // TODO: reply with a `generate_ok` carrying an id unique across the whole cluster,
                // `ctx.reply(&to, …);`, then return `Ok(())`.
                Err(Error::todo(
                    "answer generate with a generate_ok (challenges/unique-ids/src/lib.rs)",
                ))
            }
        }
    }
}
