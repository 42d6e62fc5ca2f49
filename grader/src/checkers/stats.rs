//! Jepsen's stats checker as Maelstrom composes it (spec §8.1).
//!
//! Counts client completions by outcome, overall and per operation kind (`:f`). A kind that never
//! once succeeded makes the whole run invalid — a node that times out on every read fails here
//! even when the workload checker has nothing to object to. Kafka's `:crash` and
//! `:debug-topic-partitions` are exempt: they are expected never to succeed.

use std::collections::BTreeMap;

use crate::history::{History, OpType};
use crate::verdict::{Check, Figure, Validity};

/// The kinds Maelstrom's kafka stats wrapper exempts.
const EXEMPT: [&str; 2] = ["crash", "debug-topic-partitions"];

/// Completions of one group of operations, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
}

impl Counts {
    pub fn count(&self) -> u64 {
        self.ok + self.fail + self.info
    }

    fn add(&mut self, kind: OpType) {
        match kind {
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
            OpType::Invoke => {}
        }
    }
}

/// What the stats checker computes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsResult {
    pub all: Counts,
    /// Per `:f`, sorted by name.
    pub by_f: BTreeMap<String, Counts>,
    /// Per `:f`, how often each `:error` ended an operation that did not succeed: what a learner
    /// needs to see when a kind of operation never succeeds.
    pub errors: BTreeMap<String, BTreeMap<String, usize>>,
}

impl StatsResult {
    /// The most frequent error of operations of kind `f`, with its count.
    pub fn commonest_error(&self, f: &str) -> Option<(&str, usize)> {
        self.errors
            .get(f)?
            .iter()
            .max_by_key(|(e, n)| (**n, std::cmp::Reverse(e.as_str())))
            .map(|(e, n)| (e.as_str(), *n))
    }
}

impl StatsResult {
    /// The kinds that never succeeded (exempt ones left out).
    pub fn never_ok(&self) -> Vec<&str> {
        self.by_f
            .iter()
            .filter(|(f, c)| c.ok == 0 && !EXEMPT.contains(&f.as_str()))
            .map(|(f, _)| f.as_str())
            .collect()
    }

    pub fn validity(&self) -> Validity {
        Validity::from_bool(self.never_ok().is_empty())
    }
}

/// Counts the client completions of `history`.
pub fn analyze(history: &History) -> StatsResult {
    let mut r = StatsResult::default();
    for op in history.client_ops().filter(|op| op.kind != OpType::Invoke) {
        r.all.add(op.kind);
        r.by_f.entry(op.f.clone()).or_default().add(op.kind);
        if let Some(error) = &op.error {
            *r.errors
                .entry(op.f.clone())
                .or_default()
                .entry(error_shape(&error.to_string()))
                .or_default() += 1;
        }
    }
    r
}

/// An error's text with its message ids left out (`in_reply_to 17` becomes `in_reply_to …`), so
/// that the same failure repeated on every request counts as one error, not hundreds.
pub fn error_shape(text: &str) -> String {
    const IDS: [&str; 2] = ["in_reply_to", "msg_id"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, marker)) = IDS
        .iter()
        .filter_map(|m| rest.find(m).map(|i| (i, *m)))
        .min_by_key(|(i, _)| *i)
    {
        let after = at + marker.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        let gap = rest
            .find(|c: char| !matches!(c, '"' | '\\' | ':' | '=' | ' '))
            .unwrap_or(rest.len());
        let digits = rest[gap..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - gap);
        if digits > 0 {
            out.push_str(&rest[..gap]);
            out.push('…');
            rest = &rest[gap + digits..];
        }
    }
    out.push_str(rest);
    out
}

/// Checks that every kind of operation succeeded at least once.
pub fn check(history: &History) -> Check {
    report(&analyze(history))
}

fn describe(c: &Counts) -> String {
    format!(
        "{} ops: {} ok, {} failed, {} indeterminate",
        c.count(),
        c.ok,
        c.fail,
        c.info
    )
}

