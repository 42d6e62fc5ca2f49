//! Maelstrom's counter checker, used by g-counter and pn-counter (spec §7.5).
//!
//! Acknowledged adds definitely happened; indeterminate (`:info`) adds may or may not have. So a
//! final read may be the acknowledged sum plus the deltas of any subset of the indeterminate
//! adds. That set is kept exactly, as a union of closed integer ranges. Only successful reads
//! flagged `:final?` are judged: reads during the run may lag.

use crate::history::{History, OpType};
use crate::value::Value;
use crate::verdict::{Check, Figure, Validity};

/// How many bad final reads a report lists.
const SHOWN: usize = 10;

/// What the counter checker computes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GCounterResult {
    /// Sum of the acknowledged adds' deltas.
    pub definite_sum: i64,
    /// Deltas of adds that may or may not have happened, in history order.
    pub indeterminate: Vec<i64>,
    /// How many of those got a definite error reply: Maelstrom's counter client does not use
    /// `with-errors`, so it records even an error that says the add did not happen as `:info`.
    pub definite_errors: usize,
    /// Every acceptable final value, as sorted, disjoint, non-adjacent closed ranges.
    pub acceptable: Vec<(i64, i64)>,
    /// The values of successful final reads, in history order.
    pub final_reads: Vec<Value>,
    /// History indexes of the final reads outside the acceptable set.
    pub errors: Vec<usize>,
    /// Why the checker could not decide (a non-integer delta or read, an overflow): Maelstrom's
    /// checker would throw, which makes its result unknown.
    pub undecidable: Option<String>,
}

impl GCounterResult {
    pub fn validity(&self) -> Validity {
        if self.undecidable.is_some() {
            Validity::Unknown
        } else {
            Validity::from_bool(self.errors.is_empty())
        }
    }

    /// Whether `x` lies in the acceptable set.
    pub fn accepts(&self, x: i64) -> bool {
        self.acceptable.iter().any(|&(lo, hi)| lo <= x && x <= hi)
    }
}

