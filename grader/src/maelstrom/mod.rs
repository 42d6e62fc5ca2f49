//! The Maelstrom engine: runs the real Maelstrom with a level's exact flags and reads its results.
//!
//! - [`engine`] decides between the builtin engine and this one (`--engine`, `GRADER_ENGINE`).
//! - [`discovery`] finds Maelstrom and Java; [`doctor`] reports what is missing and how to fix
//!   it; [`install`] downloads the pinned release.
//! - [`command`] builds each level's exact argv and reads a past run's; [`run`] runs it;
//!   [`store`] finds the run's folder; [`results`] and [`crash`] turn what Maelstrom left into
//!   checks; [`explain`] does the same for a run that already happened.
//!
//! Maelstrom's exit code is never the verdict (spec §1.4): `results.edn` is, read check by check.

pub mod command;
pub mod crash;
pub mod discovery;
pub mod doctor;
pub mod engine;
pub mod explain;
pub mod install;
pub mod results;
pub mod run;
pub mod store;

pub use command::command_line;
pub use discovery::{discover, FoundVia, Installation, Java, Launcher, Lookup, NotFound};
pub use doctor::{doctor, DoctorReport};
pub use engine::{
    decide, decide_for, Decision, Engine, EngineParseError, EngineUnavailable, ENGINE_ENV,
};
pub use explain::{explain, ExplainError};
pub use install::{install, InstallError, RELEASE_SHA256, RELEASE_URL};
pub use run::{run, Progress, RunError};
