//! `doctor`: what the Maelstrom engine needs on this machine, what is missing, and the command
//! that fixes each missing thing.
//!
//! Java (11 or newer) and Maelstrom are required; gnuplot and graphviz are not (without gnuplot
//! Maelstrom's verdict turns "unknown", which the grader reads through; without graphviz there
//! are no message diagrams), but the report recommends them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::discovery::{discover, Installation, Java, Lookup, MIN_JAVA};
use super::install::MAELSTROM_VERSION;
use crate::options::Workload;

/// Whether a tool is present and good enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Present but not usable (e.g. Java too old).
    Unusable,
    Missing,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: &'static str,
    /// Without it the Maelstrom engine cannot run at all.
    pub required: bool,
    pub status: Status,
    /// What was found: version, path, or why it is not usable.
    pub detail: String,
    /// What it is for, shown when it is not Ok.
    pub why: &'static str,
    /// The commands that fix it, one a line.
    pub fix: Vec<String>,
}

/// The doctor's findings.
#[derive(Debug, Clone)]
pub struct DoctorReport {
    pub items: Vec<Item>,
    /// The Maelstrom found, if any.
    pub maelstrom: Option<Installation>,
}

impl DoctorReport {
    /// Everything the Maelstrom engine needs is present (Java 11+ and Maelstrom).
    pub fn ready(&self) -> bool {
        self.items
            .iter()
            .filter(|i| i.required)
            .all(|i| i.status == Status::Ok)
    }

    /// Everything needed to judge this workload is present: Maelstrom's kafka checker draws
    /// plots as part of judging, so without gnuplot it can never reach a verdict.
    pub fn ready_for(&self, workload: Workload) -> bool {
        self.ready()
            && (workload != Workload::Kafka
                || self.item("gnuplot").is_some_and(|i| i.status == Status::Ok))
    }

    /// Everything, recommended tools included, is present.
    pub fn complete(&self) -> bool {
        self.items.iter().all(|i| i.status == Status::Ok)
    }

    pub fn item(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.name == name)
    }
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "What the Maelstrom engine needs:")?;
        for item in &self.items {
            let mark = match item.status {
                Status::Ok => "ok     ",
                Status::Unusable => "UNUSABLE",
                Status::Missing if item.required => "MISSING",
                Status::Missing => "missing",
            };
            let kind = if item.required {
                "required"
            } else {
                "recommended"
            };
            writeln!(f, "  {mark:<8} {:<9} {}", item.name, item.detail)?;
            if item.status != Status::Ok {
                writeln!(f, "           ({kind}: {})", item.why)?;
                for line in &item.fix {
                    writeln!(f, "           fix: {line}")?;
                }
            }
        }
        if self.ready() {
            writeln!(
                f,
                "The Maelstrom engine can run (--engine maelstrom, or --engine auto)."
            )
        } else {
            writeln!(
                f,
                "The Maelstrom engine cannot run here yet; the builtin engine (the default) \
                 needs none of this."
            )
        }
    }
}

/// Checks Java, Maelstrom, gnuplot and graphviz for a workspace.
pub fn doctor(workspace_root: &Path) -> DoctorReport {
    doctor_with(&Lookup::from_env(), workspace_root)
}

