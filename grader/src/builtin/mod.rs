//! The builtin engine: a Rust re-implementation of Maelstrom's harness (processes, simulated
//! network, partitions, services, workload clients), so that grading needs no JVM.

pub mod gen;
pub mod services;

use std::path::Path;

use crate::history::History;
use crate::netstats::NetStats;
use crate::options::{TestOptions, Workload};
use crate::verdict::Check;

/// What a builtin run leaves behind for the checkers.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    pub history: History,
    /// Network statistics, `msgs_per_op` filled in.
    pub net: NetStats,
    /// Diagnoses of misbehaving nodes (not JSON, wrong `in_reply_to`, crashed, mute at init…),
    /// each an invalid check named `"nodes"`. Empty when every node behaved.
    pub node_checks: Vec<Check>,
    /// The run could not go on (a node never answered `init`, crashed, failed `topology`): as with
    /// Maelstrom's exit 255, there is nothing for the checkers to judge.
    pub aborted: bool,
}

/// The engine could not run at all: an environment problem, not the node's fault.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the builtin engine cannot run the {0} workload yet")]
    Unsupported(&'static str),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// Whether the builtin engine can run this workload.
pub fn supports(_workload: Workload) -> bool {
    false
}

/// Runs one test against `bin`, writing `history.edn`, `history.txt` and `node-logs/` into
/// `run_dir`.
pub fn run(opts: &TestOptions, _bin: &Path, _run_dir: &Path) -> Result<RunRecord, EngineError> {
    Err(EngineError::Unsupported(opts.workload.name()))
}
