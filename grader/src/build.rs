//! Building the node to grade: the learner's challenge crate or the reference solution.
//!
//! The grader asks cargo for a release build of one package and reads the executable's path
//! from cargo's JSON messages, so that `CARGO_TARGET_DIR` and friends are respected. The test
//! suite asks for cargo's dev profile instead ([`Profile::Dev`]): it reuses what `cargo test`
//! has already compiled, and in virtual time a slower node changes nothing but the wall clock.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a node could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// cargo itself could not be started: an environment problem.
    #[error("could not run cargo ({cargo}): {source}")]
    NoCargo {
        cargo: String,
        source: std::io::Error,
    },
    /// The code did not compile: the learner's problem, with cargo's own messages.
    #[error("`{package}` does not compile:\n{messages}")]
    Compile { package: String, messages: String },
    /// `--workspace` names a folder that is not there.
    #[error("the workspace folder {} does not exist", .0.display())]
    NoWorkspace(PathBuf),
    /// `--workspace` names a folder that holds no Cargo workspace with the package.
    #[error("{} is not a Cargo workspace with a `{package}` package: {why}", .path.display())]
    NotAWorkspace {
        path: PathBuf,
        package: String,
        why: String,
    },
    /// The package built but produced no executable.
    #[error("`{package}` built, but cargo reported no executable for it")]
    NoExecutable { package: String },
    /// The executable could not be copied out of a shared target folder.
    #[error("could not copy the built node to {path}: {source}")]
    Copy {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The environment variable that chooses the profile nodes are built in (`dev` or `release`).
pub const PROFILE_ENV: &str = "GRADER_NODE_PROFILE";

/// Which cargo profile a node is built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Optimised, as a node is graded: the default.
    #[default]
    Release,
    /// Cargo's dev profile: no extra compilation after `cargo test`, a slower node. For the
    /// test suite, whose simulated runs do not depend on a node's speed.
    Dev,
}

impl Profile {
    /// `GRADER_NODE_PROFILE=dev` asks for [`Profile::Dev`]; anything else, or nothing, is release.
    pub fn from_env() -> Profile {
        match std::env::var(PROFILE_ENV) {
            Ok(v) if v.trim().eq_ignore_ascii_case("dev") => Profile::Dev,
            _ => Profile::Release,
        }
    }

    /// The packages built alongside a node, as `-p` arguments. In [`Profile::Dev`], the grader's
    /// own package when the workspace has one: cargo resolves features over all the packages it
    /// builds, the grader's dependencies turn on features of crates that nodes share (mio, serde),
    /// and only with the grader among them does a node build reuse what `cargo test` compiled.
    /// Alone, a node compiled tokio, serde and `common` over again. The workspace's
    /// `Cargo.toml` lists the features the other way round: those the tests' own dependencies add.
    pub fn companions(self, workspace: &Path) -> Vec<&'static str> {
        match self {
            Profile::Dev if workspace.join("grader/Cargo.toml").is_file() => vec!["-p", "grader"],
            _ => vec![],
        }
    }

    /// The profile's name, as cargo and the progress line spell it.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Dev => "dev",
        }
    }
}

/// Where the workspace is: the folder holding the root `Cargo.toml` with `grader/` in it.
///
/// Looks upward from the current folder first (a learner's checkout, or a student's clone an
/// instructor is in), then falls back to where this grader was compiled.
pub fn workspace_root() -> PathBuf {
    workspace_from_cwd().unwrap_or_else(built_from)
}

/// The course workspace the current folder is in, if it is in one.
pub fn workspace_from_cwd() -> Option<PathBuf> {
    let is_root = |dir: &Path| dir.join("Cargo.toml").is_file() && dir.join("grader").is_dir();
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().find(|d| is_root(d)).map(Path::to_path_buf)
}

/// The checkout this grader was compiled in.
pub fn built_from() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The commit checked out in the git repository holding `dir`, if any.
pub fn git_commit(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--verify", "HEAD"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let commit = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && commit.len() >= 40).then_some(commit)
}

