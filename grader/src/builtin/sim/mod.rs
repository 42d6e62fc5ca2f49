//! `--engine sim`: the builtin engine's core on a virtual clock.
//!
//! The same network, clients, generator, nemesis, services and checkers as the real-time engine
//! run on [`clock::SimClock`], in a paused current-thread tokio runtime, against node processes
//! driven step by step through `common`'s step protocol ([`node`]). One seed fixes every random
//! choice, so a run replays exactly; and since time jumps from event to event, a 20 s level takes
//! a fraction of a second.

pub mod clock;
pub mod node;
