//! Checkers: pure functions from a history to a [`crate::verdict::Check`].
