//! Jepsen's `set-full` checker, which judges Maelstrom's broadcast workload (spec §7.3).
//!
//! Every broadcast value is an element; every successful read says which elements a node had
//! when the read began. An element is *stable* when every read since some point contains it,
//! *lost* when it was known to exist and yet the latest read that could see it did not, and
//! *never read* otherwise. Maelstrom runs it with broadcasts renamed to adds; both names count
//! as adds here.
//!
//! One deliberate difference: Jepsen means to flag a read that lists a value twice but its filter
//! is inverted, so it never does. The course does: such a read makes the result invalid.

use std::collections::{HashMap, HashSet};

use crate::checkers::labels;
use crate::checkers::{number, seconds, who};
use crate::history::{History, OpType, Process};
use crate::options::TestOptions;
use crate::value::Value;
use crate::verdict::{Check, Figure, Validity};

/// The quantiles Jepsen reports latencies at.
pub const QUANTILE_POINTS: [f64; 5] = [0.0, 0.5, 0.95, 0.99, 1.0];

/// How many lost values, duplicated reads or stale values a report lists.
const SHOWN: usize = 10;

/// What became of one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Every read since some point contained it.
    Stable,
    /// Known to exist, then missing from the latest read that began after it was known.
    Lost,
    /// No read decided either way.
    NeverRead,
}

/// A history entry an element's verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpRef {
    /// The entry's `:index`.
    pub index: usize,
    /// Its position in the history, which orders entries even when indexes are missing.
    pub position: usize,
    /// Nanoseconds since the run began.
    pub time: u64,
    pub process: Process,
}

/// The verdict on one element.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementResult {
    pub element: Value,
    pub outcome: Outcome,
    /// Milliseconds from when it was known to when it became stable (truncated).
    pub stable_latency_ms: Option<i64>,
    /// Milliseconds from when it was known to when it was lost (truncated).
    pub lost_latency_ms: Option<i64>,
    /// The add's ok completion or the first ok read containing it, whichever came first.
    pub known: Option<OpRef>,
    /// The invocation of the latest-begun ok read that contained it.
    pub last_present: Option<OpRef>,
    /// The invocation of the latest-begun ok read that did not.
    pub last_absent: Option<OpRef>,
}

/// Latencies at [`QUANTILE_POINTS`], the way Jepsen's `frequency-distribution` takes them: the
/// sorted value at index `min(n − 1, ⌊n·p⌋)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantiles {
    pub points: Vec<(f64, i64)>,
}

impl Quantiles {
    /// The quantiles of `values`, or `None` when there are none (Jepsen omits the key then).
    pub fn of(values: &[i64]) -> Option<Quantiles> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let points = QUANTILE_POINTS
            .iter()
            .map(|&p| {
                let i = ((n as f64 * p).floor() as usize).min(n - 1);
                (p, sorted[i])
            })
            .collect();
        Some(Quantiles { points })
    }

    /// The value at quantile `p`, if `p` is one of the points.
    pub fn at(&self, p: f64) -> Option<i64> {
        self.points.iter().find(|(q, _)| *q == p).map(|(_, v)| *v)
    }

    pub fn median(&self) -> Option<i64> {
        self.at(0.5)
    }

    pub fn max(&self) -> Option<i64> {
        self.at(1.0)
    }
}

/// A read that listed some values more than once (the course's check, not Maelstrom's).
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateRead {
    /// The read's ok completion.
    pub op: OpRef,
    /// Each repeated value with how many times the read listed it.
    pub values: Vec<(Value, usize)>,
}

