//! Finding a Maelstrom installation, and Java to run it.
//!
//! Looked for in a fixed order, so that a learner can always tell which one runs: the
//! `MAELSTROM` variable (the `maelstrom` wrapper, `maelstrom.jar`, or the folder holding them),
//! `maelstrom` on `PATH`, a `maelstrom/` folder in the workspace, and the per-user cache that
//! `install-maelstrom` fills.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment discovery reads, gathered once so that tests can give their own.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// `MAELSTROM`.
    pub maelstrom: Option<OsString>,
    /// `PATH`.
    pub path: Option<OsString>,
    /// `XDG_CACHE_HOME`.
    pub xdg_cache_home: Option<OsString>,
    /// `HOME`.
    pub home: Option<OsString>,
}

impl Lookup {
    /// The process's own environment.
    pub fn from_env() -> Lookup {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Lookup {
            maelstrom: non_empty("MAELSTROM"),
            path: non_empty("PATH"),
            xdg_cache_home: non_empty("XDG_CACHE_HOME"),
            home: non_empty("HOME"),
        }
    }

    /// `$XDG_CACHE_HOME/gossip-glomers`, else `~/.cache/gossip-glomers`.
    pub fn cache_root(&self) -> Option<PathBuf> {
        let base = match (&self.xdg_cache_home, &self.home) {
            (Some(xdg), _) => PathBuf::from(xdg),
            (None, Some(home)) => Path::new(home).join(".cache"),
            (None, None) => return None,
        };
        Some(base.join("gossip-glomers"))
    }

    /// Where `install-maelstrom` puts Maelstrom: `<cache root>/maelstrom`.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        self.cache_root().map(|root| root.join("maelstrom"))
    }

    /// The first executable file called `name` in `PATH`.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        std::env::split_paths(path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }
}

/// How to start Maelstrom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launcher {
    /// The release's `maelstrom` shell wrapper (or anything that takes the same arguments).
    Script(PathBuf),
    /// `maelstrom.jar`, run as `java -Djava.awt.headless=true -jar JAR`, as the wrapper does.
    Jar(PathBuf),
}

/// Where Maelstrom was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundVia {
    EnvVar,
    Path,
    Workspace,
    Cache,
}

impl fmt::Display for FoundVia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FoundVia::EnvVar => "the MAELSTROM environment variable",
            FoundVia::Path => "PATH",
            FoundVia::Workspace => "the workspace's maelstrom/ folder",
            FoundVia::Cache => "the grader's cache (install-maelstrom)",
        })
    }
}

/// A Maelstrom the grader can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub launcher: Launcher,
    pub found_via: FoundVia,
}

/// The marker `install-maelstrom` writes beside what it unpacked: the version, so that it can
/// be told without opening the jar.
pub const VERSION_MARKER: &str = ".gossip-glomers-version";

impl Installation {
    /// The program and the arguments that come before `test …`.
    pub fn program(&self) -> (OsString, Vec<OsString>) {
        match &self.launcher {
            Launcher::Script(path) => (path.clone().into_os_string(), Vec::new()),
            Launcher::Jar(jar) => (
                OsString::from("java"),
                vec![
                    OsString::from("-Djava.awt.headless=true"),
                    OsString::from("-jar"),
                    jar.clone().into_os_string(),
                ],
            ),
        }
    }

    /// A [`Command`] that starts Maelstrom; the caller adds `test …`.
    pub fn command(&self) -> Command {
        let (program, args) = self.program();
        let mut cmd = Command::new(program);
        cmd.args(args);
        cmd
    }

    /// The wrapper or jar path, for reports.
    pub fn path(&self) -> &Path {
        match &self.launcher {
            Launcher::Script(p) | Launcher::Jar(p) => p,
        }
    }

    /// The jar this installation runs, when it can be told (the wrapper's is `lib/maelstrom.jar`
    /// beside it).
    pub fn jar(&self) -> Option<PathBuf> {
        match &self.launcher {
            Launcher::Jar(jar) => Some(jar.clone()),
            Launcher::Script(script) => {
                let real = std::fs::canonicalize(script).ok()?;
                let jar = real.parent()?.join("lib").join("maelstrom.jar");
                jar.is_file().then_some(jar)
            }
        }
    }

