//! Reference solution for level 4, Grow-only counter, built on `seq-kv` as Fly.io requires.
//!
//! **The design: one key per node, and a fresh view before every read.**
//!
//! - *Adds.* Each node owns one key, `count-<node id>`, holding the sum of the adds it has
//!   acknowledged. Only that node ever writes it, so there is nobody to conflict with: the node
//!   always knows the key's current value (`stored`). Adds that arrive while a write is in flight
//!   wait and go together in the next one, so there is never more than one write per node on the
//!   wire and a slow write can never land after a newer one. An add is acknowledged only once a
//!   write that includes it has succeeded, so every acknowledged add is in `seq-kv`.
//! - *The write is a compare-and-set* from `stored` to `stored + batch`, not a blind write. If it
//!   times out we do not know whether it happened, so we send the very same cas again: if the first
//!   one did land, the retry fails with "current value is not `stored`" (code 22), which, since
//!   nobody else writes our key, can only mean our own cas went through. A late duplicate of an
//!   applied cas fails harmlessly for the same reason. No add is ever counted twice or lost.
//! - *Reads.* `seq-kv` may answer a read from any state between the newest and the last one this
//!   node saw, so simply reading the peers' keys can return old counts — forever, if the node never
//!   writes. A write that changes the store moves this node's view to the newest state, and later
//!   requests never go back before it. So a read first writes a never-repeated value to the node's
//!   own `sync-<node id>` key, then reads every peer's key (a missing key counts 0) and adds its own
//!   `stored`. Every add acknowledged anywhere before the read began is in the state the sync write
//!   lands on, so the final reads, long after the last add, are exact.
//!
//! Why not one shared key with a cas loop? It works too (with the same sync trick for fresh
//! reads), but every add then competes with every other node's adds and retries under load; with
//! one key per node there is no contention at all. Partitions do not matter to either design:
//! Maelstrom never partitions traffic to its services.

use std::collections::HashMap;

use common::{Context, Error, ErrorCode, Init, Kv, Message, Node, ReplyTo, RpcResult};
use serde::{Deserialize, Serialize};

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Add { delta: u64 },
    AddOk,
    Read,
    ReadOk { value: u64 },
}

/// The cas currently on its way to `seq-kv`, and the adds it will acknowledge.
#[derive(Debug)]
struct Write {
    from: u64,
    to: u64,
    adds: Vec<ReplyTo>,
    /// Whether this exact cas has been sent before (so a code-22 failure means it already landed).
    retried: bool,
}

/// A client read waiting for the peers' counts.
#[derive(Debug)]
struct PendingRead {
    to: ReplyTo,
    waiting_for: usize,
    peers_sum: u64,
}

#[derive(Debug)]
pub struct GCounterNode {
    /// What our own key holds in `seq-kv`: every add this node has acknowledged.
    stored: u64,
    /// Adds not yet written, with whom to acknowledge.
    queued: Vec<(ReplyTo, u64)>,
    writing: Option<Write>,
    /// Makes every sync write's value unique, so that it always changes the store.
    syncs: u64,
    reads: HashMap<u64, PendingRead>,
}

fn count_key(node: &str) -> String {
    format!("count-{node}")
}

fn sync_key(node: &str) -> String {
    format!("sync-{node}")
}

impl Node for GCounterNode {
    type Payload = Payload;

    fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
        Ok(GCounterNode {
            stored: 0,
            queued: Vec::new(),
            writing: None,
            syncs: 0,
            reads: HashMap::new(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Add { delta } => {
                self.queued.push((to, delta));
                self.flush(ctx);
            }
            Payload::Read => self.start_read(to, ctx),
            Payload::AddOk | Payload::ReadOk { .. } => {}
        }
        Ok(())
    }
}

impl GCounterNode {
    /// Writes every queued add in one cas, unless a write is already on its way.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.writing.is_some() || self.queued.is_empty() {
            return;
        }
        let (adds, deltas): (Vec<ReplyTo>, Vec<u64>) = self.queued.drain(..).unzip();
        let sum: u64 = deltas.iter().sum();
        if sum == 0 {
            // Adding zero changes nothing: acknowledge without bothering the store.
            for to in adds {
                ctx.reply(&to, Payload::AddOk);
            }
            return;
        }
        self.writing = Some(Write {
            from: self.stored,
            to: self.stored + sum,
            adds,
            retried: false,
        });
        self.send_write(ctx);
    }

    fn send_write(&mut self, ctx: &mut Context<Self>) {
        let Some(write) = &self.writing else { return };
        let key = count_key(ctx.node_id());
        ctx.kv(Kv::Seq).cas(
            key,
            write.from,
            write.to,
            true,
            |node: &mut Self, ctx, result| node.write_done(result, ctx),
        );
    }

    fn write_done(&mut self, result: RpcResult<()>, ctx: &mut Context<Self>) {
        let Some(write) = self.writing.as_mut() else {
            return;
        };
        let landed = match &result {
            Ok(()) => true,
            // Only we write our key: if it no longer holds `from`, our earlier attempt got there.
            Err(e) if e.code == ErrorCode::PreconditionFailed && write.retried => true,
            Err(e) => {
                eprintln!("{}: cas on our count failed ({e}); retrying", ctx.node_id());
                write.retried = true;
                false
            }
        };
        if landed {
            let write = self.writing.take().expect("checked above");
            self.stored = write.to;
            for to in write.adds {
                ctx.reply(&to, Payload::AddOk);
            }
            self.flush(ctx);
        } else {
            self.send_write(ctx);
        }
    }

    /// Moves our view of `seq-kv` to its newest state, then reads every peer's count.
    fn start_read(&mut self, to: ReplyTo, ctx: &mut Context<Self>) {
        self.syncs += 1;
        let id = self.syncs;
        let key = sync_key(ctx.node_id());
        ctx.kv(Kv::Seq)
            .write(key, id, move |node: &mut Self, ctx, result| match result {
                Ok(()) => node.read_peers(id, to, ctx),
                Err(e) => ctx.reply_error(&to, e),
            });
    }

    fn read_peers(&mut self, id: u64, to: ReplyTo, ctx: &mut Context<Self>) {
        let peers = ctx.peers();
        if peers.is_empty() {
            ctx.reply(&to, Payload::ReadOk { value: self.stored });
            return;
        }
        self.reads.insert(
            id,
            PendingRead {
                to,
                waiting_for: peers.len(),
                peers_sum: 0,
            },
        );
        for peer in peers {
            ctx.kv(Kv::Seq)
                .read(count_key(&peer), move |node: &mut Self, ctx, count| {
                    node.peer_count(id, count, ctx)
                });
        }
    }

    fn peer_count(&mut self, id: u64, count: RpcResult<u64>, ctx: &mut Context<Self>) {
        let Some(read) = self.reads.get_mut(&id) else {
            return; // this read already failed
        };
        match count {
            Ok(count) => read.peers_sum += count,
            // A peer that has never acknowledged an add has no key yet.
            Err(e) if e.code == ErrorCode::KeyDoesNotExist => {}
            Err(e) => {
                let read = self.reads.remove(&id).expect("present");
                ctx.reply_error(&read.to, e);
                return;
            }
        }
        read.waiting_for -= 1;
        if read.waiting_for == 0 {
            let read = self.reads.remove(&id).expect("present");
            let value = read.peers_sum + self.stored;
            ctx.reply(&read.to, Payload::ReadOk { value });
        }
    }
}
