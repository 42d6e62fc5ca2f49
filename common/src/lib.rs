//! The messaging crate every Gossip Glomers node is written with.
//!
//! A node is a [`Node`]: state built from `init`, and a synchronous `handle` for each message. The
//! runtime ([`run`]) owns stdin/stdout, the `init`/`init_ok` handshake, `msg_id`s, replies, RPC
//! timeouts, timers and Maelstrom's service clients; [`testing`] runs the same node in-process on a
//! virtual clock for snapshot tests.
//!
//! What a node sees of the world comes through its [`Context`]: its clock ([`Context::now`]) and
//! its randomness ([`Context::rng`]). The grader's simulator (`--engine sim`, [`sim`]) sets both —
//! virtual time, and a generator seeded from the run's seed — so that a seed replays a run
//! exactly; a node that reads `Instant::now()` or `rand::thread_rng()` itself escapes it.
//!
//! ```
//! use common::{Context, Error, Init, Message, Node};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum Payload {
//!     Echo { echo: String },
//!     EchoOk { echo: String },
//! }
//!
//! struct Echo;
//!
//! impl Node for Echo {
//!     type Payload = Payload;
//!
//!     fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
//!         Ok(Echo)
//!     }
//!
//!     fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
//!         let to = msg.reply_to();
//!         match msg.body.payload {
//!             Payload::Echo { echo } => ctx.reply(&to, Payload::EchoOk { echo }),
//!             Payload::EchoOk { .. } => {}
//!         }
//!         Ok(())
//!     }
//! }
//! ```
//!
//! A node that talks to its peers and to a service. Callbacks get the node and the context back, so
//! they change state and send exactly like handlers do; `to` (a [`ReplyTo`]) lets a callback answer the
//! request that started it.
//!
//! ```
//! use std::time::Duration;
//!
//! use common::testing::Cluster;
//! use common::{Context, Error, ErrorCode, Init, Kv, Message, Node, RpcResult};
//! use serde::{Deserialize, Serialize};
//! use serde_json::json;
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum Payload {
//!     Add { delta: u64 },
//!     AddOk,
//!     Read,
//!     ReadOk { value: u64 },
//!     Gossip { total: u64 },
//!     GossipOk,
//! }
//!
//! struct Counter {
//!     mine: u64,
//!     heard: u64,
//! }
//!
//! impl Node for Counter {
//!     type Payload = Payload;
//!
//!     fn init(_init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
//!         // Every 100 ms, tell each peer our count and wait (at most 50 ms) for its acknowledgement.
//!         ctx.every(Duration::from_millis(100), |node: &mut Counter, ctx| {
//!             for peer in ctx.peers() {
//!                 let gossip = Payload::Gossip { total: node.mine };
//!                 ctx.rpc(peer, gossip, Duration::from_millis(50), |_node, _ctx, reply: RpcResult<Payload>| {
//!                     if let Err(e) = reply {
//!                         eprintln!("gossip lost: {e}"); // stderr only: stdout is the wire
//!                     }
//!                 });
//!             }
//!         });
//!         Ok(Counter { mine: 0, heard: 0 })
//!     }
//!
//!     fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
//!         let to = msg.reply_to();
//!         match msg.body.payload {
//!             Payload::Add { delta } => {
//!                 self.mine += delta;
//!                 ctx.reply(&to, Payload::AddOk);
//!             }
//!             Payload::Gossip { total } => {
//!                 self.heard = self.heard.max(total);
//!                 ctx.reply(&to, Payload::GossipOk);
//!             }
//!             // Answer from a key-value service: the reply waits for the service's answer.
//!             Payload::Read => ctx.kv(Kv::Seq).read("total", move |_node, ctx, value: RpcResult<u64>| {
//!                 match value {
//!                     Ok(value) => ctx.reply(&to, Payload::ReadOk { value }),
//!                     Err(e) if e.code == ErrorCode::KeyDoesNotExist => {
//!                         ctx.reply(&to, Payload::ReadOk { value: 0 })
//!                     }
//!                     Err(e) => ctx.reply_error(&to, e),
//!                 }
//!             }),
//!             Payload::AddOk | Payload::ReadOk { .. } | Payload::GossipOk => {}
//!         }
//!         Ok(())
//!     }
//! }
//!
//! // Three nodes, 10 ms between them, on a virtual clock.
//! let mut cluster = Cluster::<Counter>::new(3).with_latency(Duration::from_millis(10));
//! cluster.init();
//! assert_eq!(cluster.request("n0", json!({"type": "add", "delta": 5}))["type"], "add_ok");
//! cluster.advance(Duration::from_millis(150));
//! assert_eq!(cluster.node("n1").unwrap().heard, 5);
//! cluster.kv_set(Kv::Seq, "total", 7);
//! assert_eq!(cluster.request("n2", json!({"type": "read"}))["value"], 7);
//! ```

mod context;
mod driver;
mod error;
mod kv;
mod message;
mod node;
mod runtime;
pub mod sim;
pub mod testing;

pub use context::{Context, RpcResult, TimerId};
pub use driver::Driver;
pub use error::{Error, ErrorCode};
pub use kv::{Kv, KvClient, TsoClient, DEFAULT_SERVICE_TIMEOUT};
pub use message::{Body, Init, Message, ReplyTo};
pub use node::Node;
/// The `rand` crate [`Context::rng`] is built on, so that a node can `use common::rand::Rng;`
/// without depending on (and matching the version of) `rand` itself.
pub use rand;
pub use runtime::run;