/// Turns counts into the stats check.
pub fn report(r: &StatsResult) -> Check {
    let never = r.never_ok();
    let summary = if never.is_empty() {
        if r.by_f.is_empty() {
            "no operation completed, so there was nothing to count".to_owned()
        } else {
            format!(
                "every kind of operation succeeded at least once ({} of {} ok)",
                r.all.ok,
                r.all.count()
            )
        }
    } else {
        let which: Vec<String> = never
            .iter()
            .map(|f| format!("{f} ({})", describe(&r.by_f[*f])))
            .collect();
        format!(
            "no {} ever succeeded: {}; Maelstrom fails a run in which a kind of operation never \
             succeeds",
            never.join(" or "),
            which.join("; ")
        )
    };
    let details = r.by_f.iter().flat_map(|(f, c)| {
        let counts = format!("{f}: {}", describe(c));
        let error = r
            .commonest_error(f)
            .filter(|_| c.ok == 0)
            .map(|(e, n)| format!("  most common error of {f}: {e} ({n}×)"));
        std::iter::once(counts).chain(error)
    });
    Check::new("stats", r.validity(), summary)
        .with_details(details)
        .with_figure(Figure::new("ops", r.all.count().to_string()))
        .with_figure(Figure::new("ok", r.all.ok.to_string()))
        .with_figure(Figure::new("fail", r.all.fail.to_string()))
        .with_figure(Figure::new("info", r.all.info.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;
    use crate::value::Value;

    #[test]
    fn counts_completions_per_f() {
        let h = history(&[
            (0, Invoke, 0, "add", Value::Int(1)),
            (1, Ok, 0, "add", Value::Int(1)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Fail, 1, "read", Value::Nil),
            (4, Invoke, 1, "read", Value::Nil),
            (5, Ok, 1, "read", Value::Int(1)),
        ]);
        let r = analyze(&h);
        assert_eq!(r.all.count(), 3);
        assert_eq!(
            r.commonest_error("read"),
            None,
            "the failed read carried no error"
        );
        assert_eq!(
            r.by_f["read"],
            Counts {
                ok: 1,
                fail: 1,
                info: 0
            }
        );
        let c = report(&r);
        assert_eq!(c.validity, Validity::Valid);
        assert_eq!(c.figures[0].value, "3");
    }

    #[test]
    fn a_kind_that_never_succeeds_fails_the_run() {
        let h = history(&[
            (0, Invoke, 0, "add", Value::Int(1)),
            (1, Ok, 0, "add", Value::Int(1)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Info, 1, "read", Value::Nil),
        ]);
        let c = check(&h);
        assert_eq!(c.validity, Validity::Invalid);
        assert!(
            c.summary.starts_with("no read ever succeeded"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn kafka_crashes_are_exempt() {
        let h = history(&[
            (0, Invoke, 0, "send", Value::Nil),
            (1, Ok, 0, "send", Value::Nil),
            (2, Invoke, 1, "crash", Value::Nil),
            (3, Info, 1, "crash", Value::Nil),
        ]);
        assert_eq!(check(&h).validity, Validity::Valid);
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;
    use crate::value::Value;

    #[test]
    fn a_kind_that_never_succeeds_shows_its_commonest_error() {
        let mut h = history(&[
            (0, Invoke, 0, "generate", Value::Nil),
            (1, Fail, 0, "generate", Value::Nil),
            (2, Invoke, 0, "generate", Value::Nil),
            (3, Fail, 0, "generate", Value::Nil),
        ]);
        let not_supported = Value::Vec(vec![Value::keyword("not-supported"), "nope".into()]);
        h.ops[1].error = Some(not_supported.clone());
        h.ops[3].error = Some(not_supported);
        let c = report(&analyze(&h));
        assert_eq!(c.validity, Validity::Invalid);
        assert!(
            c.details
                .iter()
                .any(|d| d.contains("[:not-supported \"nope\"] (2×)")),
            "{:?}",
            c.details
        );
    }

    #[test]
    fn errors_that_differ_only_in_message_ids_are_one_error() {
        let mut rows = Vec::new();
        for i in 0..629u64 {
            rows.push((2 * i, Invoke, 0, "read", Value::Nil));
            rows.push((2 * i + 1, Info, 0, "read", Value::Nil));
        }
        let mut h = history(&rows);
        for (i, op) in h.ops.iter_mut().filter(|op| op.kind == Info).enumerate() {
            let text = format!(
                "indeterminate: throw+: {{:type :rpc-error, :code 13, :body {{:code 13, \
                 :in_reply_to {i}, :text \"boom\", :type \"error\"}}}}; raw {{\"msg_id\":{}}}",
                i + 7
            );
            op.error = Some(Value::Str(text));
        }
        let c = report(&analyze(&h));
        let line = c
            .details
            .iter()
            .find(|d| d.contains("most common error"))
            .expect("a most common error");
        assert!(line.ends_with("(629×)"), "{line}");
        assert!(
            line.contains(":in_reply_to …,") && line.contains(":…}"),
            "{line}"
        );
        assert_eq!(error_shape("code 11, msg_id 3"), "code 11, msg_id …");
        assert_eq!(error_shape("no ids here 42"), "no ids here 42");
    }
}
