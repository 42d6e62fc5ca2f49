//! The course's efficiency budget (levels 3d, 3e, 5c): limits on figures Maelstrom only reports.
//!
//! Server messages per operation come from the net statistics; median and maximum stable latency
//! from the broadcast checker's quantiles (0.5 and 1). A limit whose figure is missing cannot be
//! met — no operations to divide by, no value that became stable — and fails with that reason.

use crate::checkers::set_full::Quantiles;
use crate::checkers::{labels, number};
use crate::manifest::{Budget, Limit};
use crate::netstats::NetStats;
use crate::verdict::{Check, Figure, Validity};

/// One limited figure: its label, unit, measured value (if any) and why it might be missing.
struct Line {
    label: &'static str,
    unit: &'static str,
    value: Option<f64>,
    missing: &'static str,
    limit: Limit,
}

/// Checks the budget, or `None` when the level sets no limit.
pub fn check(budget: &Budget, net: &NetStats, latencies: Option<&Quantiles>) -> Option<Check> {
    let mut lines = Vec::new();
    if let Some(limit) = budget.msgs_per_op {
        lines.push(Line {
            label: labels::SERVER_MSGS_PER_OP,
            unit: "",
            value: net.servers.msgs_per_op,
            missing: "no operation was invoked, so there are no messages per operation",
            limit,
        });
    }
    let missing_latency = "no broadcast value became stable, so there is no latency to measure";
    if let Some(limit) = budget.median_latency_ms {
        lines.push(Line {
            label: labels::MEDIAN_LATENCY,
            unit: " ms",
            value: latencies.and_then(Quantiles::median).map(|v| v as f64),
            missing: missing_latency,
            limit,
        });
    }
    if let Some(limit) = budget.max_latency_ms {
        lines.push(Line {
            label: labels::MAX_LATENCY,
            unit: " ms",
            value: latencies.and_then(Quantiles::max).map(|v| v as f64),
            missing: missing_latency,
            limit,
        });
    }
    if lines.is_empty() {
        return None;
    }

    let mut figures = Vec::new();
    let mut over = Vec::new();
    let mut within = Vec::new();
    for line in &lines {
        let limit = format!("{}{}", line.limit, line.unit);
        match line.value {
            Some(v) => {
                let ok = line.limit.allows(v);
                let shown = format!("{}{}", number(v), line.unit);
                let said = format!("{} {shown} (limit {limit})", line.label);
                if ok {
                    within.push(said);
                } else {
                    over.push(said);
                }
                figures.push(Figure::new(line.label, shown).with_limit(limit, ok));
            }
            None => {
                over.push(format!("{}: {}", line.label, line.missing));
                figures.push(Figure::new(line.label, "missing").with_limit(limit, false));
            }
        }
    }
    let check = if over.is_empty() {
        Check::new(
            "budget",
            Validity::Valid,
            format!(
                "within the level's budget ({}): {}",
                budget.set_by.words(),
                within.join(", ")
            ),
        )
    } else {
        Check::new(
            "budget",
            Validity::Invalid,
            format!(
                "over the level's budget ({}): {}",
                budget.set_by.words(),
                over.join("; ")
            ),
        )
        .with_details(within.into_iter().map(|w| format!("within: {w}")))
    };
    Some(figures.into_iter().fold(check, Check::with_figure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;
    use crate::netstats::NetGroup;

    fn net(per_op: Option<f64>) -> NetStats {
        NetStats {
            servers: NetGroup {
                msgs_per_op: per_op,
                ..NetGroup::default()
            },
            ..NetStats::default()
        }
    }

    #[test]
    fn no_limits_no_check() {
        assert!(check(&Budget::default(), &net(Some(100.0)), None).is_none());
    }

    #[test]
    fn within_every_limit_passes() {
        let q = Quantiles::of(&[100, 300, 500]).unwrap();
        let c = check(&level("3d").unwrap().budget, &net(Some(29.9)), Some(&q)).unwrap();
        assert_eq!(c.validity, Validity::Valid, "{c:?}");
        assert_eq!(c.figures.len(), 3);
        assert!(c.figures.iter().all(|f| f.within == Some(true)));
    }

    #[test]
    fn over_the_message_limit_fails() {
        let q = Quantiles::of(&[100]).unwrap();
        let c = check(&level("3d").unwrap().budget, &net(Some(30.0)), Some(&q)).unwrap();
        assert_eq!(c.validity, Validity::Invalid);
        assert!(
            c.summary.contains("msgs-per-op (servers) 30 (limit < 30)"),
            "{}",
            c.summary
        );
        assert_eq!(c.figures[0].within, Some(false));
    }

    #[test]
    fn over_the_latency_limit_fails() {
        // Median 500 ms is within 3e's < 1000; max 2500 ms is over its < 2000.
        let q = Quantiles::of(&[500, 500, 2500]).unwrap();
        let c = check(&level("3e").unwrap().budget, &net(Some(5.0)), Some(&q)).unwrap();
        assert_eq!(c.validity, Validity::Invalid);
        assert_eq!(c.figures[2].value, "2500 ms");
        assert_eq!(c.figures[2].within, Some(false));
    }

    #[test]
    fn a_missing_figure_fails_with_the_reason() {
        let c = check(&level("3d").unwrap().budget, &net(Some(2.0)), None).unwrap();
        assert_eq!(c.validity, Validity::Invalid);
        assert!(
            c.summary.contains("no broadcast value became stable"),
            "{}",
            c.summary
        );
        let c = check(&level("5c").unwrap().budget, &net(None), None).unwrap();
        assert_eq!(c.validity, Validity::Invalid);
    }

    #[test]
    fn inclusive_limits_allow_the_limit() {
        let c = check(&level("5c").unwrap().budget, &net(Some(2.0)), None).unwrap();
        assert_eq!(c.validity, Validity::Valid, "{c:?}");
    }

    #[test]
    fn a_limit_says_whose_it_is() {
        let c = check(&level("5c").unwrap().budget, &net(Some(2.5)), None).unwrap();
        assert!(
            c.summary.contains(
                "the course's own limit: Fly.io sets no number here and \
                                Maelstrom checks none"
            ),
            "{}",
            c.summary
        );
        let q = Quantiles::of(&[500]).unwrap();
        let c = check(&level("3d").unwrap().budget, &net(Some(50.0)), Some(&q)).unwrap();
        assert!(c.summary.contains("Fly.io's targets"), "{}", c.summary);
        assert!(!c.summary.contains("course's own"), "{}", c.summary);
    }
}
