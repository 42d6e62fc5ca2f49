//! Printing a verdict for a person: the outcome first, then the reason in plain words, then the
//! figures that matter, then where to look.
//!
//! Learners read this after every run, so it leads with one line that says PASS or FAIL and why,
//! and keeps Maelstrom's vocabulary (`msgs-per-op`, `stable latency`) only where it helps them
//! compare with Fly.io's pages.

use std::fmt::Write as _;

use crate::manifest::Level;
use crate::verdict::{Validity, Verdict};

/// How many evidence lines a failing check shows before "… and N more".
const MAX_DETAILS: usize = 8;

/// Renders one run's verdict.
pub fn render(level: &Level, verdict: &Verdict) -> String {
    render_with(Some(level), verdict)
}

/// Renders a verdict whose level is not known (a hand-made Maelstrom run with no command line).
pub fn render_unlevelled(verdict: &Verdict) -> String {
    render_with(None, verdict)
}

fn render_with(level: Option<&Level>, verdict: &Verdict) -> String {
    let mut out = String::new();
    let outcome = verdict.outcome();
    let run = verdict
        .run_label
        .as_deref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    let name = level.map_or_else(
        || "an unidentified level".to_owned(),
        |l| format!("level {} · {}", l.id, l.title),
    );
    let _ = writeln!(
        out,
        "{outcome}  {name}{run} — judged by the {} engine",
        verdict.engine
    );

    match (outcome, verdict.stall) {
        (crate::verdict::Outcome::Inconclusive, Some(stall)) => {
            let _ = writeln!(
                out,
                "  ? machine: the grader itself was not scheduled for {} ms at {:.1} s into the \
                 run (a loaded or suspended machine), so the timeouts and latencies below are \
                 not the node's. This run does not count either way.",
                stall.lag_ms, stall.at_s
            );
        }
        (crate::verdict::Outcome::Fail, Some(stall)) => {
            let _ = writeln!(
                out,
                "  note: the machine stalled for {} ms at {:.1} s, but what failed below does \
                 not depend on timing.",
                stall.lag_ms, stall.at_s
            );
        }
        _ => {}
    }
    // The reason: every check that is not valid, worst first; or what passing means.
    let failures: Vec<_> = verdict.failures().collect();
    if failures.is_empty() {
        let _ = writeln!(out, "  ✓ {}", passing_criteria(level, verdict));
    }
    for check in &failures {
        let mark = if check.validity == Validity::Unknown {
            "?"
        } else {
            "✗"
        };
        let _ = writeln!(out, "  {mark} {}: {}", check.name, check.summary);
        write_details(&mut out, &check.details);
    }

    // The figures, aligned, with limits where the level sets them. A figure the budget repeats
    // with its limit is shown once, beside the limit.
    let all: Vec<_> = verdict.figures().collect();
    let limited: Vec<&str> = all
        .iter()
        .filter(|f| f.limit.is_some())
        .map(|f| f.label.as_str())
        .collect();
    let figures: Vec<_> = all
        .into_iter()
        .filter(|f| f.limit.is_some() || !limited.contains(&f.label.as_str()))
        .collect();
    if !figures.is_empty() {
        out.push('\n');
        let width = figures
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0);
        for f in figures {
            let pad = width - f.label.chars().count();
            let _ = write!(out, "  {}{}  {}", f.label, " ".repeat(pad), f.value);
            if let (Some(limit), Some(within)) = (&f.limit, f.within) {
                let mark = if within { "✓" } else { "✗ not met" };
                let _ = write!(out, "   (limit {limit}) {mark}");
            }
            out.push('\n');
        }
    }

    // Valid checks that still have something to say (a graph Maelstrom could not draw, client
    // exceptions), so that nothing in Maelstrom's own output surprises the learner.
    let routine = ["stats", "net", "availability"];
    for check in verdict.checks.iter() {
        if check.validity == Validity::Valid
            && !check.details.is_empty()
            && !routine.contains(&check.name.as_str())
        {
            let _ = writeln!(out, "  note ({}): {}", check.name, check.summary);
            write_details(&mut out, &check.details);
        }
    }

    if let (false, Some(level)) = (verdict.passed(), level) {
        let hints = hints_for(level, verdict);
        if !hints.is_empty() {
            out.push_str("\nHints:\n");
            for hint in hints {
                let _ = writeln!(out, "  • {hint}");
            }
            let _ = writeln!(
                out,
                "  • More in course.md, chapter for level {}. Your node: challenges/{}/src/lib.rs; \
                 its in-process tests: cargo test -p {}",
                level.id, level.challenge, level.challenge
            );
        }
    }

    if !verdict.flow_excerpt.is_empty() {
        out.push_str("\nThe messages around the failure:\n");
        for line in &verdict.flow_excerpt {
            let _ = writeln!(out, "  {line}");
        }
    }

    if verdict.run_dir.is_some() || verdict.seconds.is_some() {
        out.push('\n');
    }
    if let Some(time) = run_time(verdict) {
        let _ = writeln!(out, "  run time   {time}");
    }
    if let Some(dir) = &verdict.run_dir {
        let _ = writeln!(
            out,
            "  run folder {} (history, node logs, messages, results)",
            dir.display()
        );
    }
    if let Some(page) = &verdict.report {
        let _ = writeln!(out, "  report     {}", page.display());
    }
    // Last, so that it is the line a learner copies: it stays valid as they rerun the level.
    if let Some(latest) = &verdict.latest {
        let _ = writeln!(out, "  newest run {}", latest.display());
    }
    out
}

