//! The grader's end-to-end tests, one module per subject, in one test binary.
//!
//! One binary rather than one per file, because cargo runs test binaries one after another while
//! a binary runs its tests side by side: the real-time runs, which mostly wait on the clock,
//! overlap the simulated levels, which keep the CPU busy, and the grader's code is linked into one
//! test executable instead of twenty-one. `.cargo/config.toml` raises the number of tests run at
//! once for the same reason.
//!
//! The real-time tests' figures (operation rates, the order of a reply and a client's end, stalls)
//! would suffer on a machine the simulated runs keep busy, so every simulated run lowers its
//! threads' priority first (`support::yield_cpu_to_real_time`): the real-time runs get the CPU
//! when they want it, and the simulations take the rest.
//!
//! One figure cannot share a process: the grader's peak memory against hostile nodes, which would
//! count the simulated levels too. It has a binary of its own, `tests/hostile_memory.rs`.
//!
//! Run one subject with a filter: `cargo test -p grader --test e2e grading_txn`. The figures of
//! `builtin_figures` are ignored tests, run on demand: `-- --ignored builtin_figures`.

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
mod json_schema;
mod maelstrom_command_lines;
mod maelstrom_fixtures;
mod maelstrom_install;
mod maelstrom_standin;
mod stubs_fail;
