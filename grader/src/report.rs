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
        let criteria = verdict
            .criteria
            .as_deref()
            .unwrap_or_else(|| level.map_or("every check passed", |l| l.criteria));
        let _ = writeln!(out, "  ✓ {criteria}");
    }
    for check in &failures {
        let mark = if check.validity == Validity::Unknown {
            "?"
        } else {
            "✗"
        };
        let _ = writeln!(out, "  {mark} {}: {}", check.name, check.summary);
        for line in check.details.iter().take(MAX_DETAILS) {
            let _ = writeln!(out, "      {line}");
        }
        if check.details.len() > MAX_DETAILS {
            let _ = writeln!(
                out,
                "      … and {} more",
                check.details.len() - MAX_DETAILS
            );
        }
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
            for line in check.details.iter().take(MAX_DETAILS) {
                let _ = writeln!(out, "      {line}");
            }
        }
    }

    let hints = level.map_or(&[][..], |l| l.hints);
    if let (false, Some(level), false) = (verdict.passed(), level, hints.is_empty()) {
        out.push_str("\nHints:\n");
        for hint in hints {
            let _ = writeln!(out, "  • {hint}");
        }
        let _ = writeln!(
            out,
            "  • More in course.md, chapter for level {}.",
            level.id
        );
    }

    if verdict.run_dir.is_some() || verdict.seconds.is_some() {
        out.push('\n');
    }
    if let Some(secs) = verdict.seconds {
        let _ = writeln!(out, "  run time   {secs:.1} s");
    }
    if let Some(dir) = &verdict.run_dir {
        let _ = writeln!(
            out,
            "  run folder {} (history, node logs, messages, results)",
            dir.display()
        );
    }
    out
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;
    use crate::verdict::{Check, EngineName, Figure};

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
