//! The anomaly vocabulary of Jepsen's kafka checker, and which of them fail a Maelstrom run.

use std::fmt;

use crate::value::Value;

/// Every error type the kafka checker reports, named as in Maelstrom's `results.edn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnomalyType {
    /// A send/poll cycle with no realtime edge (reachable only with mixed `:txn` ops).
    G1c,
    /// A send/poll cycle through realtime order: e.g. a poll saw a message whose send began
    /// only after the poll had finished.
    G1cRealtime,
    /// An `:ok` poll read a message whose send definitely failed.
    G1a,
    /// One message at two or more offsets of a key.
    Duplicate,
    /// No operation could be related to any other: nothing succeeded to check.
    EmptyTransactionGraph,
    /// One offset of a key seen with two or more messages.
    InconsistentOffsets,
    /// One poll's messages for a key went backwards or repeated.
    IntNonmonotonicPoll,
    /// One op's sends to a key went backwards (multi-send ops only).
    IntNonmonotonicSend,
    /// One poll's messages for a key skipped over messages that exist.
    IntPollSkip,
    /// One op's sends to a key were not adjacent (multi-send ops only). Allowed.
    IntSendSkip,
    /// An acknowledged message below the highest polled offset that no poll ever returned.
    LostWrite,
    /// A process's next poll of a key started at or before where its last one ended.
    NonmonotonicPoll,
    /// A process's sends to a key landed at non-increasing offsets.
    NonmonotonicSend,
    /// A process's next poll of a key started past the message after its last one.
    PollSkip,
    /// One op polled a message it sent itself (mixed `:txn` ops only).
    PrecommittedRead,
    /// Acknowledged messages that no poll ever returned, by the end of the run.
    Unseen,
}

impl AnomalyType {
    /// The keyword Jepsen names it by, without the colon.
    pub fn keyword(self) -> &'static str {
        match self {
            AnomalyType::G1c => "G1c",
            AnomalyType::G1cRealtime => "G1c-realtime",
            AnomalyType::G1a => "G1a",
            AnomalyType::Duplicate => "duplicate",
            AnomalyType::EmptyTransactionGraph => "empty-transaction-graph",
            AnomalyType::InconsistentOffsets => "inconsistent-offsets",
            AnomalyType::IntNonmonotonicPoll => "int-nonmonotonic-poll",
            AnomalyType::IntNonmonotonicSend => "int-nonmonotonic-send",
            AnomalyType::IntPollSkip => "int-poll-skip",
            AnomalyType::IntSendSkip => "int-send-skip",
            AnomalyType::LostWrite => "lost-write",
            AnomalyType::NonmonotonicPoll => "nonmonotonic-poll",
            AnomalyType::NonmonotonicSend => "nonmonotonic-send",
            AnomalyType::PollSkip => "poll-skip",
            AnomalyType::PrecommittedRead => "precommitted-read",
            AnomalyType::Unseen => "unseen",
        }
    }

    /// Plain words for the summary line.
    pub fn plain(self) -> &'static str {
        match self {
            AnomalyType::G1c => "read cycle",
            AnomalyType::G1cRealtime => "realtime cycle (a poll saw the future)",
            AnomalyType::G1a => "aborted read",
            AnomalyType::Duplicate => "duplicate message",
            AnomalyType::EmptyTransactionGraph => "nothing to check",
            AnomalyType::InconsistentOffsets => "inconsistent offsets",
            AnomalyType::IntNonmonotonicPoll => "poll out of order",
            AnomalyType::IntNonmonotonicSend => "sends out of order",
            AnomalyType::IntPollSkip => "poll with a gap",
            AnomalyType::IntSendSkip => "sends with a gap",
            AnomalyType::LostWrite => "lost write",
            AnomalyType::NonmonotonicPoll => "poll went backwards",
            AnomalyType::NonmonotonicSend => "send went backwards",
            AnomalyType::PollSkip => "poll skipped messages",
            AnomalyType::PrecommittedRead => "read of its own uncommitted send",
            AnomalyType::Unseen => "unseen messages",
        }
    }

    /// Whether Maelstrom's kafka workload lets a run pass with it (`allowed-error-types` for
    /// `:sub-via #{:assign}` without `:ww-deps`). Of the types this checker can report, only
    /// `:int-send-skip` is; Jepsen also allows `:G0`, `:G0-process`, `:G0-realtime` and the
    /// PL-1 cycle markers, which cannot arise without ww edges.
    pub fn allowed(self) -> bool {
        self == AnomalyType::IntSendSkip
    }

    /// How many examples `condense-error` keeps, and which end of the sorted list.
    pub(crate) fn condensed(self) -> Condense {
        use AnomalyType::*;
        match self {
            Duplicate | InconsistentOffsets => Condense::First(32),
            G1c | G1cRealtime | IntNonmonotonicPoll | IntNonmonotonicSend | NonmonotonicPoll
            | NonmonotonicSend => Condense::First(8),
            IntPollSkip | IntSendSkip | PollSkip => Condense::Last(8),
            _ => Condense::All,
        }
    }
}

/// Which examples Jepsen's result keeps after sorting by [`Anomaly::rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Condense {
    All,
    First(usize),
    Last(usize),
}

impl fmt::Display for AnomalyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, ":{}", self.keyword())
    }
}

/// An operation an anomaly involves: its `:index` and `:process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpRef {
    pub index: usize,
    pub process: u64,
}

impl fmt::Display for OpRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "op {} (process {})", self.index, self.process)
    }
}

/// One case of an anomaly.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    pub kind: AnomalyType,
    /// The key it happened in (none for cycles across keys and for an empty graph).
    pub key: Option<Value>,
    /// The messages involved, in the order the explanation names them.
    pub values: Vec<Value>,
    /// Their offsets, where known.
    pub offsets: Vec<i64>,
    /// The operations involved, in history order where that is the story.
    pub ops: Vec<OpRef>,
    /// The distance in the key's dense order (skips, nonmonotonic); for duplicates, the count;
    /// for inconsistent offsets the number of messages; for cycles the number of steps.
    pub rank: Option<i64>,
    /// One line in plain words.
    pub explanation: String,
}
