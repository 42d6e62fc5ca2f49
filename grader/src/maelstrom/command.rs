//! Maelstrom command lines: the exact argv the grader runs for a level, and the command line a
//! past run recorded in its `jepsen.log`, matched back to a level.

use crate::manifest::{Level, Run, LEVELS};
use crate::options::TestOptions;

/// The exact argv of one run of a level: `maelstrom test --bin BIN <the run's flags>`.
///
/// The program is named `maelstrom`; the engine replaces it with the wrapper it found or with
/// `java -jar …/maelstrom.jar`.
pub fn command_line(_level: &Level, run: &Run<'_>, bin: &str) -> Vec<String> {
    let mut argv: Vec<String> = ["maelstrom", "test", "--bin", bin]
        .into_iter()
        .map(str::to_owned)
        .collect();
    argv.extend(run.flags.iter().map(|f| (*f).to_owned()));
    argv
}

/// The `test` arguments recorded in a `jepsen.log`, without `test` itself.
///
/// Jepsen logs `Command line:` followed by `lein run test …` (spec §2; the release jar logs the
/// same). Returns `None` when the log has no such line.
pub fn from_jepsen_log(log: &str) -> Option<Vec<String>> {
    let mut lines = log.lines();
    lines.find(|l| l.trim_end().ends_with("Command line:"))?;
    let line = lines.next()?;
    let words = split_shell_words(line);
    let start = words.iter().position(|w| w == "test")?;
    Some(words[start + 1..].to_vec())
}

/// Splits a command line the way a POSIX shell would for simple quoting: `'…'`, `"…"` with
/// backslash escapes, and bare backslashes. Enough for Jepsen's `control/escape`.
pub fn split_shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// `test` arguments without `--bin PATH` (and `--bin=PATH`), which every level leaves to the
/// learner.
pub fn without_bin(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--bin" {
            it.next();
        } else if !a.starts_with("--bin=") {
            out.push(a.clone());
        }
    }
    out
}

/// How a recorded command line matched the levels.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelMatch {
    /// The level assumed.
    pub level: &'static Level,
    /// Which of its runs (index into `level.runs`).
    pub run: usize,
    /// Other levels that run exactly these flags (3d and 3e, 5b and 5c).
    pub also: Vec<&'static Level>,
    /// Where the recorded flags differ from the level's (empty for an exact match).
    pub differences: Vec<String>,
}

/// Finds the level whose run has these flags (`test` arguments, `--bin` removed or not).
///
/// An exact match wins; among levels sharing flags, one with a budget is preferred, so that the
/// budget Maelstrom ignores is not silently dropped. Without an exact match, the closest level
/// of the same workload is assumed and the differences are listed. `None` when the flags do not
/// parse or no level runs that workload.
pub fn match_level(args: &[String]) -> Option<LevelMatch> {
    let opts = TestOptions::parse(&without_bin(args)).ok()?;
    let mut scored: Vec<(usize, &'static Level, usize, Vec<String>)> = Vec::new();
    for level in LEVELS.iter().filter(|l| l.workload == opts.workload) {
        for (i, run_opts) in level.options().iter().enumerate() {
            let diffs = differences(&opts, run_opts);
            scored.push((diffs.len(), level, i, diffs));
        }
    }
    let best = scored.iter().map(|s| s.0).min()?;
    let tied: Vec<_> = scored.into_iter().filter(|s| s.0 == best).collect();
    let has_budget = |l: &Level| {
        l.budget.msgs_per_op.is_some()
            || l.budget.median_latency_ms.is_some()
            || l.budget.max_latency_ms.is_some()
    };
    let chosen = tied
        .iter()
        .find(|s| has_budget(s.1))
        .unwrap_or(&tied[0])
        .clone();
    let also = tied
        .iter()
        .filter(|s| s.1.id != chosen.1.id)
        .map(|s| s.1)
        .collect();
    Some(LevelMatch {
        level: chosen.1,
        run: chosen.2,
        also,
        differences: chosen.3,
    })
}

/// The flags in which a run differs from the closest run of `level`, in words, and that run's
/// index. Empty when the run used the level's flags.
pub fn compare(run: &TestOptions, level: &Level) -> (usize, Vec<String>) {
    level
        .options()
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut d = differences(run, o);
            if run.workload != o.workload {
                d.insert(
                    0,
                    format!(
                        "-w {} (the level uses {})",
                        run.workload.name(),
                        o.workload.name()
                    ),
                );
            }
            (i, d)
        })
        .min_by_key(|(_, d)| d.len())
        .unwrap_or((0, Vec::new()))
}

