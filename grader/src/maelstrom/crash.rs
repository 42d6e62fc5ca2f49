//! Explaining a Maelstrom run that produced no verdict: exit code 254 (Maelstrom refused its
//! arguments) or 255 (the test crashed: Jepsen's "Oh jeez, I'm sorry, Jepsen broke").
//!
//! The exit code alone says little, so the check quotes the telling lines: Maelstrom's own
//! explanation when it recognises the cause (a node that exited, a node mute at `init`), and the
//! last lines each node wrote on stderr (`node-logs/*.log`).

use std::path::Path;

use crate::verdict::{Check, Validity};

/// How many trailing lines of each log are quoted.
pub const TAIL: usize = 8;

/// The `"crash"` check for a run that ended with `exit_code` and no usable results.
/// `output` is Maelstrom's console output (or its `jepsen.log`), `store` the run's store folder
/// if it got that far.
pub fn crash_check(exit_code: Option<i32>, output: &str, store: Option<&Path>) -> Check {
    let (summary, hint) = diagnose(exit_code, output);
    let mut details = Vec::new();
    if let Some(hint) = hint {
        details.push(hint);
    }
    let telling = telling_lines(output);
    if !telling.is_empty() {
        details.push("Maelstrom said:".to_owned());
        details.extend(telling.into_iter().map(|l| format!("  {l}")));
    }
    if let Some(store) = store {
        // Nodes that wrote the same tail are one entry: five silent nodes are one line.
        let mut groups: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        for (node, lines) in node_log_tails(store) {
            match groups.iter_mut().find(|(_, tail)| *tail == lines) {
                Some((nodes, _)) => nodes.push(node),
                None => groups.push((vec![node], lines)),
            }
        }
        for (nodes, lines) in groups {
            let who = and_list(&nodes);
            if lines.is_empty() {
                details.push(format!("{who} wrote nothing on stderr"));
            } else if nodes.len() == 1 {
                details.push(format!("last lines {who} wrote on stderr:"));
                details.extend(lines.into_iter().map(|l| format!("  {l}")));
            } else {
                details.push(format!("last lines {who} each wrote on stderr (the same):"));
                details.extend(lines.into_iter().map(|l| format!("  {l}")));
            }
        }
        details.push(format!("full logs: {}", store.display()));
    }
    Check::new("crash", Validity::Invalid, summary).with_details(details)
}

/// A one-sentence cause, and a hint when the cause is a common one.
fn diagnose(exit_code: Option<i32>, output: &str) -> (String, Option<String>) {
    let code = exit_code.map_or_else(
        || "exit code unknown".to_owned(),
        |c| format!("exit code {c}"),
    );
    if exit_code == Some(254) {
        return (
            "Maelstrom refused its command-line arguments (exit code 254), so nothing ran"
                .to_owned(),
            Some(
                "This is a grader or flag problem, not your node's: see the message below.".into(),
            ),
        );
    }
    let find = |needle: &str| output.lines().find(|l| l.contains(needle));
    if let Some(line) = find("crashed with exit status") {
        return (
            format!(
                "a node exited during the test, so Maelstrom aborted it without a verdict \
                 ({code})"
            ),
            Some(format!(
                "{}. A node must keep running until Maelstrom stops it: look for a panic or an \
                 early return in its main loop (its stderr is below).",
                node_exit(line)
            )),
        );
    }
    if find("to respond to an init message").is_some() || find(":init-failed").is_some() {
        return (
            format!("a node never answered init, so the test could not start ({code})"),
            Some(
                "Reply to init with init_ok (and in_reply_to), print each message on one line \
                 ending in a newline, and flush stdout."
                    .to_owned(),
            ),
        );
    }
    if find("Expected an init_ok").is_some() {
        return (
            format!("a node answered init with something other than init_ok ({code})"),
            None,
        );
    }
    if find("Cannot run program").is_some() {
        return (
            format!("Maelstrom could not start the node binary ({code})"),
            Some(
                "Check that the node was built and that the --bin path points at it (an \
                 executable file)."
                    .to_owned(),
            ),
        );
    }
    if find("topology").is_some() && find("Oh jeez").is_some() {
        return (
            format!(
                "the test crashed ({code}); the broadcast setup (topology → \
                 topology_ok) may have failed"
            ),
            None,
        );
    }
    match exit_code {
        Some(255) => (
            "the test crashed before Maelstrom could judge it (exit code 255)".to_owned(),
            None,
        ),
        _ => (
            format!("Maelstrom ended without writing results.edn ({code})"),
            None,
        ),
    }
}

/// `Node n1 crashed with exit status 101` out of Maelstrom's longer exception line.
fn node_exit(line: &str) -> String {
    const MARK: &str = "crashed with exit status ";
    let Some(at) = line.find(MARK) else {
        return clip(line.trim());
    };
    let start = line[..at].rfind("Node ").unwrap_or(at);
    let rest = &line[at + MARK.len()..];
    let digits = rest
        .find(|c: char| !c.is_ascii_digit() && c != '-')
        .unwrap_or(rest.len());
    format!("{}{MARK}{}", &line[start..at], &rest[..digits])
}

