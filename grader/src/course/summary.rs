//! The table `grader all` ends with: one row per level — verdict, key figures, wall time, run
//! folder — then what to do next.

use std::fmt::Write as _;

use crate::course::{LevelOutcome, LevelResult};
use crate::verdict::Verdict;

/// At most this many figures per level in the table.
const KEY_FIGURES: usize = 3;

/// The figures that matter most: those with a limit, then the first others.
pub fn key_figures(verdict: &Verdict) -> String {
    let mut figures: Vec<_> = verdict.figures().filter(|f| f.limit.is_some()).collect();
    if figures.is_empty() {
        figures = verdict.figures().collect();
    }
    let mut seen = Vec::new();
    figures
        .into_iter()
        .filter(|f| {
            let new = !seen.contains(&f.label);
            seen.push(f.label.clone());
            new
        })
        .take(KEY_FIGURES)
        .map(|f| format!("{} {}", f.label, f.value))
        .collect::<Vec<_>>()
        // Not ", ": labels have commas of their own ("stable latency, median").
        .join(" · ")
}

/// A run folder as the reader can use it from `here`: `runs/3d/20261204T030117.171` when it is
/// under `here`, the full path otherwise.
fn shown_path(dir: &std::path::Path, here: Option<&std::path::Path>) -> String {
    here.and_then(|here| dir.strip_prefix(here).ok())
        .unwrap_or(dir)
        .display()
        .to_string()
}

/// The seeds of a level's simulated runs, `seed 42` (or `seeds 42, 43` for a level with several
/// runs): what replays them. Empty for real-time runs.
pub fn seeds(result: &LevelResult) -> String {
    let seeds: Vec<String> = result
        .verdicts
        .iter()
        .filter_map(|v| v.seed)
        .map(|s| s.to_string())
        .collect();
    match seeds.len() {
        0 => String::new(),
        1 => format!("seed {}", seeds[0]),
        _ => format!("seeds {}", seeds.join(", ")),
    }
}

/// `PASS`, or `PASS (sim)` when the verdicts are the simulator's alone: not a verdict of record.
fn verdict_word(result: &LevelResult) -> String {
    let simulated = !result.verdicts.is_empty()
        && result
            .verdicts
            .iter()
            .all(|v| v.engine == crate::verdict::EngineName::Sim);
    let word = result.outcome().word();
    if simulated {
        format!("{word} (sim)")
    } else {
        word.to_owned()
    }
}

/// `PASS 21.3 s`, `PASS (sim) 0.4 s · seed 42` or `FAIL 12.0 s — workload: 3 values lost`, for
/// a level's row as it ends.
pub fn one_line(result: &LevelResult) -> String {
    let outcome = result.outcome();
    let mut line = format!(
        "{} {:.1} s",
        verdict_word(result),
        result.wall.as_secs_f64()
    );
    let seeds = seeds(result);
    if !seeds.is_empty() {
        let _ = write!(line, " · {seeds}");
    }
    if outcome != LevelOutcome::Pass {
        if let Some(d) = result.diagnosis() {
            let first = d.lines().next().unwrap_or_default();
            let _ = write!(line, " — {}", crate::builtin::wire::excerpt(first));
        }
    }
    line
}

