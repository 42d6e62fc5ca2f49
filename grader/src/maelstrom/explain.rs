//! `explain`: the grader's report for a Maelstrom run that already happened — a store folder,
//! a `store/` root, a project folder holding `store/`, or a `results.edn` on its own — with the
//! course's budgets that Maelstrom ignores.
//!
//! The level comes from the `--level` the learner gives, else from the command line Jepsen
//! recorded in the run's `jepsen.log`. How it was decided is written into the `"budget"` check,
//! so that a report never silently judges against the wrong level; a run whose flags test less
//! than the level's (no partitions, 6c's en dash, other node counts…) gets an unknown `"flags"`
//! check, so that it cannot pass the level.

use std::path::{Path, PathBuf};

use super::command::{compare, from_jepsen_log, is_decisive, match_level, LevelMatch};
use super::crash::crash_check;
use super::results;
use super::store;
use crate::edn::{self, EdnError};
use crate::manifest::Level;
use crate::options::TestOptions;
use crate::verdict::{Check, EngineName, Validity, Verdict};

/// Why there is nothing to explain.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("{} does not exist", .0.display())]
    NotFound(PathBuf),
    #[error(
        "no Maelstrom run in {}: expected results.edn, a run folder (store/<workload>/<time>/), \
         or a store/ folder",
        .0.display()
    )]
    NoRun(PathBuf),
    #[error("could not read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid EDN: {source}", path.display())]
    Edn { path: PathBuf, source: EdnError },
}

