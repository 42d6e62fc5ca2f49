//! The course's snapshot assertion, [`assert_course_snapshot!`](crate::assert_course_snapshot).
//!
//! A challenge's snapshots are the course's answer key. Plain `insta::assert_snapshot!` invites a
//! learner to "fix" a failing test by accepting their own transcript (`cargo insta review`,
//! `INSTA_UPDATE=always`) and leaves `.snap.new` files in their tree. In a learner's crate this
//! assertion only reads the snapshot, never writes, and on a mismatch says what differs and what to
//! change in the node. In a reference solution (a package named `…-solution`) it is plain insta,
//! so that the course's authors record snapshots the usual way.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// How many lines of context the diff shows around each difference.
const CONTEXT: usize = 2;

/// Where insta keeps the snapshot `name` of the test file `file` (as `file!()` gives it, relative to
/// the workspace root) in module `module`: `<test folder>/snapshots/<module>__<name>.snap`. The
/// workspace root is the nearest ancestor of `manifest_dir` in which `file` exists.
#[doc(hidden)]
pub fn snapshot_path(manifest_dir: &str, file: &str, module: &str, name: &str) -> PathBuf {
    let file = Path::new(file);
    let source = if file.is_absolute() {
        file.to_path_buf()
    } else {
        Path::new(manifest_dir)
            .ancestors()
            .map(|dir| dir.join(file))
            .find(|candidate| candidate.is_file())
            .unwrap_or_else(|| Path::new(manifest_dir).join(file))
    };
    let folder = source.parent().unwrap_or(Path::new("."));
    let prefix = module.replace("::", "__");
    folder
        .join("snapshots")
        .join(format!("{prefix}__{name}.snap"))
}

/// Compares the node's output with the course's snapshot and panics with an explanation if they
/// differ. `expected` is the snapshot's text (`None` when the file is missing or unreadable).
#[doc(hidden)]
#[track_caller]
pub fn assert_matches(path: &Path, expected: Option<String>, actual: &str) {
    if let Err(message) = compare(path, expected.as_deref(), actual) {
        panic!("{message}");
    }
}

/// `Ok` when the output matches the snapshot (insta's normalization: trailing blanks and `\r\n`
/// do not count), else the message a learner reads.
pub(crate) fn compare(path: &Path, expected: Option<&str>, actual: &str) -> Result<(), String> {
    let Some(expected) = expected else {
        return Err(format!(
            "the course's snapshot {} is missing or unreadable. It comes with the course: restore \
             it (e.g. `git checkout -- {}`); these tests never write snapshots.",
            path.display(),
            path.display()
        ));
    };
    // Each ends in one newline, so that the diff does not flag a missing one at the end.
    let expected = normalize(expected) + "\n";
    let actual = normalize(actual) + "\n";
    if expected == actual {
        return Ok(());
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nYour node's output differs from the course's snapshot {}.\n",
        path.display()
    );
    let (want, got) = first_difference(&expected, &actual);
    match (want, got) {
        (Some(want), Some(got)) => {
            let _ = writeln!(
                out,
                "First difference:\n  expected   {want}\n  your node  {got}"
            );
            if let Some(advice) = explain_line(want, got) {
                let _ = writeln!(out, "  → {advice}");
            }
        }
        (Some(want), None) => {
            let _ = writeln!(
                out,
                "Your node's output stops early. Expected next:\n  {want}"
            );
        }
        (None, Some(got)) => {
            let _ = writeln!(
                out,
                "Your node's output goes on after the expected end:\n  {got}"
            );
        }
        (None, None) => {}
    }
    let _ = writeln!(out, "\nThe whole comparison (- expected, + your node):");
    let diff = similar::TextDiff::from_lines(&expected, &actual);
    let _ = write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(CONTEXT)
            .header("expected", "your node")
    );
    let _ = writeln!(
        out,
        "\nWhat to change: your node (this challenge's `src/`), until it sends what is expected. The \
         snapshot is the course's answer key, not yours to re-record: these tests never write \
         snapshot files."
    );
    Err(out)
}

fn normalize(text: &str) -> String {
    text.trim_end().replace("\r\n", "\n")
}

/// The first line where the two texts differ, from each side (`None` past its end).
fn first_difference<'a>(expected: &'a str, actual: &'a str) -> (Option<&'a str>, Option<&'a str>) {
    let mut want = expected.lines();
    let mut got = actual.lines();
    loop {
        match (want.next(), got.next()) {
            (Some(w), Some(g)) if w == g => continue,
            (w, g) => return (w, g),
        }
    }
}

/// One transcript line's message body: `   10ms n0 -> c1 {…}` gives `{…}`.
fn body_of(line: &str) -> Option<Map<String, Value>> {
    let (_, rest) = line.split_once(" -> ")?;
    let (_, json) = rest.split_once(' ')?;
    match serde_json::from_str(json) {
        Ok(Value::Object(body)) => Some(body),
        _ => None,
    }
}

