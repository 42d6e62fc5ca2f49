//! The txn-rw-register checker (Elle's rw-register, spec §7.8–7.9).

use crate::history::History;
use crate::verdict::{Check, Validity};

/// Checks a txn-rw-register history against the given consistency models.
pub fn check(_history: &History, _consistency_models: &[String]) -> Check {
    Check::new(
        "workload",
        Validity::Unknown,
        "the transaction checker is not built yet",
    )
}
