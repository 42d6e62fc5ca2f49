//! # Levels 5a–5c — Kafka-style log
//!
//! Build a replicated log service in the style of Kafka. Each *key* names a log; clients append to
//! a key's log and read it back from an *offset*:
//!
//! ```json
//! {"type":"send","key":"3","msg":12}                       →  {"type":"send_ok","offset":1000}
//! {"type":"poll","offsets":{"3":1000,"5":0}}               →  {"type":"poll_ok","msgs":{"3":[[1000,12],[1001,9]]}}
//! {"type":"commit_offsets","offsets":{"3":1001}}           →  {"type":"commit_offsets_ok"}
//! {"type":"list_committed_offsets","keys":["3","5"]}       →  {"type":"list_committed_offsets_ok","offsets":{"3":1001}}
//! ```
//!
//! Keys are strings on the wire (`"0"`, `"1"`, …), messages are integers. Offsets are yours to
//! choose, but within a key each message's offset must be larger than the previous one's, and a
//! `poll` returns, for each key asked about, the messages at and after the offset asked for, in
//! offset order (leave out keys with nothing to return). Clients commit the offsets they have
//! processed and may list them; they also crash now and then and read everything again from the
//! start. The checker fails the run on a lost message, one offset holding two messages, one message
//! at two offsets, a poll that skips a message or goes backwards, or a send whose offset is not
//! higher than the same client's previous send's.
//!
//! - **5a** (`--node-count 1`): one node. Keep the logs in memory.
//! - **5b** (`--node-count 2`): two nodes, any of which a client may talk to. They must agree on
//!   every key's offsets and both serve every message. Fly.io suggests `lin-kv` (`ctx.kv(Kv::Lin)`,
//!   linearizable): a `cas` on a per-key counter is a natural way to hand out offsets.
//! - **5c**: the same, with far fewer messages between servers. The course's budget: at most **2.0
//!   server messages** (node↔node and node↔service) per client operation.
//!
//! **What to do:** fill in the TODOs below, for one node first (5a), then for two.
//!
//! **Check yourself:**
//! - `cargo test -p kafka` runs one test per level on an in-process cluster:
//!   `level_5a_single_node_log`, `level_5b_two_nodes_share_one_log`,
//!   `level_5c_mixed_workload_within_the_budget`; `cargo test -p kafka level_5a` runs one.
//! - `cargo run -p grader -- 5a` (then `5b`, `5c`) runs Maelstrom's workload (`-w kafka
//!   --node-count 1|2 --concurrency 2n --time-limit 20 --rate 1000`) and explains the verdict; 5c
//!   also reports the messages per operation against the budget.
//!
//! **Stuck?** The hints for levels 5a–5c are in `course.md`.

use std::collections::BTreeMap;

use common::{Context, Error, Init, Message, Node};
use serde::{Deserialize, Serialize};

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// Append `msg` to `key`'s log.
    Send { key: String, msg: u64 },
    /// Messages from each key's log, starting at the given offset.
    Poll { offsets: BTreeMap<String, u64> },
    /// The client has processed each key up to the given offset.
    CommitOffsets { offsets: BTreeMap<String, u64> },
    /// Which offsets have been committed for these keys?
    ListCommittedOffsets { keys: Vec<String> },
    // TODO: add the four replies: `send_ok` (`offset`), `poll_ok` (`msgs`: key → list of
    // `[offset, msg]` pairs; a `(u64, u64)` tuple serializes as a two-element array),
    // `commit_offsets_ok`, `list_committed_offsets_ok` (`offsets`). For 5b/5c, also whatever your
    // nodes say to each other.
}

/// One node of the log service.
#[derive(Debug)]
pub struct KafkaNode {
    // TODO: the logs (key → messages by offset) and the committed offsets.
}

impl Node for KafkaNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(KafkaNode {})
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
            Payload::Send { key, msg } => {
                // TODO: give the message the key's next offset, store it, reply `send_ok`.
                Err(Error::todo(
                    "answer send with a send_ok (challenges/kafka/src/lib.rs)",
                ))
            }
            Payload::Poll { offsets } => {
                // TODO: for each key, the stored messages from the offset asked for on.
                Err(Error::todo(
                    "answer poll with a poll_ok (challenges/kafka/src/lib.rs)",
                ))
            }
            Payload::CommitOffsets { offsets } => {
                // TODO: remember the offsets.
                Err(Error::todo(
                    "answer commit_offsets with a commit_offsets_ok (challenges/kafka/src/lib.rs)",
                ))
            }
            Payload::ListCommittedOffsets { keys } => {
                // TODO: the committed offset of each key that has one.
                Err(Error::todo(
                    "answer list_committed_offsets with a list_committed_offsets_ok \
                     (challenges/kafka/src/lib.rs)",
                ))
            }
        }
    }
}