/// Everything `set-full` computes, plus the course's duplicate check.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SetFullResult {
    /// One result per element, in element order.
    pub elements: Vec<ElementResult>,
    pub attempt_count: usize,
    pub stable_count: usize,
    pub lost_count: usize,
    pub never_read_count: usize,
    pub stale_count: usize,
    /// Lost elements, sorted.
    pub lost: Vec<Value>,
    /// Never-read elements, sorted.
    pub never_read: Vec<Value>,
    /// Stable elements that some read missed after they were known, sorted.
    pub stale: Vec<Value>,
    /// Up to 8 stale elements, highest stable latency first.
    pub worst_stale: Vec<ElementResult>,
    pub stable_latencies: Option<Quantiles>,
    pub lost_latencies: Option<Quantiles>,
    /// Reads that listed a value twice, in history order.
    pub duplicate_reads: Vec<DuplicateRead>,
    /// Ok reads whose value is not a list, with that value (Maelstrom's checker would throw).
    pub malformed_reads: Vec<(OpRef, Value)>,
}

impl SetFullResult {
    /// Maelstrom's `:valid?`: false if any element was lost, unknown if none became stable.
    pub fn maelstrom_validity(&self) -> Validity {
        if !self.malformed_reads.is_empty() {
            Validity::Unknown
        } else if self.lost_count > 0 {
            Validity::Invalid
        } else if self.stable_count == 0 {
            Validity::Unknown
        } else {
            Validity::Valid
        }
    }

    /// The course's verdict: Maelstrom's, and invalid if any read listed a value twice.
    pub fn validity(&self) -> Validity {
        if self.duplicate_reads.is_empty() {
            self.maelstrom_validity()
        } else {
            Validity::Invalid
        }
    }
}

/// An element being tracked while the history is read.
struct Tracked {
    element: Value,
    known: Option<OpRef>,
    last_present: Option<OpRef>,
    last_absent: Option<OpRef>,
}

fn later(current: Option<OpRef>, candidate: OpRef) -> Option<OpRef> {
    match current {
        Some(c) if c.position >= candidate.position => Some(c),
        _ => Some(candidate),
    }
}

fn is_add(f: &str) -> bool {
    f == "add" || f == "broadcast"
}

/// Runs `set-full` over the client operations of `history`.
pub fn analyze(history: &History) -> SetFullResult {
    let mut tracked: Vec<Tracked> = Vec::new();
    let mut slot: HashMap<Value, usize> = HashMap::new();
    let mut open: HashMap<Process, OpRef> = HashMap::new();
    let mut duplicate_reads = Vec::new();
    let mut malformed_reads = Vec::new();

    for (position, op) in history.ops.iter().enumerate() {
        if !op.is_client() {
            continue;
        }
        let this = OpRef {
            index: op.index,
            position,
            time: op.time,
            process: op.process,
        };
        let invocation = if op.kind == OpType::Invoke {
            open.insert(op.process, this);
            None
        } else {
            open.remove(&op.process)
        };

        if is_add(&op.f) {
            match op.kind {
                // Invoking an add starts tracking it afresh, as Jepsen's `assoc` does.
                OpType::Invoke => {
                    let fresh = Tracked {
                        element: op.value.clone(),
                        known: None,
                        last_present: None,
                        last_absent: None,
                    };
                    match slot.get(&op.value) {
                        Some(&i) => tracked[i] = fresh,
                        None => {
                            slot.insert(op.value.clone(), tracked.len());
                            tracked.push(fresh);
                        }
                    }
                }
                OpType::Ok => {
                    if let Some(&i) = slot.get(&op.value) {
                        tracked[i].known.get_or_insert(this);
                    }
                }
                OpType::Fail | OpType::Info => {}
            }
        } else if op.f == "read" && op.kind == OpType::Ok {
            let Some(inv) = invocation else { continue };
            let items: &[Value] = match &op.value {
                Value::Nil => &[],
                other => match other.as_slice() {
                    Some(items) => items,
                    None => {
                        malformed_reads.push((this, op.value.clone()));
                        continue;
                    }
                },
            };
            let mut counts: HashMap<&Value, usize> = HashMap::new();
            for item in items {
                *counts.entry(item).or_default() += 1;
            }
            let mut repeated: Vec<(Value, usize)> = counts
                .iter()
                .filter(|(_, &n)| n > 1)
                .map(|(v, &n)| ((*v).clone(), n))
                .collect();
            if !repeated.is_empty() {
                repeated.sort();
                duplicate_reads.push(DuplicateRead {
                    op: this,
                    values: repeated,
                });
            }
            let present: HashSet<&Value> = counts.into_keys().collect();
            for t in &mut tracked {
                if present.contains(&t.element) {
                    t.known.get_or_insert(this);
                    t.last_present = later(t.last_present, inv);
                } else {
                    t.last_absent = later(t.last_absent, inv);
                }
            }
        }
    }

    let mut elements: Vec<ElementResult> = tracked.into_iter().map(conclude).collect();
    elements.sort_by(|a, b| a.element.cmp(&b.element));
    summarize(elements, duplicate_reads, malformed_reads)
}