/// Whether a difference changes what a run tests. Only a different `--time-limit` does not
/// count: the course's own fixtures include a level-2 run of 10 s instead of 30.
pub fn is_decisive(difference: &str) -> bool {
    !difference.starts_with("--time-limit")
}

/// The flags in which a run differs from a level's, in words.
fn differences(run: &TestOptions, level: &TestOptions) -> Vec<String> {
    let mut out = Vec::new();
    let mut diff = |what: &str, got: String, want: String| {
        if got != want {
            out.push(format!("{what} {got} (the level uses {want})"));
        }
    };
    diff(
        "--node-count",
        run.nodes.len().to_string(),
        level.nodes.len().to_string(),
    );
    diff(
        "--time-limit",
        run.time_limit.as_secs().to_string(),
        level.time_limit.as_secs().to_string(),
    );
    diff("--rate", run.rate.to_string(), level.rate.to_string());
    diff(
        "--concurrency",
        run.threads().to_string(),
        level.threads().to_string(),
    );
    diff(
        "--latency",
        run.latency_ms.to_string(),
        level.latency_ms.to_string(),
    );
    diff(
        "--nemesis partition",
        yes_no(run.nemesis_partition),
        yes_no(level.nemesis_partition),
    );
    diff(
        "--availability",
        format!("{:?}", run.availability),
        format!("{:?}", level.availability),
    );
    diff(
        "--consistency-models",
        run.consistency_models.join(","),
        level.consistency_models.join(","),
    );
    diff("--topology", run.topology.clone(), level.topology.clone());
    if !run.node_args.is_empty() {
        out.push(format!(
            "extra arguments passed to the node: {} (an en dash in --nemesis?)",
            run.node_args.join(" ")
        ));
    }
    out
}

fn yes_no(b: bool) -> String {
    if b { "on" } else { "off" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;

    fn words(s: &str) -> Vec<String> {
        split_shell_words(s)
    }

    #[test]
    fn reads_the_command_line_jepsen_logs() {
        let log = "INFO [2024-03-02 13:25:47,600] jepsen test runner - jepsen.core Command line:\n\
                   lein run test -w echo --bin '/tmp/my node' --node-count 1 --time-limit 10\n\
                   INFO [2024-03-02 13:25:47,650] jepsen test runner - jepsen.core Running test:";
        assert_eq!(
            from_jepsen_log(log).unwrap(),
            words("-w echo --bin '/tmp/my node' --node-count 1 --time-limit 10")
        );
        assert!(from_jepsen_log("no command here").is_none());
    }

    #[test]
    fn shell_words_handle_quotes() {
        assert_eq!(
            words(r#"a "b c" 'd e' f\ g "h\"i""#),
            ["a", "b c", "d e", "f g", "h\"i"]
        );
    }

    #[test]
    fn exact_flags_find_their_level() {
        let m = match_level(&words(
            "-w broadcast --bin x --node-count 5 --time-limit 20 --rate 10",
        ))
        .unwrap();
        assert_eq!(m.level.id, "3b");
        assert!(m.differences.is_empty());
    }

    #[test]
    fn shared_flags_prefer_a_level_with_a_budget_and_name_the_others() {
        let m = match_level(&words(
            "-w kafka --bin x --node-count 2 --concurrency 2n --time-limit 20 --rate 1000",
        ))
        .unwrap();
        assert_eq!(m.level.id, "5c");
        assert_eq!(m.also.iter().map(|l| l.id).collect::<Vec<_>>(), ["5b"]);
        let m = match_level(&words(
            "-w broadcast --bin x --node-count 25 --time-limit 20 --rate 100 --latency 100",
        ))
        .unwrap();
        assert_eq!(m.level.id, "3d");
        assert_eq!(m.also.iter().map(|l| l.id).collect::<Vec<_>>(), ["3e"]);
    }

    #[test]
    fn close_flags_assume_the_nearest_level_and_say_why() {
        let m = match_level(&words(
            "-w unique-ids --bin x --time-limit 10 --rate 1000 --node-count 3 --availability total --nemesis partition",
        ))
        .unwrap();
        assert_eq!(m.level.id, "2");
        assert_eq!(m.differences, ["--time-limit 10 (the level uses 30)"]);
    }

    #[test]
    fn six_b_runs_are_told_apart() {
        let l = level("6b").unwrap();
        let m = match_level(
            &l.runs[1]
                .flags
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!((m.level.id, m.run), ("6b", 1));
    }

    #[test]
    fn the_en_dash_shows_up_as_node_arguments() {
        let m = match_level(&words(
            "-w txn-rw-register --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 \
             --consistency-models read-committed --availability total –-nemesis partition",
        ))
        .unwrap();
        assert_eq!(m.level.id, "6c");
        assert!(m.differences.iter().any(|d| d.contains("en dash")), "{m:?}");
    }
}
