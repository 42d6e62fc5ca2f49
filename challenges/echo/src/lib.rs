//! # Level 1 — Echo
//!
//! Your first node. Maelstrom sends it requests like
//!
//! ```json
//! {"src":"c1","dest":"n0","body":{"type":"echo","msg_id":1,"echo":"Please echo 35"}}
//! ```
//!
//! and expects, for each one, a reply of type `echo_ok` carrying the same `echo` text back:
//!
//! ```json
//! {"src":"n0","dest":"c1","body":{"type":"echo_ok","msg_id":1,"in_reply_to":1,"echo":"Please echo 35"}}
//! ```
//!
//! You do not write `msg_id` or `in_reply_to` yourself, nor the `init`/`init_ok` handshake: the `common`
//! runtime does that. You describe the messages as a serde enum (`Payload`) and answer with
//! `ctx.reply(&to, …)`, where `to` is whom to answer (`msg.reply_to()`, already taken for you).
//!
//! **What to do:** fill in the two TODOs below. An unfinished handler answers with
//! `Error::todo(…)`, which the tests and the grader show as "TODO: …".
//!
//! **Check yourself:**
//! - `cargo test -p echo` runs the snapshot tests in `tests/snapshots.rs` on an in-process cluster
//!   (`cargo test -p echo level_1` runs only level 1's); they fail until your node replies
//!   correctly.
//! - `cargo run -p grader -- echo` (or `-- 1`) builds this node and runs Maelstrom's echo workload against it
//!   (`-w echo --node-count 1 --time-limit 10`), then explains the verdict.
//!
//! **Stuck?** The hints for level 1 are in `course.md`.

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// A client asks us to echo `echo` back.
    Echo { echo: String },
    // TODO: add the reply, `echo_ok`, which carries the same `echo` field (and give it an arm in
    // `handle`'s `match` that does nothing: nobody sends this node replies).
}

/// The echo node. It needs no state.
#[derive(Debug)]
pub struct EchoNode;

impl Node for EchoNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(EchoNode)
    }

    // Until the TODO is done, `ctx`, `to` and `echo` go unused: delete this line then.
    #[allow(unused_variables)]
    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        // Whom to answer. Taken before `match` moves the payload out of `msg`: from then on `&msg`
        // no longer compiles (E0382, "borrow of partially moved value"), but `&to` does.
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Echo { echo } => {
                // TODO: reply with an `echo_ok` carrying the same text, `ctx.reply(&to, …);`,
                // then return `Ok(())`.
                Err(Error::todo(
                    "answer echo with an echo_ok (challenges/echo/src/lib.rs)",
                ))
            }
        }
    }
}
