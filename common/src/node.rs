//! The trait a learner implements: build state from `init`, then handle one message at a time.
//!
//! Handlers are plain synchronous functions on `&mut self`. Everything that takes time — waiting for
//! a reply, a periodic gossip, a key-value read — is a callback registered on the [`Context`], which
//! the runtime calls later with the same `&mut self`. There is no locking and no `async` in node code.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Context, Error, Init, Message};

/// A Maelstrom node.
///
/// `Payload` is the node's message vocabulary, usually one enum with
/// `#[serde(tag = "type", rename_all = "snake_case")]` listing the requests it answers, the replies it
/// sends, and whatever it says to its peers. `init`/`init_ok` are handled by the runtime and never
/// reach `handle`.
pub trait Node: Sized + 'static {
    type Payload: Serialize + DeserializeOwned;

    /// Builds the node's state once Maelstrom has said who it is. The runtime answers `init_ok` after
    /// this returns `Ok`; an `Err` is sent back as an error reply (and Maelstrom aborts the test).
    /// Periodic work is usually started here with [`Context::every`].
    fn init(init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error>;

    /// Handles one message from a client or a peer. Returning `Err` answers the message with an error
    /// body carrying that code and text (unless the message was itself a reply).
    fn handle(&mut self, msg: Message<Self::Payload>, ctx: &mut Context<Self>)
        -> Result<(), Error>;
}