    /// Maelstrom's version, when it can be had cheaply: the marker `install-maelstrom` writes,
    /// else the `pom.properties` Leiningen puts in the jar (read with `unzip`, when there is one).
    pub fn version(&self) -> Option<String> {
        let jar = self.jar();
        let folder = jar
            .as_deref()
            .and_then(Path::parent)
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .or_else(|| self.path().parent().map(Path::to_path_buf));
        if let Some(folder) = folder {
            if let Ok(text) = std::fs::read_to_string(folder.join(VERSION_MARKER)) {
                if let Some(v) = text.split_whitespace().next() {
                    return Some(v.to_owned());
                }
            }
        }
        let jar = jar?;
        let out = Command::new("unzip")
            .arg("-p")
            .arg(&jar)
            .arg("META-INF/maven/maelstrom/maelstrom/pom.properties")
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("version="))
            .map(|v| v.trim().to_owned())
    }
}

impl fmt::Display for Installation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (found via {})",
            self.path().display(),
            self.found_via
        )
    }
}

/// Maelstrom was not found; says where the grader looked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Maelstrom was not found; looked in: {}", looked.join("; "))]
pub struct NotFound {
    pub looked: Vec<String>,
}

/// Finds Maelstrom, in the documented order. `workspace_root` is the Cargo workspace (the
/// folder holding `grader/`).
pub fn discover(lookup: &Lookup, workspace_root: &Path) -> Result<Installation, NotFound> {
    let mut looked = Vec::new();
    if let Some(value) = &lookup.maelstrom {
        let path = PathBuf::from(value);
        match in_place(&path) {
            Some(launcher) => {
                return Ok(Installation {
                    launcher,
                    found_via: FoundVia::EnvVar,
                })
            }
            None => looked.push(format!(
                "MAELSTROM={} (no maelstrom wrapper or maelstrom.jar there)",
                path.display()
            )),
        }
    } else {
        looked.push("MAELSTROM (not set)".to_owned());
    }
    match lookup.which("maelstrom") {
        Some(path) => {
            return Ok(Installation {
                launcher: Launcher::Script(path),
                found_via: FoundVia::Path,
            })
        }
        None => looked.push("PATH".to_owned()),
    }
    let beside = workspace_root.join("maelstrom");
    if let Some(launcher) = in_folder(&beside) {
        return Ok(Installation {
            launcher,
            found_via: FoundVia::Workspace,
        });
    }
    looked.push(beside.display().to_string());
    if let Some(cache) = lookup.cache_dir() {
        if let Some(launcher) = in_folder(&cache) {
            return Ok(Installation {
                launcher,
                found_via: FoundVia::Cache,
            });
        }
        looked.push(cache.display().to_string());
    }
    Err(NotFound { looked })
}

/// What `MAELSTROM` points at: a jar, a wrapper, or a folder holding either.
fn in_place(path: &Path) -> Option<Launcher> {
    if path.is_dir() {
        return in_folder(path);
    }
    if !path.is_file() {
        return None;
    }
    if path.extension() == Some(OsStr::new("jar")) {
        Some(Launcher::Jar(path.to_path_buf()))
    } else {
        Some(Launcher::Script(path.to_path_buf()))
    }
}

