//! `grader check HISTORY --level L`: judging any `history.edn` with the builtin checkers.
//!
//! A history is all the checkers need: Maelstrom's `history.edn`, a builtin run's, or one written
//! by hand. It gets the same workload, stats and availability checks the builtin engine makes, and
//! the course's own rules, so that a Maelstrom run can be judged without Maelstrom's checker (which
//! may have crashed) and a history from a test suite can be judged without a run. Message budgets
//! are not checked: message counts live in the network journal, not in the history.

use std::path::{Path, PathBuf};

use crate::checkers;
use crate::history::{History, HistoryError, OpType};
use crate::manifest::Level;
use crate::options::TestOptions;
use crate::verdict::{EngineName, Verdict};

/// Why a history could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    #[error("could not read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a history Maelstrom or the grader writes: {source}", path.display())]
    History { path: PathBuf, source: HistoryError },
    #[error("{} holds no client operation, so there is nothing to judge", .0.display())]
    Empty(PathBuf),
}

/// What passing means for a verdict made from a history alone.
pub const CRITERIA: &str = "the builtin checkers found the history valid (judged from the \
                            history alone: message budgets need the network journal)";

/// The level's options that fit this history: for a level with several runs (6b), the run with
/// partitions when the history shows a nemesis, else the first.
pub fn options_for(level: &Level, history: &History) -> TestOptions {
    let mut runs = level.options();
    let partitioned = history.ops.iter().any(|op| !op.is_client());
    let pick = runs
        .iter()
        .position(|o| o.nemesis_partition == partitioned)
        .unwrap_or(0);
    runs.swap_remove(pick)
}

/// Judges the history at `path` (a `history.edn`, or a run folder holding one) as `level`.
pub fn check_history(path: &Path, level: &Level) -> Result<Verdict, JudgeError> {
    let file = if path.is_dir() {
        path.join("history.edn")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|source| JudgeError::Io {
        path: file.clone(),
        source,
    })?;
    let history = History::from_edn(&text).map_err(|source| JudgeError::History {
        path: file.clone(),
        source,
    })?;
    if !history.client_ops().any(|op| op.kind == OpType::Invoke) {
        return Err(JudgeError::Empty(file));
    }
    let opts = options_for(level, &history);
    let mut verdict = Verdict::new(
        level.id,
        EngineName::Builtin,
        checkers::history_checks(&opts, &history),
    );
    if level.runs.len() > 1 {
        let i = level
            .options()
            .iter()
            .position(|o| o.nemesis_partition == opts.nemesis_partition)
            .unwrap_or(0);
        verdict.run_label = Some(level.runs[i].label.to_owned());
    }
    verdict.criteria = Some(CRITERIA.to_owned());
    verdict.run_dir = file.parent().map(Path::to_path_buf);
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;
    use crate::verdict::Validity;

    fn write(dir: &Path, lines: &str) -> PathBuf {
        let path = dir.join("history.edn");
        std::fs::write(&path, lines).unwrap();
        path
    }

    #[test]
    fn a_txn_history_whose_reply_drops_a_micro_op_fails_and_a_faithful_one_passes() {
        let tmp = tempfile::tempdir().unwrap();
        let good = "\
{:index 0, :time 0, :type :invoke, :process 0, :f :txn, :value [[:r 1 nil] [:w 1 2]]}
{:index 1, :time 5, :type :ok, :process 0, :f :txn, :value [[:r 1 nil] [:w 1 2]]}
{:index 2, :time 6, :type :invoke, :process 1, :f :txn, :value [[:r 1 nil]]}
{:index 3, :time 9, :type :ok, :process 1, :f :txn, :value [[:r 1 2]]}
";
        let v = check_history(&write(tmp.path(), good), level("6a").unwrap()).unwrap();
        assert!(v.passed(), "{:#?}", v.checks);
        assert_eq!(v.engine, EngineName::Builtin);
        let dropped = good.replace(
            ":ok, :process 0, :f :txn, :value [[:r 1 nil] [:w 1 2]]",
            ":ok, :process 0, :f :txn, :value [[:r 1 nil]]",
        );
        let v = check_history(&write(tmp.path(), &dropped), level("6a").unwrap()).unwrap();
        assert!(!v.passed());
        let replies = v.check("replies").expect("a replies check");
        assert_eq!(replies.validity, Validity::Invalid);
        assert!(
            replies.details[0].starts_with("op 1 by process 0"),
            "{replies:?}"
        );
    }

    #[test]
    fn six_b_picks_the_run_the_history_shows() {
        let tmp = tempfile::tempdir().unwrap();
        let partitioned = "\
{:index 0, :time 0, :type :invoke, :process 0, :f :txn, :value [[:w 1 2]]}
{:index 1, :time 1, :type :info, :process :nemesis, :f :start-partition, :value :majority}
{:index 2, :time 5, :type :ok, :process 0, :f :txn, :value [[:w 1 2]]}
";
        let v = check_history(&write(tmp.path(), partitioned), level("6b").unwrap()).unwrap();
        assert_eq!(
            v.run_label.as_deref(),
            Some(level("6b").unwrap().runs[1].label)
        );
    }

    #[test]
    fn missing_garbled_or_empty_histories_are_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let l = level("1").unwrap();
        let e = check_history(&tmp.path().join("nope.edn"), l).unwrap_err();
        assert!(e.to_string().starts_with("could not read"), "{e}");
        let e = check_history(&write(tmp.path(), "{:index 0, :type"), l).unwrap_err();
        assert!(e.to_string().contains("is not a history"), "{e}");
        let e = check_history(&write(tmp.path(), ""), l).unwrap_err();
        assert!(e.to_string().contains("nothing to judge"), "{e}");
    }
}