/// Adds `(lo, hi)` shifted by `delta` to the union, keeping it sorted and merged.
fn union_shifted(ranges: &[(i64, i64)], delta: i64) -> Option<Vec<(i64, i64)>> {
    let mut all = ranges.to_vec();
    for &(lo, hi) in ranges {
        all.push((lo.checked_add(delta)?, hi.checked_add(delta)?));
    }
    all.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(all.len());
    for (lo, hi) in all {
        match merged.last_mut() {
            // Adjacent integer ranges merge too: {1} ∪ {2} is [1 2].
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    Some(merged)
}

/// Runs the counter checker over `history`.
pub fn analyze(history: &History) -> GCounterResult {
    let mut r = GCounterResult::default();
    fn undecidable(r: &mut GCounterResult, why: String) {
        r.undecidable.get_or_insert(why);
    }
    let mut definite: i64 = 0;
    for op in history.ops.iter().filter(|op| op.f == "add") {
        if !matches!(op.kind, OpType::Ok | OpType::Info) {
            continue;
        }
        let Some(delta) = op.value.as_int() else {
            undecidable(
                &mut r,
                format!(
                    "add op {} has a delta that is not an integer: {}",
                    op.index, op.value
                ),
            );
            continue;
        };
        if op.kind == OpType::Ok {
            match definite.checked_add(delta) {
                Some(sum) => definite = sum,
                None => undecidable(&mut r, "the acknowledged adds overflow".to_owned()),
            }
        } else {
            r.indeterminate.push(delta);
            let definite = op
                .error
                .as_ref()
                .is_some_and(|e| e.to_string().contains(":definite? true"));
            r.definite_errors += usize::from(definite);
        }
    }
    r.definite_sum = definite;
    let mut acceptable = vec![(definite, definite)];
    for &delta in &r.indeterminate {
        match union_shifted(&acceptable, delta) {
            Some(next) => acceptable = next,
            None => {
                r.undecidable
                    .get_or_insert_with(|| "the indeterminate adds overflow".to_owned());
                break;
            }
        }
    }
    r.acceptable = acceptable;

    for op in &history.ops {
        if !(op.final_read && op.kind == OpType::Ok) {
            continue;
        }
        r.final_reads.push(op.value.clone());
        match op.value.as_int() {
            Some(x) if r.accepts(x) => {}
            Some(_) => r.errors.push(op.index),
            None => undecidable(
                &mut r,
                format!(
                    "final read op {} returned {}, not an integer",
                    op.index, op.value
                ),
            ),
        }
    }
    r
}

fn ranges(acceptable: &[(i64, i64)]) -> String {
    let shown: Vec<String> = acceptable
        .iter()
        .take(SHOWN)
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}..={hi}")
            }
        })
        .collect();
    let more = acceptable.len().saturating_sub(SHOWN);
    if more > 0 {
        format!("{} … and {more} more ranges", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn values(vs: &[Value]) -> String {
    if vs.is_empty() {
        return "none".to_owned();
    }
    vs.iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a g-counter (or pn-counter) history.
pub fn check(history: &History) -> Check {
    report(&analyze(history), history)
}

/// Turns an analysis into the workload check.
pub fn report(r: &GCounterResult, history: &History) -> Check {
    let acceptable = ranges(&r.acceptable);
    let definite = match r.definite_errors {
        0 => String::new(),
        n => format!(
            " ({n} of them got an error reply that says the add did not happen, yet Maelstrom's \
             counter client records every error as indeterminate)"
        ),
    };
    let basis = if r.indeterminate.is_empty() {
        format!("the acknowledged adds sum to {}", r.definite_sum)
    } else {
        format!(
            "the acknowledged adds sum to {}, and {} indeterminate adds may or may not \
             count{definite}",
            r.definite_sum,
            r.indeterminate.len()
        )
    };
    let summary = if let Some(why) = &r.undecidable {
        format!("the counter checker cannot decide: {why}")
    } else if r.final_reads.is_empty() {
        format!(
            "no final read succeeded, so Maelstrom's counter checker had nothing to check and \
             calls that valid ({basis}; acceptable: {acceptable})"
        )
    } else if r.errors.is_empty() {
        format!(
            "every final read ({}) is acceptable: {basis} (acceptable: {acceptable})",
            values(&r.final_reads)
        )
    } else {
        format!(
            "{} of {} final reads ({}) are not acceptable: {basis} (acceptable: {acceptable})",
            r.errors.len(),
            r.final_reads.len(),
            values(&r.final_reads)
        )
    };
    let details = r
        .errors
        .iter()
        .take(SHOWN)
        .filter_map(|&i| history.ops.iter().find(|op| op.index == i))
        .map(|op| {
            format!(
                "final read op {} by process {} returned {}",
                op.index, op.process, op.value
            )
        })
        .collect::<Vec<_>>();
    Check::new("workload", r.validity(), summary)
        .with_details(details)
        .with_figure(Figure::new("final reads", values(&r.final_reads)))
        .with_figure(Figure::new("acceptable", acceptable))
        .with_figure(Figure::new(
            "indeterminate adds",
            r.indeterminate.len().to_string(),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::{Op, OpType::*};

    fn final_read(h: &mut History, p: u64, value: i64) {
        for kind in [Invoke, Ok] {
            let v = if kind == Invoke {
                Value::Nil
            } else {
                Value::Int(value)
            };
            let mut op = Op::new(kind, crate::history::Process::Client(p), "read", v);
            op.final_read = true;
            op.index = h.ops.len();
            h.ops.push(op);
        }
    }

    fn adds() -> History {
        history(&[
            (0, Invoke, 0, "add", Value::Int(3)),
            (1, Ok, 0, "add", Value::Int(3)),
            (2, Invoke, 1, "add", Value::Int(2)),
            (3, Info, 1, "add", Value::Int(2)),
            (4, Invoke, 2, "add", Value::Int(4)),
            (5, Info, 2, "add", Value::Int(4)),
            (6, Invoke, 0, "read", Value::Nil),
            (7, Ok, 0, "read", Value::Int(100)),
        ])
    }

    #[test]
    fn acceptable_is_definite_plus_any_subset_of_indeterminate() {
        let r = analyze(&adds());
        assert_eq!(r.definite_sum, 3);
        assert_eq!(r.acceptable, vec![(3, 3), (5, 5), (7, 7), (9, 9)]);
        // A non-final read is never judged, however wrong.
        assert_eq!(r.validity(), Validity::Valid);
    }

    #[test]
    fn a_definite_error_still_counts_as_indeterminate_and_the_summary_says_so() {
        let mut h = adds();
        h.ops[3].error = Some(Value::Str(
            "indeterminate: throw+: {:type :rpc-error, :code 11, :definite? true}".into(),
        ));
        let r = analyze(&h);
        assert_eq!((r.indeterminate.len(), r.definite_errors), (2, 1));
        let c = report(&r, &h);
        assert!(
            c.summary
                .contains("1 of them got an error reply that says the add did not happen"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn adjacent_ranges_merge() {
        assert_eq!(
            union_shifted(&[(0, 0)], 1).unwrap(),
            vec![(0, 1)],
            "{{0}} ∪ {{1}}"
        );
        assert_eq!(union_shifted(&[(0, 1)], 0).unwrap(), vec![(0, 1)]);
        assert_eq!(union_shifted(&[(5, 13)], 2).unwrap(), vec![(5, 15)]);
    }

    #[test]
    fn a_final_read_in_the_set_passes() {
        let mut h = adds();
        final_read(&mut h, 0, 7);
        final_read(&mut h, 1, 9);
        let check = check(&h);
        assert_eq!(check.validity, Validity::Valid, "{check:?}");
        assert!(check.summary.contains("7, 9"), "{}", check.summary);
    }

    #[test]
    fn a_final_read_outside_the_set_fails() {
        let mut h = adds();
        final_read(&mut h, 0, 7);
        final_read(&mut h, 1, 8);
        let r = analyze(&h);
        assert_eq!(r.errors, vec![11]);
        let check = report(&r, &h);
        assert_eq!(check.validity, Validity::Invalid);
        assert!(check.summary.contains("3, 5, 7, 9"), "{}", check.summary);
        assert!(
            check.details[0].contains("returned 8"),
            "{:?}",
            check.details
        );
    }

    #[test]
    fn no_final_read_is_valid() {
        let r = analyze(&adds());
        assert!(r.final_reads.is_empty());
        assert_eq!(r.validity(), Validity::Valid);
    }

    #[test]
    fn a_float_final_read_is_undecidable() {
        let mut h = adds();
        final_read(&mut h, 0, 3);
        h.ops.last_mut().unwrap().value = Value::Float(3.0);
        assert_eq!(analyze(&h).validity(), Validity::Unknown);
    }
}