/// Nanoseconds to whole milliseconds, as Jepsen does it: divide as a double, truncate.
fn millis(nanos: i128) -> i64 {
    (nanos.max(0) as f64 / 1e6) as i64
}

fn conclude(t: Tracked) -> ElementResult {
    let pos = |o: Option<OpRef>| o.map_or(-1, |o| o.position as i64);
    let stable = t.last_present.is_some() && pos(t.last_absent) < pos(t.last_present);
    let lost = match (t.known, t.last_absent) {
        (Some(known), Some(absent)) => {
            pos(t.last_present) < absent.position as i64 && known.position < absent.position
        }
        _ => false,
    };
    let known_time = t.known.map_or(0, |k| k.time as i128);
    // Jepsen measures from the op after the last contrary read: 0 when there was none.
    let since = |o: Option<OpRef>| o.map_or(0, |o| o.time as i128 + 1);
    let stable_latency_ms = stable.then(|| millis(since(t.last_absent) - known_time));
    let lost_latency_ms = lost.then(|| millis(since(t.last_present) - known_time));
    ElementResult {
        element: t.element,
        outcome: if stable {
            Outcome::Stable
        } else if lost {
            Outcome::Lost
        } else {
            Outcome::NeverRead
        },
        stable_latency_ms,
        lost_latency_ms,
        known: t.known,
        last_present: t.last_present,
        last_absent: t.last_absent,
    }
}

fn summarize(
    elements: Vec<ElementResult>,
    duplicate_reads: Vec<DuplicateRead>,
    malformed_reads: Vec<(OpRef, Value)>,
) -> SetFullResult {
    let of = |o: Outcome| -> Vec<Value> {
        elements
            .iter()
            .filter(|e| e.outcome == o)
            .map(|e| e.element.clone())
            .collect()
    };
    let lost = of(Outcome::Lost);
    let never_read = of(Outcome::NeverRead);
    let stale_elements: Vec<&ElementResult> = elements
        .iter()
        .filter(|e| e.outcome == Outcome::Stable && e.stable_latency_ms.unwrap_or(0) > 0)
        .collect();
    // Jepsen sorts by latency (stably, elements in order), then reverses: ties come out in
    // descending element order.
    let mut worst: Vec<&ElementResult> = stale_elements.clone();
    worst.sort_by_key(|e| e.stable_latency_ms);
    let worst_stale = worst.into_iter().rev().take(8).cloned().collect();
    let stable_latencies: Vec<i64> = elements
        .iter()
        .filter_map(|e| e.stable_latency_ms)
        .collect();
    let lost_latencies: Vec<i64> = elements.iter().filter_map(|e| e.lost_latency_ms).collect();
    SetFullResult {
        attempt_count: elements.len(),
        stable_count: elements
            .iter()
            .filter(|e| e.outcome == Outcome::Stable)
            .count(),
        lost_count: lost.len(),
        never_read_count: never_read.len(),
        stale_count: stale_elements.len(),
        stale: stale_elements.iter().map(|e| e.element.clone()).collect(),
        lost,
        never_read,
        worst_stale,
        stable_latencies: Quantiles::of(&stable_latencies),
        lost_latencies: Quantiles::of(&lost_latencies),
        duplicate_reads,
        malformed_reads,
        elements,
    }
}

