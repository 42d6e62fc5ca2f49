//! The grader's end-to-end tests, one module per subject, in one test binary.
//!
//! One binary rather than one per file, because cargo runs test binaries one after another while
//! a binary runs its tests side by side: a real-time run that mostly waits on the clock (the CLI's
//! exit codes, the builtin engine's workloads) then overlaps a simulated level that keeps the CPU
//! busy, and the grader's code is compiled and linked into one test executable instead of twenty.
//! `.cargo/config.toml` raises the number of tests run at once for the same reason.
//!
//! Run one subject with a filter: `cargo test -p grader --test e2e grading_txn`.

mod support;

mod builtin_figures;
mod builtin_misbehaving;
mod builtin_workloads;
mod checkers_fixtures;
mod checkers_kafka;
mod checkers_kafka_fixtures;
mod checkers_txn;
mod checkers_txn_fixtures;
mod checkers_txn_synth;
mod cli_exit_codes;
mod ctrl_c;
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
