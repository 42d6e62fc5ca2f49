//! Reference solution for levels 5a, 5b and 5c, Kafka-style log: one binary for all three.
//!
//! **The design: every key has an owner, and the owner's word is the log.**
//!
//! - *Ownership.* A key belongs to node `hash(key) mod node count` (keys that are integers, as
//!   Maelstrom's are, simply use their value). Every node computes the same owner, with no
//!   messages. The owner alone assigns a key's offsets — 0, 1, 2, … in the order sends reach it —
//!   and keeps the log. A `send` to a node that does not own the key is forwarded to the owner
//!   (one request, one reply); the owner's offset goes back to the client.
//! - *Replication, in batches.* Every [`REPLICATION_PERIOD`] each owner sends each peer, in one
//!   message, the entries of its keys that the peer has not yet acknowledged, plus the committed
//!   offsets it knows. A node therefore holds, for every key, a *prefix* of the owner's log — maybe
//!   a short one — and answers every `poll` from what it holds. A prefix can be behind but never
//!   wrong or gappy: offsets are dense, so a poll always starts exactly at the offset asked for
//!   and never skips one that turns up later. Being a little behind is allowed: Jepsen's kafka
//!   checker looks for lost, duplicated, reordered or skipped messages, not for stale polls.
//! - *Committed offsets* are kept by whichever node the client tells, merged by maximum, and
//!   ride along on the replication batches, so every node converges on the same offsets for free.
//!
//! On 5b/5c's workload (two nodes) half the sends are forwarded (two server messages each) and
//! polls and commits cost nothing, so a run costs about half a message per operation plus the
//! replication batches, well under the course's budget of 2. One node (5a) never sends anything.
//! The price is availability: a send to a key whose owner is unreachable fails (code 11), which
//! the kafka levels, without partitions, never ask for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{Context, Error, Init, Message, Node, RpcResult};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How often owners push new entries to their peers.
pub const REPLICATION_PERIOD: Duration = Duration::from_millis(50);

/// How long to wait for an owner's answer to a forwarded send.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a replication batch waits for its acknowledgement before it is sent again.
const REPLICATION_TIMEOUT: Duration = Duration::from_millis(500);

/// Every message this node sends or receives, told apart by their `type` field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    // ---- from clients ----
    Send {
        key: String,
        msg: Value,
    },
    SendOk {
        offset: u64,
    },
    Poll {
        offsets: BTreeMap<String, u64>,
    },
    PollOk {
        msgs: BTreeMap<String, Vec<(u64, Value)>>,
    },
    CommitOffsets {
        offsets: BTreeMap<String, u64>,
    },
    CommitOffsetsOk,
    ListCommittedOffsets {
        keys: Vec<String>,
    },
    ListCommittedOffsetsOk {
        offsets: BTreeMap<String, u64>,
    },
    // ---- between nodes ----
    /// A send forwarded to the key's owner; answered with `send_ok`.
    Append {
        key: String,
        msg: Value,
    },
    /// An owner's new entries: for each key, the offset of the first entry, then the entries.
    Replicate {
        entries: BTreeMap<String, (u64, Vec<Value>)>,
        committed: BTreeMap<String, u64>,
    },
    /// How long each replicated key's log now is on the receiver.
    ReplicateOk {
        lengths: BTreeMap<String, u64>,
    },
}

#[derive(Debug)]
pub struct KafkaNode {
    me: usize,
    node_ids: Vec<String>,
    /// Each key's messages by offset: the whole log for owned keys, a prefix for the others.
    logs: BTreeMap<String, Vec<Value>>,
    committed: BTreeMap<String, u64>,
    peers: BTreeMap<String, PeerState>,
}

/// What an owner knows about one peer's copy.
#[derive(Debug, Default)]
struct PeerState {
    /// How many entries of each of our keys the peer has acknowledged.
    acked: BTreeMap<String, u64>,
    /// Committed offsets the peer has not acknowledged yet.
    committed_dirty: bool,
    in_flight: bool,
}

