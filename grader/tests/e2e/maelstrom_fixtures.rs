//! Real Maelstrom output (`shared/fixtures/maelstrom/`, beside the workspace) read by the
//! Maelstrom engine: each folder must map to the verdict its name states, and agree with
//! Maelstrom's own top-level `:valid?` except where the course departs from it on purpose
//! (missing gnuplot, budgets).
//!
//! Skipped, with a note, when the shared folder is absent. `GLOMERS_SHARED` points elsewhere.

use crate::support;

use std::path::{Path, PathBuf};

use grader::edn;
use grader::maelstrom::explain;
use grader::maelstrom::results::validity_of;
use grader::manifest::level;
use grader::verdict::{Validity, Verdict};

fn fixtures() -> Option<PathBuf> {
    support::maelstrom_fixtures("maelstrom_fixtures")
}

fn folders(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("results.edn").is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// `"3d-valid-but-over-msgs-target"` → (`"3d"`, `"valid-but-over-msgs-target"`).
fn split_name(name: &str) -> (&str, &str) {
    name.split_once('-').unwrap()
}

fn describe(v: &Verdict) -> String {
    let mut s = format!("level {} → {}\n", v.level, v.validity());
    for c in &v.checks {
        s.push_str(&format!("  [{}] {}: {}\n", c.validity, c.name, c.summary));
        for d in &c.details {
            s.push_str(&format!("      {d}\n"));
        }
        for f in &c.figures {
            s.push_str(&format!(
                "      · {} = {}{}\n",
                f.label,
                f.value,
                f.limit
                    .as_deref()
                    .map_or(String::new(), |l| format!(" ({l})"))
            ));
        }
    }
    s
}

fn check_validity(v: &Verdict, name: &str) -> Validity {
    v.check(name)
        .unwrap_or_else(|| panic!("no {name} check:\n{}", describe(v)))
        .validity
}

#[test]
fn every_fixture_maps_to_the_verdict_its_name_states() {
    let Some(root) = fixtures() else { return };
    let all = folders(&root);
    assert!(
        all.len() >= 19,
        "expected the 19 fixture folders, found {}",
        all.len()
    );
    for (name, path) in all {
        let (id, said) = split_name(&name);
        let lvl = level(id).unwrap_or_else(|| panic!("{name}: no level {id}"));
        let v = explain(&path.join("results.edn"), Some(lvl)).unwrap();
        let report = describe(&v);
        eprintln!("{name}\n{report}");
        assert_eq!(v.level, id);
        if said.starts_with("valid-but-over-msgs-target") {
            assert!(!v.passed(), "{name} must fail the course budget:\n{report}");
            assert_eq!(check_validity(&v, "budget"), Validity::Invalid, "{report}");
            // Maelstrom's own checks pass; the course fails the budget, and — from the run's
            // history — the reads that listed a value twice, which Maelstrom never reports.
            let mut failing: Vec<_> = v.failures().map(|c| c.name.as_str()).collect();
            failing.sort();
            assert_eq!(failing, ["budget", "duplicates"], "{report}");
            let msgs = v
                .figures()
                .find(|f| f.label == "msgs-per-op (servers)" && f.limit.is_some())
                .unwrap();
            assert_eq!(msgs.within, Some(false), "{report}");
        } else if said.starts_with("valid") {
            assert!(v.passed(), "{name} must pass:\n{report}");
        } else if said.starts_with("unknown-no-gnuplot") {
            assert!(
                v.passed(),
                "{name}: missing gnuplot is not a failure:\n{report}"
            );
            let perf = v.check("perf").unwrap();
            assert!(perf.summary.contains("gnuplot"), "{report}");
        } else if said.starts_with("invalid") {
            assert!(!v.passed(), "{name} must fail:\n{report}");
            assert_eq!(v.validity(), Validity::Invalid, "{report}");
            expect_the_named_cause(&name, said, &v, &report);
        } else {
            panic!("{name}: the folder name states no verdict this test knows");
        }
    }
}

/// The failing check matches what the folder name says went wrong.
fn expect_the_named_cause(name: &str, said: &str, v: &Verdict, report: &str) {
    let workload = v.check("workload").unwrap();
    match said {
        s if s.starts_with("invalid-stats") => {
            assert_eq!(check_validity(v, "stats"), Validity::Invalid, "{report}");
            if s.ends_with("workload-true") {
                assert_eq!(workload.validity, Validity::Valid, "{report}");
                // Every final read timed out: Maelstrom's counter checker calls that valid, the
                // course's rule names each node that never answered one.
                let finals = v.check("final reads").expect("a final reads check");
                assert_eq!(finals.validity, Validity::Invalid, "{report}");
                assert!(
                    finals
                        .summary
                        .starts_with("n0, n1 and n2 returned no successful"),
                    "{report}"
                );
                assert!(
                    finals.summary.contains("stricter than Maelstrom's"),
                    "{report}"
                );
            }
        }
        "invalid-lost" => {
            assert_eq!(workload.validity, Validity::Invalid, "{report}");
            assert!(workload.summary.contains("lost"), "{report}");
            assert!(workload.details[0].starts_with("lost values: "), "{report}");
        }
        "invalid-empty-string-dupes" => {
            assert_eq!(workload.validity, Validity::Invalid, "{report}");
            assert!(workload.summary.contains("more than once"), "{report}");
            assert!(
                workload.details.iter().any(|d| d.contains(r#"id "" was"#)),
                "{report}"
            );
        }
        "invalid-final-reads" => {
            assert_eq!(workload.validity, Validity::Invalid, "{report}");
            assert!(workload.summary.contains("final reads"), "{report}");
        }
        "invalid-malformed-reply" => {
            assert_eq!(check_validity(v, "stats"), Validity::Invalid, "{report}");
            let e = v.check("exceptions").unwrap();
            assert!(
                e.details
                    .iter()
                    .any(|d| d.contains("malformed reply") && d.contains("missing-required-key")),
                "{report}"
            );
        }
        "invalid-no-replies" => {
            assert_eq!(check_validity(v, "stats"), Validity::Invalid, "{report}");
            assert_eq!(
                check_validity(v, "availability"),
                Validity::Invalid,
                "{report}"
            );
            assert!(workload.summary.contains("no transaction"), "{report}");
        }
        _ => panic!("{name}: add what this folder's name means to the test"),
    }
}

#[test]
fn the_verdict_agrees_with_maelstrom_except_where_the_course_departs() {
    let Some(root) = fixtures() else { return };
    for (name, path) in folders(&root) {
        let text = std::fs::read_to_string(path.join("results.edn")).unwrap();
        let results = edn::parse(&text).unwrap();
        let maelstrom = validity_of(&results).unwrap();
        let v = explain(&path, None).unwrap();
        let ours = Validity::merge(
            v.checks
                .iter()
                .filter(|c| c.name != "budget")
                .map(|c| c.validity),
        );
        let gnuplot_only = v
            .check("perf")
            .is_some_and(|p| p.summary.contains("gnuplot"));
        let expected = if gnuplot_only && maelstrom == Validity::Unknown {
            Validity::Valid
        } else {
            maelstrom
        };
        assert_eq!(ours, expected, "{name}:\n{}", describe(&v));
    }
}

#[test]
fn the_level_is_read_from_the_command_line_jepsen_logged() {
    let Some(root) = fixtures() else { return };
    for (name, path) in folders(&root) {
        let command = std::fs::read_to_string(path.join("command.txt")).unwrap_or_default();
        let command = command.trim();
        let (id, _) = split_name(&name);
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp
            .path()
            .join("store/some-workload/20240101T000000.000+0000");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::copy(path.join("results.edn"), run.join("results.edn")).unwrap();
        if !command.is_empty() {
            let argv = command.strip_prefix("maelstrom ").unwrap_or(command);
            std::fs::write(
                run.join("jepsen.log"),
                format!(
                    "INFO [2024-01-01 00:00:00,000] jepsen test runner - jepsen.core Command \
                     line:\nlein run {argv}\n"
                ),
            )
            .unwrap();
        }
        // Given the project folder, as a learner would.
        let v = explain(tmp.path(), None).unwrap();
        let budget = v.check("budget").unwrap();
        if command.is_empty() {
            assert_eq!(v.level, "?", "{name}");
            assert!(budget.details[0].contains("no jepsen.log"), "{name}");
            continue;
        }
        assert_eq!(v.level, id, "{name}: {}", describe(&v));
        // Only 2-invalid-empty-string-dupes ran with other flags than its level's (one node,
        // no partitions): that alone keeps it from passing.
        let flags = v.check("flags");
        if name == "2-invalid-empty-string-dupes" {
            let flags = flags.unwrap_or_else(|| panic!("{}", describe(&v)));
            assert_eq!(flags.validity, Validity::Unknown);
            assert!(
                flags
                    .details
                    .iter()
                    .any(|d| d.starts_with("--nemesis partition off")),
                "{}",
                describe(&v)
            );
        } else {
            assert!(flags.is_none(), "{name}:\n{}", describe(&v));
        }
        match id {
            "3d" => assert!(
                budget
                    .details
                    .iter()
                    .any(|d| d.starts_with("level 3e runs the same flags")),
                "{}",
                describe(&v)
            ),
            "2" => assert!(
                budget.details.iter().any(|d| d.contains("--time-limit 10")),
                "{}",
                describe(&v)
            ),
            _ => {}
        }
    }
}

#[test]
fn explaining_nothing_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = explain(tmp.path(), None).unwrap_err();
    assert!(err.to_string().contains("no Maelstrom run"), "{err}");
    let err = explain(&tmp.path().join("missing"), None).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    let bad = tmp.path().join("results.edn");
    std::fs::write(&bad, "{:valid? ").unwrap();
    assert!(explain(&bad, None)
        .unwrap_err()
        .to_string()
        .contains("not valid EDN"));
}

/// `grader explain` writes `report.html` beside a Maelstrom store: every failing real run
/// renders (the large passing ones only cost time in a debug build), and a lost broadcast value
/// is followed on the page. Maelstrom keeps no `messages.jsonl`; the page says so instead of
/// drawing a flow. Rendered in memory: the fixtures stay untouched.
#[test]
fn failing_fixtures_have_an_html_report() {
    let Some(root) = fixtures() else { return };
    let chosen = folders(&root)
        .into_iter()
        .filter(|(name, _)| name.contains("invalid") || name == "3b-valid");
    for (name, path) in chosen {
        let (id, _) = split_name(&name);
        let v = explain(&path.join("results.edn"), level(id)).unwrap();
        let page = grader::html_report::render(&path, &v)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .html;
        let outcome = if v.passed() { "PASS" } else { "FAIL" };
        assert!(page.contains(&format!("{outcome} level {id}")), "{name}");
        if path.join("history.edn").is_file() {
            assert!(page.contains("id=\"timeline\""), "{name}");
            assert!(page.contains("<svg"), "{name}: no timeline or plots");
        }
        if name == "3b-invalid-lost" {
            assert!(
                page.contains("was lost"),
                "{name}: the lost value is not followed"
            );
            assert!(page.contains("id=\"failing-op\""), "{name}");
        }
    }
}
