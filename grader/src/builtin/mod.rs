//! The builtin engine: a Rust re-implementation of Maelstrom's harness.