/// The index of the node that owns `key`, among `node_count` nodes.
pub fn owner(key: &str, node_count: usize) -> usize {
    let hash = key.parse::<u64>().unwrap_or_else(|_| {
        // FNV-1a: stable across processes and runs, unlike std's randomly seeded hasher.
        key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    });
    (hash % node_count.max(1) as u64) as usize
}

impl Node for KafkaNode {
    type Payload = Payload;

    fn init(init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
        let me = init
            .node_ids
            .iter()
            .position(|id| *id == init.node_id)
            .ok_or_else(|| Error::malformed_request("init: node_id is not among node_ids"))?;
        let peers = ctx
            .peers()
            .into_iter()
            .map(|peer| (peer, PeerState::default()))
            .collect::<BTreeMap<_, _>>();
        if !peers.is_empty() {
            ctx.every(REPLICATION_PERIOD, |node: &mut Self, ctx| {
                node.replicate(ctx)
            });
        }
        Ok(KafkaNode {
            me,
            node_ids: init.node_ids.clone(),
            logs: BTreeMap::new(),
            committed: BTreeMap::new(),
            peers,
        })
    }

    fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
        let to = msg.reply_to();
        match msg.body.payload {
            Payload::Send { key, msg } => {
                let owner = owner(&key, self.node_ids.len());
                if owner == self.me {
                    let offset = self.append(key, msg);
                    ctx.reply(&to, Payload::SendOk { offset });
                } else {
                    let append = Payload::Append { key, msg };
                    let dest = self.node_ids[owner].clone();
                    ctx.rpc(
                        &dest,
                        append,
                        FORWARD_TIMEOUT,
                        move |_node: &mut Self, ctx, reply: RpcResult<Payload>| match reply {
                            Ok(Payload::SendOk { offset }) => {
                                ctx.reply(&to, Payload::SendOk { offset })
                            }
                            Ok(other) => ctx.reply_error(
                                &to,
                                Error::crash(format!("owner answered {other:?}")),
                            ),
                            // A timeout may hide an append that happened: say so (code 0), while a
                            // definite error from the owner is passed on as it is.
                            Err(e) => ctx.reply_error(&to, e),
                        },
                    );
                }
            }
            Payload::Append { key, msg } => {
                if owner(&key, self.node_ids.len()) != self.me {
                    return Err(Error::temporarily_unavailable(format!(
                        "{} does not own key {key}",
                        ctx.node_id()
                    )));
                }
                let offset = self.append(key, msg);
                ctx.reply(&to, Payload::SendOk { offset });
            }
            Payload::Poll { offsets } => {
                let mut msgs = BTreeMap::new();
                for (key, from) in offsets {
                    let Some(log) = self.logs.get(&key) else {
                        continue;
                    };
                    let found: Vec<(u64, Value)> = log
                        .iter()
                        .enumerate()
                        .skip(from as usize)
                        .map(|(offset, msg)| (offset as u64, msg.clone()))
                        .collect();
                    // Keys with nothing new are left out, as Maelstrom allows.
                    if !found.is_empty() {
                        msgs.insert(key, found);
                    }
                }
                ctx.reply(&to, Payload::PollOk { msgs });
            }
            Payload::CommitOffsets { offsets } => {
                self.merge_committed(offsets);
                ctx.reply(&to, Payload::CommitOffsetsOk);
            }
            Payload::ListCommittedOffsets { keys } => {
                let offsets = keys
                    .into_iter()
                    .filter_map(|key| self.committed.get(&key).map(|&o| (key, o)))
                    .collect();
                ctx.reply(&to, Payload::ListCommittedOffsetsOk { offsets });
            }
            Payload::Replicate { entries, committed } => {
                let mut lengths = BTreeMap::new();
                for (key, (first, msgs)) in entries {
                    let log = self.logs.entry(key.clone()).or_default();
                    let have = log.len() as u64;
                    // Take only what extends our prefix; a gap waits for the owner to resend.
                    if first <= have {
                        log.extend(msgs.into_iter().skip((have - first) as usize));
                    }
                    lengths.insert(key, log.len() as u64);
                }
                self.merge_committed(committed);
                ctx.reply(&to, Payload::ReplicateOk { lengths });
            }
            Payload::SendOk { .. }
            | Payload::PollOk { .. }
            | Payload::CommitOffsetsOk
            | Payload::ListCommittedOffsetsOk { .. }
            | Payload::ReplicateOk { .. } => {}
        }
        Ok(())
    }
}

