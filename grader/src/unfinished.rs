//! A node that is not finished: it answered requests with a stub's `Error::todo(…)` error, whose
//! text starts `TODO:`.
//!
//! Such a run fails anyway (the requests failed), but Maelstrom's own checks put it in their
//! terms ("no echo ever succeeded", "48 of 48 echoes did not come back"). This check leads the
//! report with what the learner needs: which requests their node does not handle yet, in the
//! stub's own words.

use std::collections::BTreeMap;

use crate::history::{History, OpType};
use crate::value::Value;
use crate::verdict::Check;

/// The check's name in the verdict.
pub const NAME: &str = "unfinished";

/// `Some(invalid check)` when any request was answered with a `TODO:` error.
pub fn check(history: &History) -> Option<Check> {
    // (operation, TODO text) → how many times.
    let mut todos: BTreeMap<(String, String), usize> = BTreeMap::new();
    for op in &history.ops {
        if op.kind == OpType::Invoke {
            continue;
        }
        if let Some(text) = op.error.as_ref().and_then(todo_text) {
            *todos.entry((op.f.clone(), text.to_owned())).or_default() += 1;
        }
    }
    if todos.is_empty() {
        return None;
    }
    let kinds: Vec<&str> = {
        let mut kinds: Vec<&str> = todos.keys().map(|(f, _)| f.as_str()).collect();
        kinds.dedup();
        kinds
    };
    let details = todos
        .iter()
        .map(|((f, text), n)| format!("{f} ({n}×): {text}"));
    Some(
        Check::invalid(
            NAME,
            format!(
                "your node is not finished: it answers {} with a TODO error",
                kinds.join(", ")
            ),
        )
        .with_details(details),
    )
}

/// The `TODO: …` text of an error such as `[:not-supported "TODO: …"]`, if it is one.
fn todo_text(error: &Value) -> Option<&str> {
    let parts = match error {
        Value::Vec(parts) => parts.as_slice(),
        other => std::slice::from_ref(other),
    };
    parts.iter().find_map(|part| match part {
        Value::Str(text) if text.trim_start().starts_with("TODO") => Some(text.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Op, Process};

    fn op(kind: OpType, f: &str, error: Option<Value>) -> Op {
        Op {
            index: 0,
            time: 0,
            kind,
            process: Process::Client(0),
            f: f.to_owned(),
            value: Value::Nil,
            error,
            final_read: false,
            extra: Vec::new(),
        }
    }

    fn todo(text: &str) -> Option<Value> {
        Some(Value::Vec(vec![
            Value::Keyword("not-supported".into()),
            Value::Str(text.into()),
        ]))
    }

    #[test]
    fn names_each_unfinished_request_in_the_stubs_words() {
        let history = History::new(vec![
            op(OpType::Invoke, "read", None),
            op(
                OpType::Fail,
                "read",
                todo("TODO: answer read with a read_ok"),
            ),
            op(
                OpType::Fail,
                "read",
                todo("TODO: answer read with a read_ok"),
            ),
            op(OpType::Ok, "broadcast", None),
            op(OpType::Fail, "broadcast", todo("TODO: answer broadcast")),
        ]);
        let check = check(&history).expect("an unfinished check");
        assert_eq!(check.validity, crate::verdict::Validity::Invalid);
        assert_eq!(
            check.summary,
            "your node is not finished: it answers broadcast, read with a TODO error"
        );
        assert_eq!(
            check.details,
            [
                "broadcast (1×): TODO: answer broadcast",
                "read (2×): TODO: answer read with a read_ok"
            ]
        );
    }

    #[test]
    fn other_errors_are_left_to_the_other_checks() {
        let history = History::new(vec![
            op(OpType::Fail, "echo", todo("not implemented")),
            op(
                OpType::Info,
                "echo",
                Some(Value::Keyword("net-timeout".into())),
            ),
            op(OpType::Ok, "echo", None),
        ]);
        assert_eq!(check(&history), None);
    }
}