/// A release folder: its `maelstrom` wrapper, else its `lib/maelstrom.jar`.
fn in_folder(folder: &Path) -> Option<Launcher> {
    let script = folder.join("maelstrom");
    if is_executable(&script) {
        return Some(Launcher::Script(script));
    }
    let jar = folder.join("lib").join("maelstrom.jar");
    jar.is_file().then_some(Launcher::Jar(jar))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The Java that would run Maelstrom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Java {
    /// The major version: 8 for `1.8.0_292`, 17 for `17.0.9`.
    pub major: u32,
    /// The first line of `java -version`.
    pub banner: String,
}

/// The oldest Java Maelstrom 0.2.4 runs on.
pub const MIN_JAVA: u32 = 11;

impl Java {
    /// Runs `java -version` (it prints on stderr). `None` when there is no working `java`.
    pub fn probe() -> Option<Java> {
        let out = Command::new("java").arg("-version").output().ok()?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        Java::parse(&text)
    }

    /// Reads `java -version` output: `openjdk version "17.0.9" 2023-10-17`,
    /// `java version "1.8.0_292"`, `openjdk version "21" 2023-09-19`.
    pub fn parse(text: &str) -> Option<Java> {
        let line = text.lines().find(|l| l.contains("version \""))?;
        let quoted = line.split('"').nth(1)?;
        let mut parts = quoted.split(|c: char| !c.is_ascii_digit());
        let first: u32 = parts.next()?.parse().ok()?;
        let major = if first == 1 {
            parts.next()?.parse().ok()?
        } else {
            first
        };
        Some(Java {
            major,
            banner: line.trim().to_owned(),
        })
    }

    pub fn new_enough(&self) -> bool {
        self.major >= MIN_JAVA
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_java_versions() {
        let j = Java::parse("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime").unwrap();
        assert_eq!(j.major, 17);
        assert!(j.new_enough());
        let j = Java::parse("java version \"1.8.0_292\"\nJava(TM) SE").unwrap();
        assert_eq!(j.major, 8);
        assert!(!j.new_enough());
        assert_eq!(
            Java::parse("openjdk version \"21\" 2023-09-19")
                .unwrap()
                .major,
            21
        );
        assert!(Java::parse("bash: java: command not found").is_none());
    }

    #[test]
    fn cache_follows_xdg_then_home() {
        let mut l = Lookup {
            home: Some("/home/me".into()),
            ..Lookup::default()
        };
        assert_eq!(
            l.cache_dir().unwrap(),
            Path::new("/home/me/.cache/gossip-glomers/maelstrom")
        );
        l.xdg_cache_home = Some("/xdg".into());
        assert_eq!(
            l.cache_dir().unwrap(),
            Path::new("/xdg/gossip-glomers/maelstrom")
        );
    }

    #[test]
    fn discovery_order_is_env_path_workspace_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let make_script = |p: &Path| {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "#!/bin/sh\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        };
        let workspace = root.join("ws");
        std::fs::create_dir_all(&workspace).unwrap();
        let mut lookup = Lookup {
            xdg_cache_home: Some(root.join("xdg").into()),
            path: Some(root.join("bin").into()),
            ..Lookup::default()
        };
        let err = discover(&lookup, &workspace).unwrap_err();
        assert_eq!(err.looked.len(), 4, "{err}");

        // The cache holds only the jar: run it with java.
        let cached_jar = root.join("xdg/gossip-glomers/maelstrom/lib/maelstrom.jar");
        std::fs::create_dir_all(cached_jar.parent().unwrap()).unwrap();
        std::fs::write(&cached_jar, "").unwrap();
        let found = discover(&lookup, &workspace).unwrap();
        assert_eq!(found.found_via, FoundVia::Cache);
        assert_eq!(found.launcher, Launcher::Jar(cached_jar.clone()));
        assert_eq!(found.program().0, "java");

        make_script(&workspace.join("maelstrom/maelstrom"));
        assert_eq!(
            discover(&lookup, &workspace).unwrap().found_via,
            FoundVia::Workspace
        );

        make_script(&root.join("bin/maelstrom"));
        assert_eq!(
            discover(&lookup, &workspace).unwrap().found_via,
            FoundVia::Path
        );

        lookup.maelstrom = Some(cached_jar.clone().into());
        let found = discover(&lookup, &workspace).unwrap();
        assert_eq!(found.found_via, FoundVia::EnvVar);
        assert_eq!(found.launcher, Launcher::Jar(cached_jar));

        lookup.maelstrom = Some(root.join("nowhere").into());
        assert_eq!(
            discover(&lookup, &workspace).unwrap().found_via,
            FoundVia::Path,
            "a MAELSTROM pointing at nothing falls through, and is reported when nothing is found"
        );
    }

    #[test]
    fn the_install_marker_gives_the_version() {
        let tmp = tempfile::tempdir().unwrap();
        let jar = tmp.path().join("lib/maelstrom.jar");
        std::fs::create_dir_all(jar.parent().unwrap()).unwrap();
        std::fs::write(&jar, "").unwrap();
        std::fs::write(tmp.path().join(VERSION_MARKER), "0.2.4 sha256:…\n").unwrap();
        let found = Installation {
            launcher: Launcher::Jar(jar),
            found_via: FoundVia::Cache,
        };
        assert_eq!(found.version().as_deref(), Some("0.2.4"));
    }
}