/// Builds with `CARGO_TARGET_DIR=target_dir` when given. Many workspaces sharing one target
/// folder build the same package names into the same `release/` paths, so the build and the copy
/// of its executable (next to the target folder, under `nodes/<hash of the workspace>/`) happen
/// under one lock: no student's node is graded from another's build.
pub fn build_node_in(
    workspace: &Path,
    package: &str,
    target_dir: Option<&Path>,
    profile: Profile,
) -> Result<PathBuf, BuildError> {
    let Some(target_dir) = target_dir else {
        return build_node_with(workspace, package, None, profile);
    };
    static SHARED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    let built = build_node_with(workspace, package, Some(target_dir), profile)?;
    let key = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(workspace.to_string_lossy().as_bytes());
        digest
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let name = built
        .file_name()
        .map_or_else(|| package.into(), |n| n.to_owned());
    let dir = target_dir.join("nodes").join(key);
    let copy = dir.join(name);
    let io = |source| BuildError::Copy {
        path: copy.clone(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    // Copy then rename, so that a node still running from an earlier copy is never overwritten.
    let partial = copy.with_extension("partial");
    std::fs::copy(&built, &partial).map_err(io)?;
    std::fs::rename(&partial, &copy).map_err(io)?;
    Ok(copy)
}

/// Builds `package` in `profile` inside `workspace` and returns the path of its executable.
pub fn build_node(
    workspace: &Path,
    package: &str,
    profile: Profile,
) -> Result<PathBuf, BuildError> {
    build_node_with(workspace, package, None, profile)
}

fn build_node_with(
    workspace: &Path,
    package: &str,
    target_dir: Option<&Path>,
    profile: Profile,
) -> Result<PathBuf, BuildError> {
    let mut executables = build_executables_with(workspace, package, target_dir, profile)?;
    match executables.len() {
        0 => Err(BuildError::NoExecutable {
            package: package.to_owned(),
        }),
        _ => Ok(executables.swap_remove(0).1),
    }
}

/// Builds `package` in `profile` and returns every executable it has, by name.
fn build_executables_with(
    workspace: &Path,
    package: &str,
    target_dir: Option<&Path>,
    profile: Profile,
) -> Result<Vec<(String, PathBuf)>, BuildError> {
    if !workspace.is_dir() {
        return Err(BuildError::NoWorkspace(workspace.to_path_buf()));
    }
    let not_a_workspace = |why: &str| BuildError::NotAWorkspace {
        path: workspace.to_path_buf(),
        package: package.to_owned(),
        why: why.to_owned(),
    };
    if !workspace.join("Cargo.toml").is_file() {
        return Err(not_a_workspace("it has no Cargo.toml"));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(&cargo);
    if let Some(dir) = target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    command.args([
        "build",
        "--profile",
        profile.name(),
        "--message-format=json-render-diagnostics",
        "-p",
        package,
    ]);
    command.args(profile.companions(workspace));
    let mut child = command
        .current_dir(workspace)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| BuildError::NoCargo {
            cargo: cargo.clone(),
            source,
        })?;

    // Cargo's stderr carries progress and rendered diagnostics: keep it for the error message.
    let stderr = child.stderr.take().expect("stderr is piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    });

    let mut executables = Vec::new();
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let is_ours = msg["reason"] == "compiler-artifact"
            && msg["package_id"]
                .as_str()
                .is_some_and(|id| package_id_names(id, package));
        if is_ours {
            if let (Some(exe), Some(name)) =
                (msg["executable"].as_str(), msg["target"]["name"].as_str())
            {
                executables.push((name.to_owned(), PathBuf::from(exe)));
            }
        }
    }
    let status = child.wait().map_err(|source| BuildError::NoCargo {
        cargo: cargo.clone(),
        source,
    })?;
    let messages = stderr_reader.join().unwrap_or_default();
    if !status.success() {
        // cargo's own complaints about the workspace, not the learner's code.
        for (says, why) in [
            (
                "did not match any packages",
                "cargo finds no such package there",
            ),
            ("could not find `Cargo.toml`", "it has no Cargo.toml"),
            ("failed to parse manifest", "its Cargo.toml cannot be read"),
        ] {
            if messages.contains(says) {
                return Err(not_a_workspace(why));
            }
        }
        return Err(BuildError::Compile {
            package: package.to_owned(),
            messages: compiler_messages(&messages),
        });
    }
    Ok(executables)
}

/// Whether a cargo package id (`path+file:///…/echo#0.1.0` or `echo 0.1.0 (path+…)`) names
/// `package`.
fn package_id_names(id: &str, package: &str) -> bool {
    if let Some((_, tail)) = id.rsplit_once('#') {
        // New format: `…/folder#name@version` or `…/name#version`.
        let name = tail.split('@').next().unwrap_or(tail);
        if tail.contains('@') {
            return name == package;
        }
        return id[..id.len() - tail.len() - 1].ends_with(&format!("/{package}"));
    }
    id.split(' ').next() == Some(package)
}

/// Cargo's stderr without the progress lines, which say nothing about what went wrong.
fn compiler_messages(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("Compiling ")
                || t.starts_with("Finished ")
                || t.starts_with("Blocking ")
                || t.starts_with("Updating ")
                || t.starts_with("Downloaded ")
                || t.starts_with("Downloading "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_both_package_id_formats() {
        assert!(package_id_names(
            "path+file:///w/challenges/echo#0.1.0",
            "echo"
        ));
        assert!(package_id_names(
            "path+file:///w/solutions/echo#echo-solution@0.1.0",
            "echo-solution"
        ));
        assert!(!package_id_names(
            "path+file:///w/solutions/echo#echo-solution@0.1.0",
            "echo"
        ));
        assert!(package_id_names(
            "echo 0.1.0 (path+file:///w/challenges/echo)",
            "echo"
        ));
        assert!(!package_id_names(
            "path+file:///w/challenges/unique-ids#0.1.0",
            "echo"
        ));
    }

    #[test]
    fn drops_progress_lines_from_compiler_output() {
        let out = "   Compiling echo v0.1.0\nerror[E0425]: cannot find value `x`\n    Finished x";
        assert_eq!(
            compiler_messages(out),
            "error[E0425]: cannot find value `x`"
        );
    }

    #[test]
    fn finds_this_workspace() {
        assert!(workspace_root().join("grader").is_dir());
    }
}
