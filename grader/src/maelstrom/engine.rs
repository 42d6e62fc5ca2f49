//! Choosing the engine: `--engine auto|builtin|maelstrom`, or `GRADER_ENGINE` when the flag is
//! not given. `auto` uses the real Maelstrom when it is found and Java can run it, else the
//! builtin engine; the decision carries its reason so that every report can name its engine.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::discovery::{discover, Installation, Java, Lookup, MIN_JAVA};
use crate::options::Workload;

/// The environment variable read when `--engine` is not given.
pub const ENGINE_ENV: &str = "GRADER_ENGINE";

/// Which engine the learner asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// Maelstrom when it is installed and runnable, else builtin.
    Auto,
    /// The Rust re-implementation of Maelstrom's harness: needs no JVM. The default.
    #[default]
    Builtin,
    /// The real Maelstrom; an error when it cannot be found.
    Maelstrom,
    /// The builtin engine's core in virtual time, replayable by seed (nodes built on `common`).
    Sim,
}

/// Not one of `auto`, `builtin`, `maelstrom`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown engine {0:?}: expected auto, builtin, maelstrom or sim")]
pub struct EngineParseError(pub String);

impl FromStr for Engine {
    type Err = EngineParseError;

    fn from_str(s: &str) -> Result<Engine, EngineParseError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Engine::Auto),
            "builtin" => Ok(Engine::Builtin),
            "maelstrom" => Ok(Engine::Maelstrom),
            "sim" => Ok(Engine::Sim),
            _ => Err(EngineParseError(s.to_owned())),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Auto => "auto",
            Engine::Builtin => "builtin",
            Engine::Maelstrom => "maelstrom",
            Engine::Sim => "sim",
        })
    }
}

impl Engine {
    /// The engine from the flag when given, else from `env` (the value of `GRADER_ENGINE`),
    /// else the default. An empty value counts as not given.
    pub fn resolve(flag: Option<&str>, env: Option<&str>) -> Result<Engine, EngineParseError> {
        match flag.filter(|s| !s.trim().is_empty()) {
            Some(f) => f.parse(),
            None => match env.filter(|s| !s.trim().is_empty()) {
                Some(e) => e.parse(),
                None => Ok(Engine::default()),
            },
        }
    }

    /// [`Engine::resolve`] with `GRADER_ENGINE` read from the environment.
    pub fn from_flag_or_env(flag: Option<&str>) -> Result<Engine, EngineParseError> {
        let env = std::env::var(ENGINE_ENV).ok();
        Engine::resolve(flag, env.as_deref())
    }
}

/// What will run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Builtin {
        reason: String,
    },
    /// The builtin engine in virtual time.
    Sim,
    Maelstrom(Installation),
}

/// `--engine maelstrom` was asked for and cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--engine maelstrom: {0}\nInstall it with `cargo run -p grader -- install-maelstrom`, or set \
     MAELSTROM to an unpacked release; `cargo run -p grader -- doctor` checks everything."
)]
pub struct EngineUnavailable(pub String);

/// Decides which engine runs, from the process's environment.
pub fn decide(engine: Engine, workspace_root: &Path) -> Result<Decision, EngineUnavailable> {
    decide_with(engine, &Lookup::from_env(), workspace_root, Java::probe)
}

/// [`decide`] for one workload: `auto` also needs gnuplot for kafka, whose checker cannot
/// reach a verdict without it (it draws plots as part of judging).
pub fn decide_for(
    engine: Engine,
    workspace_root: &Path,
    workload: Workload,
) -> Result<Decision, EngineUnavailable> {
    let lookup = Lookup::from_env();
    let decision = decide_with(engine, &lookup, workspace_root, Java::probe)?;
    Ok(gnuplot_gate(
        engine,
        decision,
        workload,
        lookup.which("gnuplot").is_some(),
    ))
}

fn gnuplot_gate(engine: Engine, decision: Decision, workload: Workload, gnuplot: bool) -> Decision {
    match decision {
        Decision::Maelstrom(install)
            if engine == Engine::Auto && workload == Workload::Kafka && !gnuplot =>
        {
            Decision::Builtin {
                reason: format!(
                    "auto: Maelstrom was found at {install}, but without gnuplot its kafka \
                     checker cannot reach a verdict"
                ),
            }
        }
        other => other,
    }
}

