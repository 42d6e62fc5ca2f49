//! `--engine sim`: the builtin engine's core on a virtual clock.
//!
//! The same network, clients, generator, nemesis, services and checkers as the real-time engine
//! run on [`clock::SimClock`], in a paused current-thread tokio runtime, against node processes
//! driven step by step through `common`'s step protocol ([`node`]). One seed fixes every random
//! choice, so a run replays exactly; and since time jumps from event to event, a 20 s level takes
//! a fraction of a second.

pub mod clock;
pub mod cpu;
pub mod node;
pub mod starved;

use std::time::Duration;

/// How long every message takes in the simulator on top of the drawn latency. Nodes compute in
/// zero virtual time, so without it two nodes would see a message at the very instant it was
/// sent, and a race that real pipes and scheduling always expose (two nodes handing out the same
/// offset at `--latency 0`) could never happen. 100 µs is the order of one real hop through the
/// builtin engine; against latencies of milliseconds it moves no figure.
pub const TRANSIT: Duration = Duration::from_micros(100);
