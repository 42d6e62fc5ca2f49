//! Pure operation generators for the workloads whose op streams are more than one fixed request
//! (spec §5.5–5.6, §7.5, §7.8, §7.10): g-counter (and pn-counter), txn-rw-register, kafka.
//!
//! Each generator is a struct whose `next` draws the next operation from an `rng` the caller
//! owns, with no I/O and no clock: time, when it matters (kafka's crashes and final polls), is
//! passed in. The builtin engine's client layer decides *when* to ask (the `--rate` stagger, free
//! threads, the time limit) and feeds completions back where Jepsen's generators would see them.
//! Operations are typed; each knows its Jepsen `:f`, its history `:value` and, where the request is
//! fixed by the op alone, its request body.

pub mod counter;
pub mod kafka;
pub mod txn;

pub use counter::{CounterGen, CounterOp};
pub use kafka::{CrashSchedule, FinalPoller, KafkaGen, KafkaOp, Unseen};
pub use txn::{Mop, Txn, TxnConfig, TxnGen};