/// [`decide`] with a given environment and Java probe (probed only when `auto` needs it).
pub fn decide_with(
    engine: Engine,
    lookup: &Lookup,
    workspace_root: &Path,
    java: impl FnOnce() -> Option<Java>,
) -> Result<Decision, EngineUnavailable> {
    match engine {
        Engine::Sim => Ok(Decision::Sim),
        Engine::Builtin => Ok(Decision::Builtin {
            reason: "the builtin engine was chosen".to_owned(),
        }),
        // A forced Maelstrom is run even when Java looks wrong: the wrapper may bring its own,
        // and a failure to start is explained by the run's crash check.
        Engine::Maelstrom => discover(lookup, workspace_root)
            .map(Decision::Maelstrom)
            .map_err(|e| EngineUnavailable(e.to_string())),
        Engine::Auto => {
            let install = match discover(lookup, workspace_root) {
                Ok(install) => install,
                Err(e) => {
                    return Ok(Decision::Builtin {
                        reason: format!("auto: {e}"),
                    })
                }
            };
            match java() {
                Some(j) if j.new_enough() => Ok(Decision::Maelstrom(install)),
                Some(j) => Ok(Decision::Builtin {
                    reason: format!(
                        "auto: Maelstrom was found at {install}, but Java {} is older than \
                         {MIN_JAVA}",
                        j.major
                    ),
                }),
                None => Ok(Decision::Builtin {
                    reason: format!(
                        "auto: Maelstrom was found at {install}, but there is no working java"
                    ),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_env_and_builtin_is_the_default() {
        assert_eq!(
            Engine::resolve(Some("maelstrom"), Some("builtin")),
            Ok(Engine::Maelstrom)
        );
        assert_eq!(Engine::resolve(None, Some("Auto")), Ok(Engine::Auto));
        assert_eq!(Engine::resolve(None, Some("")), Ok(Engine::Builtin));
        assert_eq!(Engine::resolve(None, None), Ok(Engine::Builtin));
        assert!(Engine::resolve(Some("jvm"), None).is_err());
        assert_eq!(Engine::Auto.to_string().parse(), Ok(Engine::Auto));
    }

    fn jar_lookup(root: &Path) -> Lookup {
        let jar = root.join("maelstrom.jar");
        std::fs::write(&jar, "").unwrap();
        Lookup {
            maelstrom: Some(jar.into()),
            ..Lookup::default()
        }
    }

    #[test]
    fn auto_needs_maelstrom_and_a_new_enough_java() {
        let tmp = tempfile::tempdir().unwrap();
        let found = jar_lookup(tmp.path());
        let java = |major| {
            move || {
                Some(Java {
                    major,
                    banner: String::new(),
                })
            }
        };
        assert!(matches!(
            decide_with(Engine::Auto, &found, tmp.path(), java(17)),
            Ok(Decision::Maelstrom(_))
        ));
        let Ok(Decision::Builtin { reason }) =
            decide_with(Engine::Auto, &found, tmp.path(), java(8))
        else {
            panic!("Java 8 cannot run Maelstrom 0.2.4")
        };
        assert!(reason.contains("older than 11"), "{reason}");
        assert!(matches!(
            decide_with(Engine::Auto, &found, tmp.path(), || None),
            Ok(Decision::Builtin { .. })
        ));
        let nothing = Lookup::default();
        assert!(matches!(
            decide_with(Engine::Auto, &nothing, tmp.path(), java(17)),
            Ok(Decision::Builtin { .. })
        ));
        assert!(decide_with(Engine::Maelstrom, &nothing, tmp.path(), java(17)).is_err());

        let maelstrom = || decide_with(Engine::Auto, &found, tmp.path(), java(17)).unwrap();
        assert!(matches!(
            gnuplot_gate(Engine::Auto, maelstrom(), Workload::Kafka, false),
            Decision::Builtin { .. }
        ));
        assert!(matches!(
            gnuplot_gate(Engine::Auto, maelstrom(), Workload::Kafka, true),
            Decision::Maelstrom(_)
        ));
        assert!(matches!(
            gnuplot_gate(Engine::Auto, maelstrom(), Workload::Echo, false),
            Decision::Maelstrom(_)
        ));
        assert!(matches!(
            gnuplot_gate(Engine::Maelstrom, maelstrom(), Workload::Kafka, false),
            Decision::Maelstrom(_)
        ));
        assert!(matches!(
            decide_with(Engine::Builtin, &found, tmp.path(), || unreachable!()),
            Ok(Decision::Builtin { .. })
        ));
    }
}