/// The report for a past run, judged against `level` when given, else against the level its
/// `jepsen.log` command line matches.
pub fn explain(path: &Path, level: Option<&Level>) -> Result<Verdict, ExplainError> {
    if !path.exists() {
        return Err(ExplainError::NotFound(path.to_path_buf()));
    }
    let (folder, results_path) = locate(path)?;
    let log = std::fs::read_to_string(folder.join("jepsen.log")).ok();
    let args = log.as_deref().and_then(from_jepsen_log);
    let matched = args.as_deref().and_then(match_level);
    let run_opts = args
        .as_deref()
        .and_then(|a| TestOptions::parse(&super::command::without_bin(a)).ok());

    let (level, notes) = decide_level(level, matched.as_ref(), args.is_some());
    let workload = level
        .map(|l| l.workload)
        .or(run_opts.as_ref().map(|o| o.workload));
    let availability = run_opts
        .as_ref()
        .map(|o| o.availability)
        .or_else(|| level.map(|l| l.options().first().and_then(|o| o.availability)))
        .flatten();

    let mut checks = Vec::new();
    let results_text = match &results_path {
        Some(p) => Some(
            std::fs::read_to_string(p).map_err(|source| ExplainError::Io {
                path: p.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let value = match (&results_text, &results_path) {
        (Some(text), Some(p)) => Some(edn::parse(text).map_err(|source| ExplainError::Edn {
            path: p.clone(),
            source,
        })?),
        _ => None,
    };
    match &value {
        Some(v) => checks.extend(results::checks(
            v,
            workload,
            availability,
            level.map(|l| (l.id, &l.budget)),
        )),
        None => checks.push(crash_check(
            None,
            log.as_deref().unwrap_or(""),
            Some(&folder),
        )),
    }
    let judged_opts = run_opts
        .clone()
        .or_else(|| level.and_then(|l| l.options().into_iter().next()));
    if let (Some(opts), Some(results)) = (&judged_opts, &value) {
        let crashed = crashed_checkers(results);
        if !crashed.is_empty() {
            fall_back_to_builtin(&mut checks, &crashed, opts, &folder);
        }
        checks.extend(super::stricter_checks(opts, &folder));
    }
    add_level_notes(&mut checks, level, matched.as_ref(), value.as_ref(), notes);
    if let (Some(level), Some(opts)) = (level, run_opts.as_ref()) {
        let (_, diffs) = compare(opts, level);
        let decisive: Vec<String> = diffs.into_iter().filter(|d| is_decisive(d)).collect();
        if !decisive.is_empty() {
            checks.push(
                Check::new(
                    "flags",
                    Validity::Unknown,
                    format!(
                        "this run did not use level {}'s flags, so it cannot show that the \
                         level passes",
                        level.id
                    ),
                )
                .with_details(decisive),
            );
        }
    }

    let mut verdict = Verdict::new(level.map_or("?", |l| l.id), EngineName::Maelstrom, checks);
    if let (Some(l), Some(m)) = (level, matched.as_ref()) {
        if m.level.id == l.id && l.runs.len() > 1 {
            verdict.run_label = Some(l.runs[m.run].label.to_owned());
        }
    }
    verdict.run_dir = Some(folder);
    Ok(verdict)
}

/// The checkers of Maelstrom's that threw: Jepsen then records `{:valid? :unknown :error …}` in
/// their place (or, when the whole analysis threw, one `:error` and none of them) instead of a
/// verdict.
fn crashed_checkers(results: &crate::value::Value) -> Vec<&'static str> {
    let whole = results.get("error").is_some();
    ["workload", "stats", "availability"]
        .into_iter()
        .filter(|name| match results.get(name) {
            Some(sub) => sub.get("error").is_some(),
            None => whole,
        })
        .collect()
}

/// Replaces each crashed check (`workload`, `stats`, `availability`) with the builtin checker's
/// verdict on the run's `history.edn`, saying that it did. Without a readable history the crash
/// stands: unknown, so the run cannot pass.
fn fall_back_to_builtin(
    checks: &mut Vec<Check>,
    crashed: &[&str],
    opts: &TestOptions,
    folder: &Path,
) {
    let Ok(text) = std::fs::read_to_string(folder.join("history.edn")) else {
        return;
    };
    let Ok(history) = crate::history::History::from_edn(&text) else {
        return;
    };
    // A crash of the whole analysis is replaced along with the checks it left out.
    let whole = checks
        .iter()
        .position(|c| c.name == "analysis")
        .map(|i| checks.remove(i));
    for (at, name) in crashed.iter().enumerate() {
        let existing = checks.iter().position(|c| c.name == *name);
        let why = existing
            .map(|i| &checks[i])
            .or(whole.as_ref())
            .and_then(|c| c.details.first().cloned())
            .filter(|d| !d.is_empty())
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let mut check = match *name {
            "stats" => crate::checkers::stats::check(&history),
            "availability" => crate::checkers::availability::check(&history, opts.availability),
            _ => crate::checkers::workload(opts, &history, None),
        };
        check.summary = format!(
            "Maelstrom's {name} checker crashed{why}, so the grader's builtin checker judged \
             history.edn instead: {}",
            check.summary
        );
        match existing {
            Some(i) => checks[i] = check,
            None => checks.insert(at.min(checks.len()), check),
        }
    }
}

/// The run folder and its `results.edn` (absent for a crashed run) for whatever was given.
fn locate(path: &Path) -> Result<(PathBuf, Option<PathBuf>), ExplainError> {
    let folder = if path.is_file() {
        let folder = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        return Ok((folder, Some(path.to_path_buf())));
    } else if store::is_run_folder(path) {
        path.to_path_buf()
    } else if let Some(run) = store::newest_run(&path.join("store")) {
        run
    } else if let Some(run) = store::newest_run(path) {
        run
    } else {
        return Err(ExplainError::NoRun(path.to_path_buf()));
    };
    let results = folder.join("results.edn");
    let results = results.is_file().then_some(results);
    Ok((folder, results))
}

/// The level to judge against, and sentences saying how it was chosen.
fn decide_level<'a>(
    given: Option<&'a Level>,
    matched: Option<&LevelMatch>,
    had_command: bool,
) -> (Option<&'a Level>, Vec<String>) {
    let mut notes = Vec::new();
    match (given, matched) {
        (Some(l), Some(m)) if m.level.id == l.id || m.also.iter().any(|a| a.id == l.id) => {
            notes.push(format!("judged as level {} (as asked)", l.id));
            notes.extend(
                m.differences
                    .iter()
                    .map(|d| format!("this run's flags differ: {d}")),
            );
            (Some(l), notes)
        }
        (Some(l), Some(m)) => {
            notes.push(format!(
                "judged as level {} (as asked), though its command line looks like level {}'s",
                l.id, m.level.id
            ));
            (Some(l), notes)
        }
        (Some(l), None) => {
            notes.push(format!("judged as level {} (as asked)", l.id));
            (Some(l), notes)
        }
        (None, Some(m)) => {
            let level: &'static Level = m.level;
            if m.differences.is_empty() {
                notes.push(format!(
                    "level {} assumed: the run's command line (jepsen.log) uses its flags",
                    level.id
                ));
            } else {
                notes.push(format!(
                    "level {} assumed: the closest to the run's command line (jepsen.log)",
                    level.id
                ));
                notes.extend(
                    m.differences
                        .iter()
                        .map(|d| format!("this run's flags differ: {d}")),
                );
            }
            (Some(level), notes)
        }
        (None, None) => {
            notes.push(if had_command {
                "no level matches the run's command line; judged by Maelstrom's checks alone"
                    .to_owned()
            } else {
                "no jepsen.log command line and no level given; judged by Maelstrom's checks \
                 alone (give the level to check its budget)"
                    .to_owned()
            });
            (None, notes)
        }
    }
}

/// Writes how the level was chosen into the `"budget"` check (adding one when the level has no
/// budget), and, when other levels share the run's flags, how the run fares by their budgets.
fn add_level_notes(
    checks: &mut Vec<Check>,
    level: Option<&Level>,
    matched: Option<&LevelMatch>,
    results: Option<&crate::value::Value>,
    mut notes: Vec<String>,
) {
    if let (Some(level), Some(m), Some(results)) = (level, matched, results) {
        let siblings = std::iter::once(m.level)
            .chain(m.also.iter().copied())
            .filter(|l| l.id != level.id);
        for other in siblings {
            match results::budget_check(results, other.id, &other.budget) {
                Some(b) => notes.push(format!(
                    "level {} runs the same flags; by its budget this run is {}{} (give the \
                     level to judge it as {})",
                    other.id,
                    if b.validity == Validity::Valid {
                        "within"
                    } else {
                        "not within"
                    },
                    budget_figures(&b),
                    other.id
                )),
                None => notes.push(format!(
                    "level {} runs the same flags and sets no budget",
                    other.id
                )),
            }
        }
    }
    if let Some(budget) = checks.iter_mut().find(|c| c.name == "budget") {
        budget.details.extend(notes);
        return;
    }
    let summary = match level {
        Some(l) => format!(
            "level {} sets no budget beyond Maelstrom's own checks",
            l.id
        ),
        None => "no level, so no budget was checked".to_owned(),
    };
    checks.push(Check::valid("budget", summary).with_details(notes));
}

fn budget_figures(b: &Check) -> String {
    let parts: Vec<String> = b
        .figures
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.label,
                f.value,
                f.limit
                    .as_deref()
                    .map_or(String::new(), |l| format!("vs {l}"))
            )
            .trim_end()
            .to_owned()
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;

    const VALID_TXN: &str = "{:stats {:valid? true, :count 5, :ok-count 5},
 :availability {:valid? true, :ok-fraction 1.0},
 :net {:servers {:msgs-per-op 1.0}, :valid? true},
 :workload {:valid? true, :anomaly-types (), :anomalies {}},
 :valid? true}";

    fn run_folder(dir: &Path, command: &str) -> PathBuf {
        let run = dir.join("store/txn-rw-register/20240101T000000.000+0000");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("results.edn"), VALID_TXN).unwrap();
        std::fs::write(
            run.join("jepsen.log"),
            format!("INFO [x] jepsen test runner - jepsen.core Command line:\nlein run test {command}\n"),
        )
        .unwrap();
        run
    }

    #[test]
    fn six_c_with_the_published_en_dash_cannot_pass() {
        let tmp = tempfile::tempdir().unwrap();
        run_folder(
            tmp.path(),
            "-w txn-rw-register --bin ./txn --node-count 2 --concurrency 2n --time-limit 20 \
             --rate 1000 --consistency-models read-committed --availability total \
             –-nemesis partition",
        );
        let v = explain(tmp.path(), None).unwrap();
        assert_eq!(v.level, "6c");
        assert!(!v.passed());
        let flags = v.check("flags").unwrap();
        assert_eq!(flags.validity, Validity::Unknown);
        let details = flags.details.join("\n");
        assert!(details.contains("--nemesis partition off"), "{details}");
        assert!(details.contains("en dash"), "{details}");
    }

    #[test]
    fn the_exact_flags_pass_and_a_level_asked_for_with_other_flags_does_not() {
        let tmp = tempfile::tempdir().unwrap();
        run_folder(
            tmp.path(),
            "-w txn-rw-register --bin ./txn --node-count 2 --concurrency 2n --time-limit 20 \
             --rate 1000 --consistency-models read-committed --availability total \
             --nemesis partition",
        );
        let v = explain(tmp.path(), None).unwrap();
        assert_eq!(v.level, "6c");
        assert!(v.passed(), "{:#?}", v.checks);
        // The same run, judged as 6a (one node, read-uncommitted, no partitions).
        let v = explain(tmp.path(), level("6a")).unwrap();
        assert_eq!(v.level, "6a");
        assert!(!v.passed());
        assert!(v.check("budget").unwrap().details[0].contains("looks like level 6c's"));
    }

    #[test]
    fn a_crashed_workload_checker_falls_back_to_the_builtin_one() {
        let tmp = tempfile::tempdir().unwrap();
        let run = run_folder(
            tmp.path(),
            "-w txn-rw-register --bin ./txn --node-count 1 --time-limit 20 --rate 1000 \
             --concurrency 2n --consistency-models read-uncommitted --availability total",
        );
        std::fs::write(
            run.join("results.edn"),
            "{:stats {:valid? true, :count 2, :ok-count 2},
              :availability {:valid? true, :ok-fraction 1.0},
              :workload {:valid? :unknown,
                         :error {:via [{:type java.lang.IllegalStateException,
                                        :message \"Duplicate key 1\"}]}},
              :valid? :unknown}",
        )
        .unwrap();
        let history = "\
{:index 0, :time 0, :type :invoke, :process 0, :f :txn, :value [[:w 1 2]]}
{:index 1, :time 5, :type :ok, :process 0, :f :txn, :value [[:w 1 2]]}
{:index 2, :time 6, :type :invoke, :process 1, :f :txn, :value [[:r 1 nil]]}
{:index 3, :time 9, :type :ok, :process 1, :f :txn, :value [[:r 1 2]]}
";
        std::fs::write(run.join("history.edn"), history).unwrap();
        let v = explain(tmp.path(), None).unwrap();
        let w = v.check("workload").unwrap();
        assert_eq!(w.validity, Validity::Valid, "{w:?}");
        assert!(
            w.summary.starts_with(
                "Maelstrom's workload checker crashed (Duplicate key 1), so the grader's builtin"
            ),
            "{}",
            w.summary
        );
        assert!(v.passed(), "{:#?}", v.checks);

        // The whole analysis threw: every check comes from the history, and none shows "?".
        std::fs::write(
            run.join("results.edn"),
            "{:valid? :unknown, :error {:via [{:message \"Analysis timed out\"}]}}",
        )
        .unwrap();
        let v = explain(tmp.path(), None).unwrap();
        for name in ["workload", "stats", "availability"] {
            let c = v
                .check(name)
                .unwrap_or_else(|| panic!("no {name}: {:#?}", v.checks));
            assert_eq!(c.validity, Validity::Valid, "{c:?}");
            assert!(
                c.summary.contains("builtin checker judged history.edn"),
                "{c:?}"
            );
            assert!(c.figures.iter().all(|f| f.value != "?"), "{c:?}");
        }
        assert!(v.passed(), "{:#?}", v.checks);

        let w = v.check("workload").unwrap();
        assert!(w.summary.contains("crashed (Analysis timed out)"), "{w:?}");

        // Without a history, the crash stands: unknown, so no pass.
        std::fs::remove_file(run.join("history.edn")).unwrap();
        let v = explain(tmp.path(), None).unwrap();
        assert_eq!(v.check("analysis").unwrap().validity, Validity::Unknown);
        assert!(!v.passed());
    }

    #[test]
    fn six_b_names_which_of_its_runs_this_was() {
        let tmp = tempfile::tempdir().unwrap();
        let l = level("6b").unwrap();
        let mut command = String::from("--bin ./txn");
        for f in l.runs[1].flags {
            command.push(' ');
            command.push_str(f);
        }
        run_folder(tmp.path(), &command);
        let v = explain(tmp.path(), None).unwrap();
        assert_eq!(v.level, "6b");
        assert_eq!(v.run_label.as_deref(), Some("with partitions"));
        assert!(v.passed(), "{:#?}", v.checks);
    }
}