/// Writes up to [`MAX_DETAILS`] evidence lines, then "… and N more", N counting the items left
/// out: a hidden line that itself says "… and K more …" stands for K items, any other for one.
fn write_details(out: &mut String, details: &[String]) {
    for line in details.iter().take(MAX_DETAILS) {
        let _ = writeln!(out, "      {line}");
    }
    let hidden: usize = details
        .iter()
        .skip(MAX_DETAILS)
        .map(|line| items_in(line))
        .sum();
    if hidden > 0 {
        let _ = writeln!(out, "      … and {hidden} more");
    }
}

/// How many items an evidence line stands for: K for "… and K more …", else 1.
fn items_in(line: &str) -> usize {
    line.trim_start()
        .strip_prefix("… and ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or(1)
}

/// What passing meant. A level with several runs (6b) is passed by all of them together, so one
/// run's verdict claims only its own part.
fn passing_criteria(level: Option<&Level>, verdict: &Verdict) -> String {
    if let Some(criteria) = &verdict.criteria {
        return criteria.clone();
    }
    match level {
        Some(l) if l.runs.len() > 1 => {
            let run = verdict
                .run_label
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            format!(
                "every check of this run{run} passed; level {} needs all {} of its runs to pass",
                l.id,
                l.runs.len()
            )
        }
        Some(l) => l.criteria.to_owned(),
        None => "every check passed".to_owned(),
    }
}

/// Checks whose failure says the node did not run or talk properly at all: the level's hints,
/// which are about its design, do not apply until those are fixed.
const NODE_FAULTS: [&str; 3] = ["nodes", "build", "flags"];

/// The level's hints when they match the failure; for a node that crashed or broke the protocol,
/// the one hint that does.
fn hints_for(level: &Level, verdict: &Verdict) -> Vec<&'static str> {
    let faults: Vec<&str> = verdict.failures().map(|c| c.name.as_str()).collect();
    if faults.contains(&"nodes") {
        // Only a hint about the protocol itself fits a node that broke it.
        let mut hints = vec![
            "A node crashed or broke the protocol: fix that first (its stderr log is in the run \
             folder); the level's own hints apply once it runs cleanly.",
        ];
        hints.extend(level.hints.iter().filter(|h| h.contains("stdout")));
        return hints;
    }
    if faults.iter().all(|f| NODE_FAULTS.contains(f)) {
        return Vec::new();
    }
    level.hints.to_vec()
}