/// What to change, when both lines are messages: an error instead of a reply, a wrong type, or
/// fields missing, extra or different.
fn explain_line(want: &str, got: &str) -> Option<String> {
    let (want, got) = (body_of(want)?, body_of(got)?);
    let kind = |b: &Map<String, Value>| b.get("type").and_then(Value::as_str).map(str::to_owned);
    let (want_type, got_type) = (kind(&want)?, kind(&got)?);
    if got_type == "error" && want_type != "error" {
        let text = got.get("text").and_then(Value::as_str).unwrap_or("");
        let todo = if text.starts_with("TODO") {
            " That is your stub's TODO: do it."
        } else {
            ""
        };
        return Some(format!(
            "your node answered with an error (code {}, {text:?}) where `{want_type}` was \
             expected.{todo}",
            got.get("code").unwrap_or(&Value::Null)
        ));
    }
    if want_type != got_type {
        return Some(format!(
            "your node sent `{got_type}` where `{want_type}` was expected."
        ));
    }
    let mut notes = Vec::new();
    for (key, value) in &want {
        match got.get(key) {
            None => notes.push(format!("it lacks `{key}`")),
            Some(v) if v != value && key != "msg_id" => {
                notes.push(format!("`{key}` is {v}, expected {value}"))
            }
            _ => {}
        }
    }
    for key in got.keys().filter(|k| !want.contains_key(*k)) {
        notes.push(format!(
            "it has `{key}`, which is not expected (Maelstrom rejects replies with extra fields)"
        ));
    }
    if notes.is_empty() && want.get("msg_id") != got.get("msg_id") {
        notes.push(
            "only `msg_id` differs: your node sent a different number of messages before this one"
                .to_owned(),
        );
    }
    (!notes.is_empty()).then(|| format!("your `{got_type}`: {}.", notes.join("; ")))
}

/// Asserts that `actual` (a transcript or report, anything `Display`) matches the course's
/// snapshot `name` beside the calling test file.
///
/// In a learner's crate: read-only, with a message that says what differs and what to change in
/// the node. In a reference solution (package `…-solution`): `insta::assert_snapshot!`, to record
/// snapshots. The calling crate needs `insta` as a dev-dependency.
#[macro_export]
macro_rules! assert_course_snapshot {
    ($name:expr, $actual:expr $(,)?) => {{
        let actual: ::std::string::String = ::std::string::ToString::to_string(&$actual);
        if env!("CARGO_PKG_NAME").ends_with("-solution") {
            ::insta::assert_snapshot!($name, actual);
        } else {
            let path = $crate::testing::course_snapshot::snapshot_path(
                env!("CARGO_MANIFEST_DIR"),
                file!(),
                module_path!(),
                $name,
            );
            let expected = ::insta::Snapshot::from_file(&path)
                .ok()
                .and_then(|s| s.contents().as_text().map(|t| t.to_string()));
            $crate::testing::course_snapshot::assert_matches(&path, expected, &actual);
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = r#"    0ms c1 -> n0 {"type":"echo","echo":"hi","msg_id":1}
    0ms n0 -> c1 {"type":"echo_ok","echo":"hi","in_reply_to":1,"msg_id":2}
"#;

    fn message(actual: &str) -> String {
        compare(
            Path::new("tests/snapshots/snapshots__echo.snap"),
            Some(EXPECTED),
            actual,
        )
        .unwrap_err()
    }

    #[test]
    fn matches_despite_trailing_blanks_and_crlf() {
        let actual = EXPECTED.replace('\n', "\r\n") + "\n\n";
        assert_eq!(
            compare(Path::new("x.snap"), Some(EXPECTED), &actual),
            Ok(())
        );
    }

    #[test]
    fn a_todo_error_is_named_and_the_advice_points_at_the_node() {
        let actual = r#"    0ms c1 -> n0 {"type":"echo","echo":"hi","msg_id":1}
    0ms n0 -> c1 {"type":"error","code":10,"text":"TODO: answer echo","in_reply_to":1,"msg_id":2}
"#;
        let text = message(actual);
        assert!(text.contains("snapshots__echo.snap"), "{text}");
        assert!(
            text.contains("  expected       0ms n0 -> c1 {\"type\":\"echo_ok\""),
            "{text}"
        );
        assert!(
            text.contains("answered with an error (code 10, \"TODO: answer echo\")"),
            "{text}"
        );
        assert!(text.contains("your stub's TODO"), "{text}");
        assert!(
            text.contains("-    0ms n0 -> c1 {\"type\":\"echo_ok\""),
            "{text}"
        );
        assert!(text.contains("What to change: your node"), "{text}");
        assert!(!text.contains("cargo insta"), "{text}");
    }

    #[test]
    fn wrong_missing_and_extra_fields_are_each_named() {
        let actual = r#"    0ms c1 -> n0 {"type":"echo","echo":"hi","msg_id":1}
    0ms n0 -> c1 {"type":"echo_ok","text":"hi","in_reply_to":1,"msg_id":2}
"#;
        let text = message(actual);
        assert!(text.contains("it lacks `echo`"), "{text}");
        assert!(
            text.contains("it has `text`, which is not expected"),
            "{text}"
        );
        let actual = actual.replace(r#""text":"hi""#, r#""echo":"HI""#);
        assert!(message(&actual).contains(r#"`echo` is "HI", expected "hi""#));
    }

    #[test]
    fn output_that_stops_early_or_goes_on_says_so() {
        let first = EXPECTED.lines().next().unwrap();
        assert!(message(first).contains("stops early. Expected next:\n      0ms n0 -> c1"));
        let longer = format!("{EXPECTED}    5ms n0 -> c1 {{\"type\":\"echo_ok\"}}\n");
        assert!(message(&longer).contains("goes on after the expected end"));
    }

    #[test]
    fn a_missing_snapshot_is_restored_not_recorded() {
        let text = compare(Path::new("s/x.snap"), None, "anything").unwrap_err();
        assert!(text.contains("git checkout -- s/x.snap"), "{text}");
    }

    #[test]
    fn finds_the_snapshot_beside_the_test_file() {
        let root = env!("CARGO_MANIFEST_DIR");
        let path = snapshot_path(root, "src/testing.rs", "snapshots", "echo");
        assert_eq!(
            path,
            Path::new(root).join("src/snapshots/snapshots__echo.snap")
        );
    }
}
