//! Checkers: pure functions from a history to [`Check`]s.

pub mod kafka;
pub mod txn;

use crate::history::History;
use crate::manifest::Budget;
use crate::netstats::NetStats;
use crate::options::TestOptions;
use crate::verdict::{Check, Validity};

/// Every check Maelstrom's composed checker would make of this history (`:stats`,
/// `:availability`, `:net`, `:workload`), plus the course's budget when the level has one.
pub fn evaluate(
    opts: &TestOptions,
    _budget: &Budget,
    _history: &History,
    _net: &NetStats,
) -> Vec<Check> {
    vec![Check::new(
        "workload",
        Validity::Unknown,
        format!("no checker for the {} workload yet", opts.workload.name()),
    )]
}