/// One line per verdict when a level ran several times (`--repeat`, or 6b's two runs).
pub fn render_summary(level: &Level, verdicts: &[Verdict]) -> String {
    let passed = verdicts.iter().filter(|v| v.passed()).count();
    let mut out = String::new();
    let overall = if passed == verdicts.len() {
        "PASS"
    } else {
        "FAIL"
    };
    let _ = writeln!(
        out,
        "{overall}  level {} · {}: {passed} of {} runs passed",
        level.id,
        level.title,
        verdicts.len()
    );
    if passed == verdicts.len() && verdicts.len() >= level.runs.len() {
        let _ = writeln!(out, "  ✓ {}", level.criteria);
    }
    for (i, v) in verdicts.iter().enumerate() {
        let label = v.run_label.as_deref().unwrap_or("");
        let reason = v
            .failures()
            .next()
            .map(|c| format!(" — {}: {}", c.name, c.summary))
            .unwrap_or_default();
        let mark = if v.passed() { "✓" } else { "✗" };
        let _ = writeln!(out, "  {mark} run {} {label}{reason}", i + 1);
    }
    if let Some(latest) = verdicts.last().and_then(|v| v.latest.as_ref()) {
        let _ = writeln!(out, "  newest run {}", latest.display());
    }
    out
}

