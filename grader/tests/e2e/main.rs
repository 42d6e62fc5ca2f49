//! The grader's end-to-end tests that keep the CPU busy or barely wait, one module per subject,
//! in one test binary.
//!
//! One binary rather than one per file, because cargo runs test binaries one after another while
//! a binary runs its tests side by side: the CLI's real-time level-1 runs, which mostly wait on
//! the clock, overlap the simulated levels, and the grader's code is compiled and linked into one
//! test executable instead of seventeen. `.cargo/config.toml` raises the number of tests run at
//! once for the same reason.
//!
//! The real-time tests whose figures a loaded machine would distort (operation rates, the order
//! of a reply and a client's end, memory peaks, process lifetimes) keep binaries of their own:
//! `builtin_workloads`, `builtin_misbehaving`, `ctrl_c` and `builtin_figures`.
//!
//! Run one subject with a filter: `cargo test -p grader --test e2e grading_txn`.

mod support;

mod checkers_fixtures;
mod checkers_kafka;
mod checkers_kafka_fixtures;
mod checkers_txn;
mod checkers_txn_fixtures;
mod checkers_txn_synth;
mod cli_exit_codes;
mod fuzz_parsers;
mod grading_broadcast;
mod grading_counter_kafka;
mod grading_levels_1_2;
mod grading_txn;
mod maelstrom_command_lines;
mod maelstrom_fixtures;
mod maelstrom_install;
mod maelstrom_standin;
mod stubs_fail;
