//! The kafka checker (Jepsen's kafka checker, spec §7.10).

use crate::history::History;
use crate::verdict::{Check, Validity};

/// Checks a kafka history.
pub fn check(_history: &History) -> Check {
    Check::new(
        "workload",
        Validity::Unknown,
        "the kafka checker is not built yet",
    )
}
