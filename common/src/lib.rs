//! The messaging crate every node uses.
