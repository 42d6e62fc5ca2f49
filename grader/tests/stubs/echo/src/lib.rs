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
//! `ctx.reply(&msg, …)`.
//!
//! **What to do:** fill in the two TODOs below.
//!
//! **Check yourself:**
//! - `cargo test -p echo` runs the snapshot tests in `tests/snapshots.rs` on an in-process cluster;
//!   they fail until your node replies correctly.
//! - `cargo run -p grader -- 1` builds this node and runs Maelstrom's echo workload against it
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
    // TODO: add the reply, `echo_ok`, which carries the same `echo` field.
}

/// The echo node. It needs no state.
#[derive(Debug)]
pub struct EchoNode;

impl Node for EchoNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(EchoNode)
    }

    fn handle(&mut self, msg: Message<Payload>, _ctx: &mut Context<Self>) -> Result<(), Error> {
        match msg.body.payload {
            Payload::Echo { echo: _ } => {
                // TODO: reply to `msg` with an `echo_ok` carrying the same text.
                Err(Error::not_supported("echo is not implemented yet"))
            }
        }
    }
}
