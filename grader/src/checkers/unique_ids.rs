//! Jepsen's unique-ids checker (spec §7.2): no id may be acknowledged twice.
//!
//! Ids are compared with Clojure's equality, so `1`, `1.0` and `"1"` are three ids. Jepsen also
//! reports the lowest and highest id using `compare`, which throws on ids of kinds that do not
//! compare (a number and a string, two JSON objects): its result is then unknown. The course
//! keeps that, except that duplicates found anyway make the result invalid.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::history::{History, OpType};
use crate::value::Value;
use crate::verdict::{Check, Figure, Validity};

/// How many duplicated ids a report lists (Jepsen keeps 48 in its result).
const SHOWN: usize = 10;

/// What the unique-ids checker computes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UniqueIdsResult {
    /// `:generate` invocations.
    pub attempted: usize,
    /// `:generate` ok completions.
    pub acknowledged: usize,
    /// Ids acknowledged more than once, with how often, most frequent first (then by id).
    pub duplicated: Vec<(Value, usize)>,
    /// The lowest and highest id, when there were any and they compare.
    pub range: Option<(Value, Value)>,
    /// Why the ids do not compare (Jepsen's checker would throw), if they do not.
    pub incomparable: Option<String>,
}

impl UniqueIdsResult {
    pub fn validity(&self) -> Validity {
        if !self.duplicated.is_empty() {
            Validity::Invalid
        } else if self.incomparable.is_some() {
            Validity::Unknown
        } else {
            Validity::Valid
        }
    }
}

/// Clojure's `compare`, or `None` where it would throw.
fn clojure_compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Nil, Nil) => Some(Ordering::Equal),
        (Nil, _) => Some(Ordering::Less),
        (_, Nil) => Some(Ordering::Greater),
        // Integers of any size compare exactly (Value's order is numeric across them).
        (Int(_) | BigInt(_), Int(_) | BigInt(_)) => Some(a.cmp(b)),
        (Int(_) | BigInt(_) | Float(_), Int(_) | BigInt(_) | Float(_)) => {
            a.as_f64()?.partial_cmp(&b.as_f64()?)
        }
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Str(x), Str(y)) | (Keyword(x), Keyword(y)) | (Symbol(x), Symbol(y)) => Some(x.cmp(y)),
        // Vectors compare by length first, then element by element.
        (Vec(x), Vec(y)) => match x.len().cmp(&y.len()) {
            Ordering::Equal => {
                for (p, q) in x.iter().zip(y) {
                    match clojure_compare(p, q)? {
                        Ordering::Equal => {}
                        other => return Some(other),
                    }
                }
                Some(Ordering::Equal)
            }
            other => Some(other),
        },
        _ => None,
    }
}

/// Runs the unique-ids checker over `history`.
pub fn analyze(history: &History) -> UniqueIdsResult {
    let mut r = UniqueIdsResult::default();
    let mut counts: HashMap<&Value, usize> = HashMap::new();
    let mut order: Vec<&Value> = Vec::new();
    for op in history.ops.iter().filter(|op| op.f == "generate") {
        match op.kind {
            OpType::Invoke => r.attempted += 1,
            OpType::Ok => {
                r.acknowledged += 1;
                let n = counts.entry(&op.value).or_insert(0);
                if *n == 0 {
                    order.push(&op.value);
                }
                *n += 1;
            }
            OpType::Fail | OpType::Info => {}
        }
    }
    let mut duplicated: Vec<(Value, usize)> = counts
        .iter()
        .filter(|(_, &n)| n > 1)
        .map(|(v, &n)| ((*v).clone(), n))
        .collect();
    duplicated.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    r.duplicated = duplicated;

    let mut range: Option<(&Value, &Value)> = None;
    for id in order {
        let Some((lo, hi)) = range else {
            range = Some((id, id));
            continue;
        };
        match (clojure_compare(id, lo), clojure_compare(id, hi)) {
            (Some(below), Some(above)) => {
                let lo = if below == Ordering::Less { id } else { lo };
                let hi = if above == Ordering::Greater { id } else { hi };
                range = Some((lo, hi));
            }
            _ => {
                r.incomparable = Some(format!(
                    "ids {id} and {lo} cannot be compared, so Maelstrom's checker would fail \
                     to report a range"
                ));
                range = None;
                break;
            }
        }
    }
    r.range = range.map(|(lo, hi)| (lo.clone(), hi.clone()));
    r
}