/// How long the run took: "31.2 s", or for a simulated run "0.03 s for 10.0 s of virtual time".
/// A simulated run often takes hundredths of a second, where "0.0 s" would say nothing.
pub fn run_time(verdict: &Verdict) -> Option<String> {
    let secs = verdict.seconds?;
    let wall = if secs < 1.0 {
        format!("{secs:.2} s")
    } else {
        format!("{secs:.1} s")
    };
    Some(match verdict.simulated_seconds {
        Some(virtual_secs) => format!("{wall} for {virtual_secs:.1} s of virtual time"),
        None => wall,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;
    use crate::verdict::{Check, EngineName, Figure};

    /// A level and a real-time verdict of it with one valid check.
    fn passing(id: &str) -> (&'static crate::manifest::Level, Verdict) {
        let verdict = Verdict::new(
            id,
            EngineName::Builtin,
            vec![Check::valid("workload", "ok")],
        );
        (level(id).unwrap(), verdict)
    }

    #[test]
    fn a_failure_leads_with_its_reason_and_shows_hints() {
        let lvl = level("3d").unwrap();
        let v = Verdict::new(
            "3d",
            EngineName::Builtin,
            vec![
                Check::valid("workload", "all 1000 values reached every node"),
                Check::invalid("budget", "msgs-per-op is over the level's limit").with_figure(
                    Figure::new("msgs-per-op (servers)", "41.2").with_limit("< 30", false),
                ),
            ],
        );
        let text = render(lvl, &v);
        assert!(text.starts_with("FAIL  level 3d"), "{text}");
        assert!(text.contains("✗ budget: msgs-per-op is over"), "{text}");
        assert!(text.contains("(limit < 30) ✗ not met"), "{text}");
        assert!(text.contains("Hints:"), "{text}");
        assert!(
            text.contains(
                "challenges/broadcast/src/lib.rs; its in-process tests: cargo test -p broadcast"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_run_time_says_how_much_virtual_time_a_simulated_run_covered() {
        let (lvl, mut v) = passing("1");
        v.seconds = Some(10.43);
        assert!(render(lvl, &v).contains("  run time   10.4 s\n"));
        v.engine = EngineName::Sim;
        v.seconds = Some(0.031);
        v.simulated_seconds = Some(9.74);
        let text = render(lvl, &v);
        assert!(
            text.contains("  run time   0.03 s for 9.7 s of virtual time\n"),
            "{text}"
        );
    }

    #[test]
    fn more_counts_the_items_left_out_not_the_lines() {
        let lvl = level("3b").unwrap();
        let mut details: Vec<String> = (0..10)
            .map(|i| format!("read op {i} listed 1 ×2"))
            .collect();
        details.push("… and 8,093 more reads with repeated values".to_owned());
        let v = Verdict::new(
            "3b",
            EngineName::Builtin,
            vec![Check::invalid("workload", "a read returned 1 2 times").with_details(details)],
        );
        let text = render(lvl, &v);
        // 8 shown; 2 read lines and the 8,093 they summarise are left out.
        assert!(text.contains("… and 8095 more"), "{text}");
        assert!(!text.contains("… and 3 more"), "{text}");
    }

    #[test]
    fn one_run_of_six_b_does_not_claim_both_and_the_summary_does() {
        let (lvl, mut v) = passing("6b");
        v.run_label = Some("without partitions".to_owned());
        let text = render(lvl, &v);
        assert!(!text.contains("both runs valid"), "{text}");
        assert!(
            text.contains("this run (without partitions) passed"),
            "{text}"
        );
        let mut other = v.clone();
        other.run_label = Some("with partitions".to_owned());
        let summary = render_summary(lvl, &[v.clone(), other]);
        assert!(summary.contains("both runs valid"), "{summary}");
        assert!(!render_summary(lvl, &[v]).contains("both runs valid"));
    }

    #[test]
    fn design_hints_stay_away_from_a_node_that_crashed() {
        let lvl = level("5c").unwrap();
        let v = Verdict::new(
            "5c",
            EngineName::Builtin,
            vec![
                Check::invalid("nodes", "n1 exited with status 101, 3.2 s after it started"),
                Check::invalid("stats", "no poll ever succeeded"),
            ],
        );
        let text = render(lvl, &v);
        assert!(!text.contains("one owner"), "{text}");
        assert!(
            text.contains("A node crashed or broke the protocol"),
            "{text}"
        );
        let v = Verdict::new(
            "5c",
            EngineName::Builtin,
            vec![Check::invalid("budget", "over the level's budget")],
        );
        assert!(render(lvl, &v).contains("one owner"));
        // A protocol hint still fits a protocol fault.
        let v = Verdict::new(
            "1",
            EngineName::Builtin,
            vec![Check::invalid(
                "nodes",
                "n0 wrote a line that is not JSON on stdout",
            )],
        );
        let text = render(level("1").unwrap(), &v);
        assert!(text.contains("debug output belongs on stderr"), "{text}");
        assert!(!text.contains("Reply with type echo_ok"), "{text}");
    }

    #[test]
    fn the_last_line_names_the_latest_pointer() {
        let mut v = Verdict::new(
            "3b",
            EngineName::Builtin,
            vec![Check::valid("workload", "ok")],
        );
        v.run_dir = Some("runs/3b/20261203T070000.000".into());
        v.latest = Some("runs/3b/latest".into());
        let text = render(level("3b").unwrap(), &v);
        assert_eq!(
            text.lines().last(),
            Some("  newest run runs/3b/latest"),
            "{text}"
        );
    }

    #[test]
    fn a_summary_of_several_runs_ends_with_the_latest_pointer() {
        let mut runs = vec![
            Verdict::new(
                "6b",
                EngineName::Builtin,
                vec![Check::valid("workload", "ok")],
            ),
            Verdict::new(
                "6b",
                EngineName::Builtin,
                vec![Check::valid("workload", "ok")],
            ),
        ];
        runs[1].latest = Some("runs/6b/latest".into());
        let text = render_summary(level("6b").unwrap(), &runs);
        assert_eq!(
            text.lines().last(),
            Some("  newest run runs/6b/latest"),
            "{text}"
        );
    }

    #[test]
    fn a_pass_says_what_passing_means_and_no_hints() {
        let lvl = level("1").unwrap();
        let v = Verdict::new(
            "1",
            EngineName::Builtin,
            vec![Check::valid("workload", "ok")],
        );
        let text = render(lvl, &v);
        assert!(text.starts_with("PASS  level 1 · Echo"), "{text}");
        assert!(text.contains(lvl.criteria), "{text}");
        assert!(!text.contains("Hints"), "{text}");
    }
}
