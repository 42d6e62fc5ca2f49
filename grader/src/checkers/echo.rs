//! Maelstrom's echo checker (spec §7.1).
//!
//! Each invocation is paired with its definite completion: an `:ok` must carry a reply whose
//! `echo` field equals what was sent. A `:fail` is an error too (the node answered with an error
//! instead of the echo). Indeterminate (`:info`) completions are not judged: nobody knows what the
//! node did.

use std::collections::HashMap;

use crate::checkers::{seconds, who};
use crate::history::{History, OpType, Process};
use crate::options::TestOptions;
use crate::value::Value;
use crate::verdict::{Check, Figure, Validity};

/// How many mismatches a report lists.
const SHOWN: usize = 10;

/// One echo that did not come back as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct EchoError {
    /// History index of the invocation.
    pub invoke_index: usize,
    /// History index of the completion.
    pub complete_index: usize,
    pub process: Process,
    /// Nanoseconds since the run began, of the completion.
    pub time: u64,
    pub sent: Value,
    /// The completion's whole value (for an `:ok`, the reply body).
    pub received: Value,
    pub kind: OpType,
    /// The completion's `:error`, for a `:fail` (the error the node answered with).
    pub error: Option<Value>,
}

/// What the echo checker computes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EchoResult {
    /// Invocations with an `:ok` or `:fail` completion.
    pub judged: usize,
    pub errors: Vec<EchoError>,
}

impl EchoResult {
    pub fn validity(&self) -> Validity {
        Validity::from_bool(self.errors.is_empty())
    }
}

/// The `echo` field of a reply body, whether its keys are EDN keywords (Maelstrom's history) or
/// JSON strings (the builtin engine's).
fn echo_field(body: &Value) -> Option<&Value> {
    body.get("echo")
        .or_else(|| body.get_value(&Value::from("echo")))
}

/// Runs the echo checker over `history`.
pub fn analyze(history: &History) -> EchoResult {
    let mut open: HashMap<Process, &crate::history::Op> = HashMap::new();
    let mut r = EchoResult::default();
    for op in history.client_ops() {
        match op.kind {
            OpType::Invoke => {
                open.insert(op.process, op);
            }
            OpType::Info => {
                open.remove(&op.process);
            }
            OpType::Ok | OpType::Fail => {
                let Some(inv) = open.remove(&op.process) else {
                    continue;
                };
                r.judged += 1;
                if echo_field(&op.value) != Some(&inv.value) {
                    r.errors.push(EchoError {
                        invoke_index: inv.index,
                        complete_index: op.index,
                        process: op.process,
                        time: op.time,
                        sent: inv.value.clone(),
                        received: op.value.clone(),
                        kind: op.kind,
                        error: op.error.clone(),
                    });
                }
            }
        }
    }
    r
}

/// Checks an echo history.
pub fn check(history: &History, opts: &TestOptions) -> Check {
    report(&analyze(history), opts)
}

/// Turns an analysis into the workload check.
pub fn report(r: &EchoResult, opts: &TestOptions) -> Check {
    let summary = match r.errors.first() {
        None => format!("all {} echoes came back as sent", r.judged),
        Some(e) if e.kind == OpType::Fail => format!(
            "{} of {} echoes did not come back as sent; the first failed with an error instead \
             (sent {}, {})",
            r.errors.len(),
            r.judged,
            e.sent,
            who(opts, e.process)
        ),
        Some(e) => format!(
            "{} of {} echoes did not come back as sent; the first sent {} and got {}",
            r.errors.len(),
            r.judged,
            e.sent,
            e.received
        ),
    };
    let details = r.errors.iter().take(SHOWN).map(|e| {
        // A :fail's value is just the text that was sent; what the learner needs is the error.
        let outcome = match (&e.error, e.kind) {
            (Some(error), OpType::Fail) => format!("got the error {error}"),
            (None, OpType::Fail) => "got an error".to_owned(),
            _ => format!("got {}", e.received),
        };
        format!(
            "op {} by {} at {}: sent {}, {outcome}",
            e.complete_index,
            who(opts, e.process),
            seconds(e.time),
            e.sent,
        )
    });
    let mut check = Check::new("workload", r.validity(), summary)
        .with_details(details)
        .with_figure(Figure::new("echoes judged", r.judged.to_string()))
        .with_figure(Figure::new("mismatches", r.errors.len().to_string()));
    if r.errors.len() > SHOWN {
        check
            .details
            .push(format!("… and {} more", r.errors.len() - SHOWN));
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;

    fn opts() -> TestOptions {
        TestOptions::parse(&["-w", "echo", "--node-count", "1"]).unwrap()
    }

    fn reply(echo: &str) -> Value {
        Value::keyword_map([
            ("type", Value::from("echo_ok")),
            ("echo", Value::from(echo)),
            ("in_reply_to", Value::Int(1)),
        ])
    }

    #[test]
    fn matching_echoes_pass_and_info_is_ignored() {
        let json = Value::from_json(&serde_json::json!({"type": "echo_ok", "echo": "b"}));
        let h = history(&[
            (0, Invoke, 0, "echo", Value::from("a")),
            (1, Ok, 0, "echo", reply("a")),
            (2, Invoke, 1, "echo", Value::from("x")),
            (3, Info, 1, "echo", Value::from("x")),
            (4, Invoke, 0, "echo", Value::from("b")),
            (5, Ok, 0, "echo", json),
        ]);
        let r = analyze(&h);
        assert_eq!(r.judged, 2);
        assert_eq!(check(&h, &opts()).validity, Validity::Valid);
    }

    #[test]
    fn a_wrong_echo_fails() {
        let h = history(&[
            (0, Invoke, 0, "echo", Value::from("Please echo 1")),
            (1, Ok, 0, "echo", reply("Please echo 2")),
        ]);
        let c = check(&h, &opts());
        assert_eq!(c.validity, Validity::Invalid);
        assert!(c.summary.contains("\"Please echo 2\""), "{}", c.summary);
        assert!(c.details[0].contains("process 0 (n0)"), "{:?}", c.details);
    }

    #[test]
    fn a_fail_is_an_error() {
        let h = history(&[
            (0, Invoke, 0, "echo", Value::from("a")),
            (1, Fail, 0, "echo", Value::from("a")),
        ]);
        let c = check(&h, &opts());
        assert_eq!(c.validity, Validity::Invalid);
        assert!(c.summary.contains("failed with an error"), "{}", c.summary);
    }

    #[test]
    fn a_number_is_not_its_string() {
        let h = history(&[
            (0, Invoke, 0, "echo", Value::from("1")),
            (
                1,
                Ok,
                0,
                "echo",
                Value::keyword_map([("echo", Value::Int(1))]),
            ),
        ]);
        assert_eq!(analyze(&h).validity(), Validity::Invalid);
    }
}