/// Checks a unique-ids history.
pub fn check(history: &History) -> Check {
    report(&analyze(history))
}

/// Turns an analysis into the workload check.
pub fn report(r: &UniqueIdsResult) -> Check {
    let summary = if let Some((id, n)) = r.duplicated.first() {
        format!(
            "{} ids were handed out more than once (of {} acknowledged); {id} came back {n} times",
            r.duplicated.len(),
            r.acknowledged
        )
    } else if let Some(why) = &r.incomparable {
        format!("no duplicate among {} ids, but {why}", r.acknowledged)
    } else {
        format!(
            "all {} acknowledged ids are distinct ({} requested)",
            r.acknowledged, r.attempted
        )
    };
    let mut details: Vec<String> = r
        .duplicated
        .iter()
        .take(SHOWN)
        .map(|(id, n)| format!("id {id} handed out {n} times"))
        .collect();
    if r.duplicated.len() > SHOWN {
        details.push(format!(
            "… and {} more duplicated ids",
            r.duplicated.len() - SHOWN
        ));
    }
    if let Some((lo, hi)) = &r.range {
        details.push(format!("ids range from {lo} to {hi}"));
    }
    Check::new("workload", r.validity(), summary)
        .with_details(details)
        .with_figure(Figure::new("ids requested", r.attempted.to_string()))
        .with_figure(Figure::new("ids acknowledged", r.acknowledged.to_string()))
        .with_figure(Figure::new(
            "duplicated ids",
            r.duplicated.len().to_string(),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;

    fn generate(ids: &[Value]) -> History {
        let mut rows = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let t = 2 * i as u64;
            rows.push((t, Invoke, 0, "generate", Value::Nil));
            rows.push((t + 1, Ok, 0, "generate", id.clone()));
        }
        rows.push((1000, Invoke, 1, "generate", Value::Nil));
        rows.push((1001, Info, 1, "generate", Value::Nil));
        history(&rows)
    }

    #[test]
    fn distinct_ids_pass_and_clojure_equality_keeps_kinds_apart() {
        let h = generate(&[Value::Int(1), Value::Float(1.0), Value::Int(2)]);
        let r = analyze(&h);
        assert_eq!(r.attempted, 4);
        assert_eq!(r.acknowledged, 3);
        assert_eq!(r.range, Some((Value::Int(1), Value::Int(2))));
        assert_eq!(r.validity(), Validity::Valid);
    }

    #[test]
    fn colliding_ids_fail_with_their_counts() {
        let h = generate(&[
            Value::from("n1-1"),
            Value::from("n1-2"),
            Value::from("n1-1"),
            Value::from("n1-1"),
            Value::from("n1-2"),
        ]);
        let c = check(&h);
        assert_eq!(c.validity, Validity::Invalid);
        assert_eq!(
            c.details[..2],
            [
                "id \"n1-1\" handed out 3 times".to_owned(),
                "id \"n1-2\" handed out 2 times".to_owned()
            ]
        );
    }

    #[test]
    fn ids_of_mixed_kinds_are_unknown_unless_duplicated() {
        let r = analyze(&generate(&[Value::Int(1), Value::from("1")]));
        assert_eq!(r.validity(), Validity::Unknown);
        let r = analyze(&generate(&[
            Value::Int(1),
            Value::from("1"),
            Value::from("1"),
        ]));
        assert_eq!(r.validity(), Validity::Invalid);
    }

    #[test]
    fn u64_ids_that_differ_only_in_low_bits_are_distinct() {
        // Beyond 2^53 a float cannot tell these apart; the checker must.
        let ids: Vec<Value> = [u64::MAX, u64::MAX - 1, (1 << 63) + 1, 1 << 63]
            .iter()
            .map(|id| Value::from_json(&serde_json::json!(id)))
            .collect();
        let r = analyze(&generate(&ids));
        assert_eq!(r.validity(), Validity::Valid, "{r:?}");
    }
}