/// The lines of Maelstrom's output that explain a failure: from Jepsen's "Oh jeez" (or the
/// first exception) on, without the stack frames, else the last few lines.
fn telling_lines(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("Oh jeez"))
        .or_else(|| lines.iter().position(|l| l.contains("Exception")));
    let picked: Vec<&str> = match start {
        Some(i) => lines[i..]
            .iter()
            .copied()
            .filter(|l| !is_stack_frame(l))
            .take(TAIL)
            .collect(),
        None => lines[lines.len().saturating_sub(TAIL)..].to_vec(),
    };
    picked
        .into_iter()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .map(clip)
        .collect()
}

fn is_stack_frame(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("at ") || t.starts_with("... ") && t.ends_with("more")
}

fn clip(line: &str) -> String {
    const MAX: usize = 240;
    if line.chars().count() <= MAX {
        line.to_owned()
    } else {
        format!("{}…", line.chars().take(MAX).collect::<String>())
    }
}

/// `n0`, `n0 and n1`, `n0, n1 and n2`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `n2` before `n10`: node names sort by their number.
fn node_order(name: &str) -> (String, u64) {
    let digits = name.trim_start_matches(|c: char| !c.is_ascii_digit());
    let prefix = &name[..name.len() - digits.len()];
    (prefix.to_owned(), digits.parse().unwrap_or(u64::MAX))
}

/// The last [`TAIL`] lines of each `node-logs/<node>.log`, nodes in order (`n2` before `n10`).
pub fn node_log_tails(store: &Path) -> Vec<(String, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir(store.join("node-logs")) else {
        return Vec::new();
    };
    let mut logs: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort_by_key(|p| {
        node_order(
            &p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )
    });
    logs.into_iter()
        .map(|p| {
            let node = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::read(&p).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<String> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(clip)
                .collect();
            let tail = lines[lines.len().saturating_sub(TAIL)..].to_vec();
            (node, tail)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_that_exited_is_named_with_its_stderr() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("node-logs")).unwrap();
        std::fs::write(
            tmp.path().join("node-logs/n1.log"),
            "starting\nthread 'main' panicked at src/main.rs:9:5\n",
        )
        .unwrap();
        std::fs::write(tmp.path().join("node-logs/n0.log"), "").unwrap();
        let output = "INFO running\nERROR [2024] jepsen test runner - jepsen.cli Oh jeez, I'm sorry, Jepsen broke. Here's why:\n\
                      clojure.lang.ExceptionInfo: throw+: {:type :node-crashed, :node \"n1\", :exit 101} Node n1 crashed with exit status 101. Before crashing, it wrote to STDOUT:\n\
                      \tat slingshot.support$stack_trace.invoke(support.clj:201)\n";
        let c = crash_check(Some(255), output, Some(tmp.path()));
        assert_eq!(c.validity, Validity::Invalid);
        assert!(c.summary.contains("a node exited"), "{}", c.summary);
        assert!(c.details[0].starts_with("Node n1 crashed with exit status 101. "));
        let text = c.details.join("\n");
        assert!(text.contains("n0 wrote nothing"), "{text}");
        assert!(text.contains("  thread 'main' panicked"), "{text}");
        assert!(
            !text.contains("support.clj"),
            "stack frames are left out: {text}"
        );
    }

    #[test]
    fn exit_254_blames_the_arguments() {
        let c = crash_check(Some(254), "Unknown option: \"--foo\"\n", None);
        assert!(c.summary.contains("254"));
        assert!(c.details.iter().any(|d| d.contains("Unknown option")));
    }

    #[test]
    fn silent_nodes_are_one_line_in_node_order() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("node-logs")).unwrap();
        for n in ["n10", "n2", "n0", "n1"] {
            std::fs::write(tmp.path().join(format!("node-logs/{n}.log")), "").unwrap();
        }
        std::fs::write(
            tmp.path().join("node-logs/n3.log"),
            "thread 'main' panicked\n",
        )
        .unwrap();
        let c = crash_check(Some(255), "", Some(tmp.path()));
        assert!(
            c.details
                .contains(&"n0, n1, n2 and n10 wrote nothing on stderr".to_owned()),
            "{:?}",
            c.details
        );
        assert!(
            c.details
                .contains(&"last lines n3 wrote on stderr:".to_owned()),
            "{:?}",
            c.details
        );
    }

    #[test]
    fn a_mute_node_at_init_gets_the_init_hint() {
        let c = crash_check(
            Some(255),
            "Oh jeez\nExpected node n0 to respond to an init message, but node did not respond.",
            None,
        );
        assert!(c.summary.contains("never answered init"), "{}", c.summary);
    }
}