/// [`doctor`] with a given environment.
pub fn doctor_with(lookup: &Lookup, workspace_root: &Path) -> DoctorReport {
    let mut items = Vec::new();

    let java = Java::probe();
    let java_fix = vec![
        "Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless".to_owned(),
        "macOS: brew install openjdk@17".to_owned(),
    ];
    items.push(match &java {
        Some(j) if j.new_enough() => Item {
            name: "java",
            required: true,
            status: Status::Ok,
            detail: j.banner.clone(),
            why: "",
            fix: Vec::new(),
        },
        Some(j) => Item {
            name: "java",
            required: true,
            status: Status::Unusable,
            detail: format!("{} is Java {}, older than {MIN_JAVA}", j.banner, j.major),
            why: "Maelstrom 0.2.4 needs Java 11 or newer",
            fix: java_fix,
        },
        None => Item {
            name: "java",
            required: true,
            status: Status::Missing,
            detail: "no working `java` on PATH".to_owned(),
            why: "Maelstrom is a Java program",
            fix: java_fix,
        },
    });

    let found = discover(lookup, workspace_root);
    items.push(match &found {
        Ok(install) => Item {
            name: "maelstrom",
            required: true,
            status: Status::Ok,
            detail: format!(
                "{} {install}",
                install
                    .version()
                    .map_or_else(|| "version unknown,".to_owned(), |v| format!("{v},"))
            ),
            why: "",
            fix: Vec::new(),
        },
        Err(not_found) => Item {
            name: "maelstrom",
            required: true,
            status: Status::Missing,
            detail: format!("not found (looked in: {})", not_found.looked.join("; ")),
            why: "the Maelstrom engine runs it",
            fix: vec![
                format!(
                    "cargo run -p grader -- install-maelstrom   (downloads {MAELSTROM_VERSION} \
                     into {})",
                    lookup
                        .cache_dir()
                        .map_or_else(|| "the cache".to_owned(), |p| p.display().to_string())
                ),
                "or point MAELSTROM at an unpacked release's maelstrom wrapper or \
                 lib/maelstrom.jar"
                    .to_owned(),
            ],
        },
    });

    items.push(tool(
        lookup,
        "gnuplot",
        &["--version"],
        "without it Maelstrom draws no graphs and says \"unknown\" (the grader reads through \
         that), and its kafka checker cannot judge at all: levels 5a-5c need it",
        &[
            "Debian/Ubuntu: sudo apt-get install gnuplot-nox",
            "macOS: brew install gnuplot",
        ],
    ));
    items.push(tool(
        lookup,
        "dot",
        &["-V"],
        "graphviz draws Maelstrom's message diagrams and transaction anomaly graphs",
        &[
            "Debian/Ubuntu: sudo apt-get install graphviz",
            "macOS: brew install graphviz",
        ],
    ));

    DoctorReport {
        items,
        maelstrom: found.ok(),
    }
}

/// A recommended command-line tool: found on PATH, with its version line when it gives one.
fn tool(
    lookup: &Lookup,
    name: &'static str,
    version_args: &[&str],
    why: &'static str,
    fix: &[&str],
) -> Item {
    match lookup.which(name) {
        Some(path) => Item {
            name,
            required: false,
            status: Status::Ok,
            detail: version_line(&path, version_args).unwrap_or_else(|| path.display().to_string()),
            why,
            fix: Vec::new(),
        },
        None => Item {
            name,
            required: false,
            status: Status::Missing,
            detail: "not on PATH".to_owned(),
            why,
            fix: fix.iter().map(|s| (*s).to_owned()).collect(),
        },
    }
}

fn version_line(path: &PathBuf, args: &[&str]) -> Option<String> {
    let out = Command::new(path).args(args).output().ok()?;
    // `dot -V` prints on stderr.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_maelstrom_says_how_to_install_it() {
        let tmp = tempfile::tempdir().unwrap();
        let lookup = Lookup {
            path: Some(tmp.path().join("empty-bin").into()),
            xdg_cache_home: Some(tmp.path().join("xdg").into()),
            ..Lookup::default()
        };
        let report = doctor_with(&lookup, tmp.path());
        let m = report.item("maelstrom").unwrap();
        assert_eq!(m.status, Status::Missing);
        assert!(!report.ready());
        assert!(!report.ready_for(Workload::Echo));
        let text = report.to_string();
        assert!(text.contains("install-maelstrom"), "{text}");
        assert!(text.contains("apt-get install gnuplot-nox"), "{text}");
        assert!(text.contains("apt-get install graphviz"), "{text}");
    }
}
