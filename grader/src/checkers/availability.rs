//! Maelstrom's availability checker (spec §8.1): the fraction of operations that succeeded.
//!
//! `--availability total` demands every operation succeed; a number demands at least that
//! fraction; without the flag the fraction is only reported. Maelstrom computes the fraction as a
//! single-precision float, which is kept here so that the borderline cases agree.

use crate::checkers::number;
use crate::history::{History, OpType};
use crate::options::Availability;
use crate::verdict::{Check, Figure, Validity};

/// What the availability checker computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AvailabilityResult {
    pub ok: u64,
    pub invoked: u64,
    /// `ok / invoked` as Maelstrom computes it (a float), 1 when nothing was invoked.
    pub ok_fraction: f64,
    pub validity: Validity,
}

/// Computes the ok fraction and judges it against the requirement.
///
/// Counts client entries: in Maelstrom's histories the nemesis records only `:info` entries, so
/// this is the same as counting the whole history, and it stays right for an engine that records
/// nemesis invocations.
pub fn analyze(history: &History, requirement: Option<Availability>) -> AvailabilityResult {
    let mut ok = 0;
    let mut invoked = 0;
    for op in history.client_ops() {
        match op.kind {
            OpType::Ok => ok += 1,
            OpType::Invoke => invoked += 1,
            OpType::Fail | OpType::Info => {}
        }
    }
    let ok_fraction = if invoked == 0 {
        1.0
    } else {
        f64::from((ok as f64 / invoked as f64) as f32)
    };
    let valid = match requirement {
        None => true,
        Some(Availability::Total) => ok_fraction == 1.0,
        Some(Availability::AtLeast(a)) => a <= ok_fraction,
    };
    AvailabilityResult {
        ok,
        invoked,
        ok_fraction,
        validity: Validity::from_bool(valid),
    }
}

/// Checks the run's availability against `--availability`.
pub fn check(history: &History, requirement: Option<Availability>) -> Check {
    report(&analyze(history, requirement), requirement)
}

/// Turns the fraction into the availability check.
pub fn report(r: &AvailabilityResult, requirement: Option<Availability>) -> Check {
    let share = format!("{} of {} operations succeeded", r.ok, r.invoked);
    let summary = match (requirement, r.validity) {
        (None, _) => format!("{share}; this level sets no availability requirement"),
        (Some(Availability::Total), Validity::Valid) => {
            format!("{share}, as total availability requires")
        }
        (Some(Availability::Total), _) => format!(
            "{share}: total availability requires every one to succeed, {} did not",
            r.invoked.saturating_sub(r.ok)
        ),
        (Some(Availability::AtLeast(a)), Validity::Valid) => format!(
            "{share} (ok fraction {}, at least {} required)",
            number(r.ok_fraction),
            number(a)
        ),
        (Some(Availability::AtLeast(a)), _) => format!(
            "{share}: the ok fraction {} is below the required {}",
            number(r.ok_fraction),
            number(a)
        ),
    };
    let figure = Figure::new("ok fraction", number(r.ok_fraction));
    let figure = match requirement {
        None => figure,
        Some(Availability::Total) => figure.with_limit("= 1", r.validity == Validity::Valid),
        Some(Availability::AtLeast(a)) => {
            figure.with_limit(format!("≥ {}", number(a)), r.validity == Validity::Valid)
        }
    };
    Check::new("availability", r.validity, summary).with_figure(figure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;
    use crate::value::Value;

    fn one_timeout_in_four() -> History {
        let mut rows = Vec::new();
        for i in 0..4u64 {
            rows.push((2 * i, Invoke, i, "generate", Value::Nil));
            let kind = if i == 3 { Info } else { Ok };
            rows.push((2 * i + 1, kind, i, "generate", Value::Nil));
        }
        history(&rows)
    }

    #[test]
    fn below_total_fails() {
        let c = check(&one_timeout_in_four(), Some(Availability::Total));
        assert_eq!(c.validity, Validity::Invalid);
        assert_eq!(c.figures[0].value, "0.75");
        assert!(c.summary.contains("1 did not"), "{}", c.summary);
    }

    #[test]
    fn a_fraction_requirement_is_a_lower_bound() {
        let h = one_timeout_in_four();
        assert_eq!(
            check(&h, Some(Availability::AtLeast(0.75))).validity,
            Validity::Valid
        );
        assert_eq!(
            check(&h, Some(Availability::AtLeast(0.8))).validity,
            Validity::Invalid
        );
    }

    #[test]
    fn no_requirement_always_passes() {
        assert_eq!(
            check(&one_timeout_in_four(), None).validity,
            Validity::Valid
        );
    }

    #[test]
    fn every_op_ok_is_total() {
        let h = history(&[
            (0, Invoke, 0, "generate", Value::Nil),
            (1, Ok, 0, "generate", Value::Int(1)),
        ]);
        assert_eq!(
            check(&h, Some(Availability::Total)).validity,
            Validity::Valid
        );
        assert_eq!(analyze(&History::default(), None).ok_fraction, 1.0);
    }
}
