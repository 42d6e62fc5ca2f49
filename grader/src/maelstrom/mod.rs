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

/// The course's checks beyond Maelstrom's (duplicates in broadcast reads, G0 under
/// read-uncommitted), made from the run's `history.edn` when it kept one. A history that cannot
/// be read adds a note rather than hiding the rest of the verdict.
pub fn stricter_checks(
    opts: &crate::options::TestOptions,
    store_folder: &std::path::Path,
) -> Vec<crate::verdict::Check> {
    let Ok(text) = std::fs::read_to_string(store_folder.join("history.edn")) else {
        return Vec::new();
    };
    match crate::history::History::from_edn(&text) {
        Ok(history) => crate::checkers::stricter::checks(opts, &history),
        Err(e) => vec![crate::verdict::Check::new(
            "beyond maelstrom",
            crate::verdict::Validity::Valid,
            "the course's stricter checks were skipped: history.edn could not be read",
        )
        .with_details([e.to_string()])],
    }
}
