//! The Gossip Glomers grader: builds a learner's node, runs a level's workload against it with one
//! of two engines, and explains the verdict in plain words.
//!
//! - [`manifest`] is the table of levels everything is driven by; [`options`] reads their flags.
//! - [`builtin`] re-implements Maelstrom's harness in Rust; [`maelstrom`] shells out to the real one.
//! - [`checkers`] are pure functions of a [`history::History`]; both engines report into a
//!   [`verdict::Verdict`], which [`report`] prints and [`html_report`] draws as `report.html`.
//!   [`judge`] runs the checkers on any history file.

// First: its printing macros are used by every module after it.
#[macro_use]
mod stdio;

pub mod build;
pub mod builtin;
pub mod checkers;
pub mod cli;
pub mod course;
pub mod edn;
pub mod format;
pub mod grade;
pub mod history;
pub mod html_report;
pub mod judge;
pub mod latest;
pub mod level_names;
pub mod live;
pub mod maelstrom;
pub mod manifest;
pub mod netstats;
pub mod options;
pub mod progress;
pub mod report;
pub mod retention;
pub mod unfinished;
pub mod value;
pub mod verdict;

/// The allocator of every program that links the grader: the binary, its tests and examples.
///
/// A simulated run allocates and frees a few small values for every message it routes (its JSON,
/// its journal line, its history entry), hundreds of thousands per level: with glibc's allocator
/// that was an eighth of the grader's time in a simulated 6c, and with mimalloc the level runs about
/// a tenth faster (`sim_bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