/// Checks a broadcast (or g-set) history.
pub fn check(history: &History, opts: &TestOptions) -> Check {
    report(&analyze(history), opts)
}

fn list(values: &[Value]) -> String {
    let shown: Vec<String> = values.iter().take(SHOWN).map(Value::to_string).collect();
    let more = values.len().saturating_sub(SHOWN);
    if more > 0 {
        format!("{} … and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Turns an analysis into the workload check: plain words, evidence, figures.
pub fn report(r: &SetFullResult, opts: &TestOptions) -> Check {
    let validity = r.validity();
    let summary = if let Some(d) = r.duplicate_reads.first() {
        let (value, times) = &d.values[0];
        let also = if r.lost_count > 0 {
            format!("; {} values were lost too", r.lost_count)
        } else {
            String::new()
        };
        format!(
            "a read returned {value} {times} times (op {}, {}): a read must list each value once \
             (Maelstrom does not flag this; the course does){also}",
            d.op.index,
            who(opts, d.op.process)
        )
    } else if let Some((op, value)) = r.malformed_reads.first() {
        format!(
            "a read returned {value}, which is not a list of values (op {}, {})",
            op.index,
            who(opts, op.process)
        )
    } else if r.lost_count > 0 {
        format!(
            "{} of {} broadcast values were lost: once known, they were missing from the latest \
             read that began after that ({})",
            r.lost_count,
            r.attempt_count,
            list(&r.lost)
        )
    } else if r.stable_count == 0 {
        if r.attempt_count == 0 {
            "no value was ever broadcast, so nothing could become stable".to_owned()
        } else {
            format!(
                "none of {} broadcast values became stable: no successful read began after them",
                r.attempt_count
            )
        }
    } else {
        let latency = r
            .stable_latencies
            .as_ref()
            .and_then(|q| Some((q.median()?, q.max()?)))
            .map(|(m, x)| format!("; stable latency median {m} ms, max {x} ms"))
            .unwrap_or_default();
        let never = if r.never_read_count > 0 {
            format!(" ({} never read)", r.never_read_count)
        } else {
            String::new()
        };
        format!(
            "all {} broadcast values that were read became stable{never}{latency}",
            r.stable_count
        )
    };

    let mut details = Vec::new();
    for d in r.duplicate_reads.iter().take(SHOWN) {
        let repeated: Vec<String> = d.values.iter().map(|(v, n)| format!("{v} ×{n}")).collect();
        details.push(format!(
            "read op {} by {} at {} listed {}",
            d.op.index,
            who(opts, d.op.process),
            seconds(d.op.time),
            repeated.join(", ")
        ));
    }
    if r.duplicate_reads.len() > SHOWN {
        details.push(format!(
            "… and {} more reads with repeated values",
            r.duplicate_reads.len() - SHOWN
        ));
    }
    for e in r
        .elements
        .iter()
        .filter(|e| e.outcome == Outcome::Lost)
        .take(SHOWN)
    {
        let (Some(known), Some(absent)) = (e.known, e.last_absent) else {
            continue;
        };
        let seen = match e.last_present {
            Some(p) => format!(", last seen by a read begun at {}", seconds(p.time)),
            None => ", never seen by any read".to_owned(),
        };
        details.push(format!(
            "value {} lost: known at {} (op {}){seen}; missing from the read that {} began at {} (op {})",
            e.element,
            seconds(known.time),
            known.index,
            who(opts, absent.process),
            seconds(absent.time),
            absent.index
        ));
    }
    if r.lost_count > SHOWN {
        details.push(format!("… and {} more lost values", r.lost_count - SHOWN));
    }
    if r.lost_count == 0 {
        for e in r.worst_stale.iter().take(3) {
            if let (Some(known), Some(absent), Some(lat)) =
                (e.known, e.last_absent, e.stable_latency_ms)
            {
                details.push(format!(
                    "slowest: value {} took {lat} ms to reach every read (known at {}, last missed by {} at {})",
                    e.element,
                    seconds(known.time),
                    who(opts, absent.process),
                    seconds(absent.time)
                ));
            }
        }
    }
    if r.never_read_count > 0 {
        details.push(format!(
            "never read (neither stable nor lost: no read that began after they were known \
             decided either way): {}",
            list(&r.never_read)
        ));
    }

    let mut check = Check::new("workload", validity, summary).with_details(details);
    for (label, n) in [
        (labels::VALUES_BROADCAST, r.attempt_count),
        ("stable", r.stable_count),
        ("lost", r.lost_count),
        ("never read", r.never_read_count),
        ("stale", r.stale_count),
    ] {
        check = check.with_figure(Figure::new(label, n.to_string()));
    }
    if let Some(q) = &r.stable_latencies {
        for (p, v) in &q.points {
            let label = if *p == 0.0 {
                "stable latency, minimum".to_owned()
            } else if *p == 0.5 {
                labels::MEDIAN_LATENCY.to_owned()
            } else if *p == 1.0 {
                labels::MAX_LATENCY.to_owned()
            } else {
                format!("stable latency, p{}", number(p * 100.0))
            };
            check = check.with_figure(Figure::new(label, format!("{v} ms")));
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::{history, ints};
    use crate::history::OpType::*;

    fn opts() -> TestOptions {
        TestOptions::parse(&["-w", "broadcast", "--node-count", "2"]).unwrap()
    }

    #[test]
    fn quantiles_take_floor_of_n_times_p() {
        let q = Quantiles::of(&[5, 1, 4, 2, 3]).unwrap();
        // n = 5: indexes 0, 2, 4 (⌊4.75⌋), 4 (⌊4.95⌋), min(4, 5).
        assert_eq!(
            q.points,
            vec![(0.0, 1), (0.5, 3), (0.95, 5), (0.99, 5), (1.0, 5)]
        );
        let q = Quantiles::of(&[10, 20]).unwrap();
        assert_eq!(q.median(), Some(20));
        assert!(Quantiles::of(&[]).is_none());
    }

    #[test]
    fn values_every_later_read_sees_are_stable() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(0)),
            (1, Ok, 0, "broadcast", Value::Int(0)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Ok, 1, "read", ints(&[0])),
            (4, Invoke, 0, "broadcast", Value::Int(1)),
            (5, Ok, 0, "broadcast", Value::Int(1)),
            (10, Invoke, 1, "read", Value::Nil),
            (11, Ok, 1, "read", ints(&[1, 0])),
        ]);
        let r = analyze(&h);
        assert_eq!(r.attempt_count, 2);
        assert_eq!(r.stable_count, 2);
        assert_eq!(r.lost_count, 0);
        assert_eq!(r.validity(), Validity::Valid);
        let check = report(&r, &opts());
        assert_eq!(check.validity, Validity::Valid);
        assert!(check.summary.contains("all 2"), "{}", check.summary);
    }

    #[test]
    fn a_value_missing_from_the_last_read_is_lost() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(7)),
            (1, Ok, 0, "broadcast", Value::Int(7)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Ok, 1, "read", ints(&[7])),
            (2000, Invoke, 3, "read", Value::Nil),
            (2001, Ok, 3, "read", ints(&[])),
        ]);
        let r = analyze(&h);
        assert_eq!(r.lost, vec![Value::Int(7)]);
        // Lost latency runs from the known time (1 ms) to just after the last present read's
        // invocation (2 ms).
        assert_eq!(r.lost_latencies.as_ref().unwrap().max(), Some(1));
        assert_eq!(r.validity(), Validity::Invalid);
        let check = report(&r, &opts());
        assert_eq!(check.validity, Validity::Invalid);
        // Process 3 is thread 1 of 2, which talks to n1.
        assert!(
            check.details.iter().any(|d| d.contains("value 7 lost")
                && d.contains("process 3 (n1)")
                && d.contains("2.000 s")),
            "{:?}",
            check.details
        );
    }

    #[test]
    fn a_missing_read_concurrent_with_the_add_is_never_read_not_lost() {
        // The read begins before the add completes and misses it: it may have come first.
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(1)),
            (1, Invoke, 1, "read", Value::Nil),
            (2, Ok, 0, "broadcast", Value::Int(1)),
            (3, Ok, 1, "read", ints(&[])),
        ]);
        let r = analyze(&h);
        assert_eq!(r.never_read, vec![Value::Int(1)]);
        assert_eq!(r.lost_count, 0);
        // Nothing became stable: Maelstrom says unknown, which does not pass.
        assert_eq!(r.validity(), Validity::Unknown);
    }

    #[test]
    fn stable_latency_counts_from_known_to_after_the_last_miss() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(1)),
            (10, Ok, 0, "broadcast", Value::Int(1)),
            (300, Invoke, 1, "read", Value::Nil),
            (301, Ok, 1, "read", ints(&[])),
            (500, Invoke, 1, "read", Value::Nil),
            (501, Ok, 1, "read", ints(&[1])),
        ]);
        let r = analyze(&h);
        assert_eq!(r.stable_count, 1);
        // (300 ms + 1 ns) − 10 ms, truncated to 290 ms.
        assert_eq!(r.elements[0].stable_latency_ms, Some(290));
        assert_eq!(r.stale, vec![Value::Int(1)]);
        assert_eq!(
            r.validity(),
            Validity::Valid,
            "stale does not fail set-full"
        );
    }

    #[test]
    fn a_read_listing_a_value_twice_fails_naming_it() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(4)),
            (1, Ok, 0, "broadcast", Value::Int(4)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Ok, 1, "read", ints(&[4, 4])),
        ]);
        let r = analyze(&h);
        assert_eq!(r.maelstrom_validity(), Validity::Valid);
        assert_eq!(r.validity(), Validity::Invalid);
        assert_eq!(r.duplicate_reads[0].values, vec![(Value::Int(4), 2)]);
        let check = report(&r, &opts());
        assert_eq!(check.validity, Validity::Invalid);
        assert!(
            check.summary.contains("returned 4 2 times (op 3"),
            "{}",
            check.summary
        );
    }

    #[test]
    fn a_float_is_not_the_integer_it_equals() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(1)),
            (1, Ok, 0, "broadcast", Value::Int(1)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Ok, 1, "read", Value::Vec(vec![Value::Float(1.0)])),
        ]);
        assert_eq!(analyze(&h).lost, vec![Value::Int(1)]);
    }

    #[test]
    fn no_broadcasts_is_unknown() {
        let h = history(&[
            (0, Invoke, 1, "read", Value::Nil),
            (1, Ok, 1, "read", Value::Nil),
        ]);
        assert_eq!(analyze(&h).validity(), Validity::Unknown);
    }

    #[test]
    fn a_read_that_is_not_a_list_makes_the_result_unknown() {
        let h = history(&[
            (0, Invoke, 0, "broadcast", Value::Int(1)),
            (1, Ok, 0, "broadcast", Value::Int(1)),
            (2, Invoke, 1, "read", Value::Nil),
            (3, Ok, 1, "read", Value::Int(1)),
        ]);
        let r = analyze(&h);
        assert_eq!(r.validity(), Validity::Unknown);
        assert_eq!(r.malformed_reads.len(), 1);
    }
}