impl KafkaNode {
    /// Appends to a key this node owns; returns the message's offset.
    fn append(&mut self, key: String, msg: Value) -> u64 {
        let log = self.logs.entry(key).or_default();
        log.push(msg);
        log.len() as u64 - 1
    }

    fn merge_committed(&mut self, offsets: BTreeMap<String, u64>) {
        let mut changed = false;
        for (key, offset) in offsets {
            match self.committed.get(&key) {
                Some(&current) if current >= offset => {}
                _ => {
                    self.committed.insert(key, offset);
                    changed = true;
                }
            }
        }
        // Peers hear about a change with the next batch; an unchanged map is not re-sent, so
        // two nodes never bounce the same offsets back and forth.
        if changed {
            for peer in self.peers.values_mut() {
                peer.committed_dirty = true;
            }
        }
    }

    /// Sends each peer one batch: our keys' entries it lacks, and our committed offsets.
    fn replicate(&mut self, ctx: &mut Context<Self>) {
        let owned: BTreeSet<&String> = self
            .logs
            .keys()
            .filter(|key| owner(key, self.node_ids.len()) == self.me)
            .collect();
        let mut batches = Vec::new();
        for (peer, state) in &mut self.peers {
            if state.in_flight {
                continue;
            }
            let mut entries = BTreeMap::new();
            for key in &owned {
                let log = &self.logs[*key];
                let acked = state.acked.get(*key).copied().unwrap_or(0);
                if (acked as usize) < log.len() {
                    entries.insert((*key).clone(), (acked, log[acked as usize..].to_vec()));
                }
            }
            if entries.is_empty() && !state.committed_dirty {
                continue;
            }
            let committed = if state.committed_dirty {
                self.committed.clone()
            } else {
                BTreeMap::new()
            };
            state.in_flight = true;
            state.committed_dirty = false;
            batches.push((peer.clone(), Payload::Replicate { entries, committed }));
        }
        for (peer, batch) in batches {
            let resend_committed =
                matches!(&batch, Payload::Replicate { committed, .. } if !committed.is_empty());
            let from = peer.clone();
            ctx.rpc(
                &peer,
                batch,
                REPLICATION_TIMEOUT,
                move |node: &mut Self, _ctx, reply: RpcResult<Payload>| {
                    let Some(state) = node.peers.get_mut(&from) else {
                        return;
                    };
                    state.in_flight = false;
                    match reply {
                        Ok(Payload::ReplicateOk { lengths }) => {
                            for (key, length) in lengths {
                                let acked = state.acked.entry(key).or_insert(0);
                                *acked = (*acked).max(length);
                            }
                        }
                        // Lost or refused: the next tick sends the same entries again.
                        _ => state.committed_dirty |= resend_committed,
                    }
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_keys_alternate_between_two_owners() {
        let owners: Vec<usize> = ["0", "1", "2", "3"].iter().map(|k| owner(k, 2)).collect();
        assert_eq!(owners, [0, 1, 0, 1]);
    }

    #[test]
    fn other_keys_have_one_stable_owner_in_range() {
        for key in ["", "a", "topic-7", "ünïcödé"] {
            let first = owner(key, 3);
            assert!(first < 3);
            assert_eq!(owner(key, 3), first);
        }
        assert_eq!(owner("anything", 1), 0);
        assert_eq!(
            owner("anything", 0),
            0,
            "no nodes is not a division by zero"
        );
    }
}