/// The summary table.
pub fn table(results: &[LevelResult]) -> String {
    let mut out = String::new();
    // The figures go last: their length varies from a few characters to a hundred.
    let here = std::env::current_dir().ok();
    let folders: Vec<String> = results
        .iter()
        .map(|r| {
            r.verdicts
                .last()
                .and_then(|v| v.run_dir.as_deref())
                .map_or_else(|| "-".into(), |dir| shown_path(dir, here.as_deref()))
        })
        .collect();
    let width = folders.iter().map(|f| f.chars().count()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "{:<6} {:<13} {:>7}  {:<width$}  key figures",
        "level", "verdict", "wall", "run folder"
    );
    for (r, folder) in results.iter().zip(&folders) {
        let figures = std::iter::once(seeds(r))
            .chain(r.verdicts.iter().map(key_figures))
            .filter(|f| !f.is_empty())
            .collect::<Vec<_>>()
            .join(" / ");
        let row = format!(
            "{:<6} {:<13} {:>6.1}s  {folder:<width$}  {figures}",
            r.level.id,
            verdict_word(r),
            r.wall.as_secs_f64(),
        );
        let _ = writeln!(out, "{}", row.trim_end());
        if r.outcome() != LevelOutcome::Pass {
            if let Some(d) = r.diagnosis() {
                let first = d.lines().next().unwrap_or_default();
                let _ = writeln!(out, "       └ {}", crate::builtin::wire::excerpt(first));
            }
        }
    }
    let passed = results
        .iter()
        .filter(|r| r.outcome() == LevelOutcome::Pass)
        .count();
    let _ = writeln!(out, "\n{passed} of {} levels passed.", results.len());
    if results.iter().any(|r| !seeds(r).is_empty()) {
        let _ = writeln!(
            out,
            "(sim): graded in virtual time; `cargo run -p grader -- LEVEL --engine sim --seed N` \
             replays a level's run, and a plain `cargo run -p grader -- LEVEL` gives the verdict \
             of record."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;
    use crate::verdict::{Check, EngineName, Figure};
    use std::time::Duration;

    #[test]
    fn the_table_has_a_row_per_level_with_its_reason() {
        let mut pass = Verdict::new(
            "3d",
            EngineName::Builtin,
            vec![Check::valid("budget", "within")
                .with_figure(Figure::new("msgs-per-op (servers)", "7.4").with_limit("< 30", true))
                .with_figure(
                    Figure::new("stable latency, median", "173 ms").with_limit("< 400 ms", true),
                )],
        );
        pass.run_dir = Some(
            std::env::current_dir()
                .unwrap()
                .join("runs/3d/20261204T030117.171"),
        );
        let fail = Verdict::new(
            "1",
            EngineName::Builtin,
            vec![Check::invalid("workload", "2 echoes came back wrong")],
        );
        let results = [
            LevelResult {
                level: level("1").unwrap(),
                verdicts: vec![fail],
                error: None,
                wall: Duration::from_millis(10_400),
            },
            LevelResult {
                level: level("3d").unwrap(),
                verdicts: vec![pass],
                error: None,
                wall: Duration::from_secs(31),
            },
        ];
        let text = table(&results);
        assert!(
            text.contains(
                "runs/3d/20261204T030117.171  msgs-per-op (servers) 7.4 · stable latency, median 173 ms"
            ),
            "{text}"
        );
        // The folder column is as wide as its longest entry, so the figures line up.
        let header = text.lines().next().unwrap();
        let row_3d = text.lines().find(|l| l.starts_with("3d")).unwrap();
        assert_eq!(
            header.find("key figures"),
            row_3d.find("msgs-per-op"),
            "{text}"
        );
        assert!(text.lines().nth(1).unwrap().ends_with("  -"), "{text}");
        assert!(
            text.contains("└ FAIL level 1 · Echo: workload: 2 echoes"),
            "{text}"
        );
        assert!(text.contains("1 of 2 levels passed."), "{text}");
        assert!(one_line(&results[0]).starts_with("FAIL 10.4 s — FAIL level 1"));
        assert!(!text.contains("(sim)"), "{text}");
    }

    /// A simulated level says so, and names the seed that replays it.
    #[test]
    fn a_simulated_level_shows_its_seed() {
        let mut pass = Verdict::new("2", EngineName::Sim, vec![Check::valid("workload", "ok")]);
        pass.seed = Some(4711);
        let result = LevelResult {
            level: level("2").unwrap(),
            verdicts: vec![pass],
            error: None,
            wall: Duration::from_millis(400),
        };
        assert_eq!(one_line(&result), "PASS (sim) 0.4 s · seed 4711");
        let text = table(std::slice::from_ref(&result));
        assert!(text.contains("PASS (sim)"), "{text}");
        assert!(text.contains("seed 4711"), "{text}");
        assert!(text.contains("--engine sim --seed N"), "{text}");
        assert!(!crate::grade::of_record(&result.verdicts));
    }
}
