//! The messaging crate every Gossip Glomers node is written with.
//!
//! A node is a [`Node`]: state built from `init`, and a synchronous `handle` for each message. The
//! runtime ([`run`]) owns stdin/stdout, the `init`/`init_ok` handshake, `msg_id`s, replies, RPC
//! timeouts, timers and Maelstrom's service clients; [`testing`] runs the same node in-process on a
//! virtual clock for snapshot tests.
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

mod context;
mod driver;
mod error;
mod kv;
mod message;
mod node;
mod runtime;
pub mod testing;

pub use context::{Context, RpcResult, TimerId};
pub use driver::Driver;
pub use error::{Error, ErrorCode};
pub use kv::{Kv, KvClient, TsoClient, DEFAULT_SERVICE_TIMEOUT};
pub use message::{Body, Init, Message, ReplyTo};
pub use node::Node;
pub use runtime::run;
