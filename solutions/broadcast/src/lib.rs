//! Reference solution for levels 3a–3e, Broadcast: one node that is correct under partitions and meets
//! 3d's and 3e's budgets at once.
//!
//! **Shape.** The given topology is ignored. The first node (`node_ids[0]`) is a hub and every other
//! node a spoke that talks to the hub only, so a value is at most two hops from anywhere: 200 ms at
//! 3d's 100 ms latency, whatever the cluster size.
//!
//! **Batching.** A node keeps, per peer, the values that peer may not have. A timer sends them all in
//! one `gossip` message: every [`SPOKE_FLUSH`] on a spoke, every [`HUB_FLUSH`] on the hub, whose one
//! batch to each spoke carries everything the other spokes sent meanwhile. Nothing new means nothing
//! sent, so a quiet cluster is silent. A value never goes back to the node it came from.
//!
//! **Delivery.** Every `gossip` is an RPC answered by `gossip_ok`. When no answer comes within
//! [`RESEND_AFTER`] (a partition dropped the batch or its acknowledgement) the batch's values go back
//! on the peer's list and leave with the next flush, so every value reaches every node once the network
//! heals. Values are kept in a set: a resent value is merged, never listed twice.
//!
//! At 3d's load (about 50 broadcasts a second over 25 nodes) that is, per hub flush, up to 24 batches and
//! their 24 acknowledgements, plus two messages per broadcast on the way in: about 6 messages per
//! operation, and every value on every node 200 to 300 ms after its broadcast.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use common::{Context, Error, Init, Message, Node, RpcResult};
use serde::{Deserialize, Serialize};

/// How often a spoke sends the hub what its clients gave it.
pub const SPOKE_FLUSH: Duration = Duration::from_millis(20);
/// How often the hub sends each spoke what it has not seen yet.
pub const HUB_FLUSH: Duration = Duration::from_millis(90);
/// How long a batch waits for its acknowledgement before its values are sent again. Well above a round
/// trip (200 ms at 3d's latency), so that only lost messages are resent.
pub const RESEND_AFTER: Duration = Duration::from_millis(1000);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Topology {
        topology: HashMap<String, Vec<String>>,
    },
    TopologyOk,
    Broadcast {
        message: u64,
    },
    BroadcastOk,
    Read,
    ReadOk {
        messages: Vec<u64>,
    },
    /// Values the sender has and the receiver may not.
    Gossip {
        messages: Vec<u64>,
    },
    GossipOk,
}

#[derive(Debug)]
pub struct BroadcastNode {
    /// Every value this node has seen.
    seen: BTreeSet<u64>,
    /// For each peer, the values to send it next: neither known to be there nor in flight.
    unsent: BTreeMap<String, BTreeSet<u64>>,
}

impl BroadcastNode {
    /// Records a value; if it is new, queues it for every peer but the one it came from.
    fn learn(&mut self, value: u64, from: Option<&str>) {
        if self.seen.insert(value) {
            for (peer, queue) in &mut self.unsent {
                if Some(peer.as_str()) != from {
                    queue.insert(value);
                }
            }
        }
    }

    /// Sends each peer one batch of what it has not been sent yet.
    fn flush(&mut self, ctx: &mut Context<Self>) {
        for (peer, queue) in &mut self.unsent {
            if queue.is_empty() {
                continue;
            }
            let batch: Vec<u64> = std::mem::take(queue).into_iter().collect();
            let gossip = Payload::Gossip {
                messages: batch.clone(),
            };
            let dest = peer.clone();
            ctx.rpc(
                peer,
                gossip,
                RESEND_AFTER,
                move |node: &mut Self, _ctx, acknowledged: RpcResult<Payload>| {
                    if acknowledged.is_err() {
                        node.unsent.entry(dest).or_default().extend(batch);
                    }
                },
            );
        }
    }
}

impl Node for BroadcastNode {
    type Payload = Payload;

    fn init(init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        let hub = init.node_ids.first().cloned().unwrap_or_default();
        let (peers, period) = if init.node_id == hub {
            (ctx.peers(), HUB_FLUSH)
        } else {
            (vec![hub], SPOKE_FLUSH)
        };
        ctx.every(period, |node: &mut Self, ctx| node.flush(ctx));
        Ok(BroadcastNode {
            seen: BTreeSet::new(),
            unsent: peers.into_iter().map(|p| (p, BTreeSet::new())).collect(),
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            // Our own hub-and-spokes beats any topology we could be given.
            Payload::Topology { .. } => ctx.reply(&to, Payload::TopologyOk),
            Payload::Broadcast { message } => {
                self.learn(message, None);
                ctx.reply(&to, Payload::BroadcastOk);
            }
            Payload::Read => ctx.reply(
                &to,
                Payload::ReadOk {
                    messages: self.seen.iter().copied().collect(),
                },
            ),
            Payload::Gossip { messages } => {
                // The sender has these: don't send them back, even if they were queued for it.
                if let Some(queue) = self.unsent.get_mut(&msg.src) {
                    for value in &messages {
                        queue.remove(value);
                    }
                }
                for value in messages {
                    self.learn(value, Some(&msg.src));
                }
                ctx.reply(&to, Payload::GossipOk);
            }
            Payload::TopologyOk
            | Payload::BroadcastOk
            | Payload::ReadOk { .. }
            | Payload::GossipOk => {}
        }
        Ok(())
    }
}
