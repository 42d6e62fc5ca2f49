//! Turns a [`KafkaAnalysis`] into the `workload` [`Check`]: a sentence naming what went wrong,
//! a few examples of each anomaly (chosen as Jepsen's `condense-error` chooses them), and the
//! figures that matter.

use super::anomaly::{Anomaly, AnomalyType, Condense};
use super::KafkaAnalysis;
use crate::verdict::{Check, Figure, Validity};

/// Examples shown per anomaly type.
const EXAMPLES: usize = 8;

/// The examples Jepsen's result would keep, most telling first, at most [`EXAMPLES`].
fn examples(kind: AnomalyType, cases: &[Anomaly]) -> Vec<&Anomaly> {
    let mut sorted: Vec<&Anomaly> = cases.iter().collect();
    match kind.condensed() {
        Condense::All => {}
        Condense::First(n) => {
            sorted.sort_by_key(|a| a.rank);
            sorted.truncate(n);
        }
        Condense::Last(n) => {
            sorted.sort_by_key(|a| std::cmp::Reverse(a.rank));
            sorted.truncate(n);
        }
    }
    sorted.truncate(EXAMPLES);
    sorted
}

fn counted(kind: AnomalyType, n: usize) -> String {
    format!("{} ×{n} (:{})", kind.plain(), kind.keyword())
}

/// How many of `kind` the analysis found, counted as the figures count them: `:unseen` is one
/// case per key in Jepsen's result, but the learner counts messages.
fn how_many(analysis: &KafkaAnalysis, kind: AnomalyType) -> usize {
    if kind == AnomalyType::Unseen {
        analysis.unseen_count()
    } else {
        analysis.cases(kind).len()
    }
}

pub(crate) fn check(analysis: &KafkaAnalysis) -> Check {
    let stats = &analysis.stats;
    let summary = match analysis.validity {
        Validity::Valid => {
            let allowed: Vec<String> = analysis
                .error_types()
                .into_iter()
                .map(|t| counted(t, how_many(analysis, t)))
                .collect();
            let mut s = format!(
                "every acknowledged message was polled, in order, at consistent offsets ({} ok sends and {} ok polls over {} keys)",
                stats.ok_sends, stats.ok_polls, stats.keys
            );
            if !allowed.is_empty() {
                s.push_str(&format!("; allowed: {}", allowed.join(", ")));
            }
            s
        }
        Validity::Unknown => format!(
            "Maelstrom's kafka checker cannot decide: {}",
            analysis
                .unknown_reason
                .as_deref()
                .unwrap_or("it could not analyse the history")
        ),
        Validity::Invalid => {
            let found: Vec<String> = analysis
                .bad_error_types
                .iter()
                .map(|t| counted(*t, how_many(analysis, *t)))
                .collect();
            let first = analysis
                .bad_error_types
                .first()
                .and_then(|t| examples(*t, analysis.cases(*t)).first().copied())
                .map(|a| format!(" — e.g. {}: {}", a.kind.plain(), a.explanation))
                .unwrap_or_default();
            format!(
                "the log broke the kafka checker's rules: {}{first}",
                found.join(", ")
            )
        }
    };

    let mut details = Vec::new();
    let mut types = analysis.bad_error_types.clone();
    types.extend(
        analysis
            .error_types()
            .into_iter()
            .filter(|t| !analysis.bad_error_types.contains(t)),
    );
    for kind in types {
        if kind == AnomalyType::Unseen {
            for (key, values) in analysis.unseen.iter().take(EXAMPLES) {
                let shown: Vec<String> = values.iter().take(16).map(|v| v.to_string()).collect();
                let more = if values.len() > 16 { " …" } else { "" };
                details.push(format!(
                    ":unseen: key {key}: {} acknowledged message(s) never polled: [{}{more}]",
                    values.len(),
                    shown.join(" ")
                ));
            }
            continue;
        }
        let cases = analysis.cases(kind);
        let allowed = if kind.allowed() { ", allowed" } else { "" };
        for a in examples(kind, cases) {
            details.push(format!(":{}{allowed}: {}", kind.keyword(), a.explanation));
        }
        if cases.len() > EXAMPLES {
            details.push(format!(
                ":{}: … {} more",
                kind.keyword(),
                cases.len() - EXAMPLES
            ));
        }
    }
    if analysis.validity == Validity::Unknown && !analysis.anomalies.is_empty() {
        details.push(
            "(Maelstrom would report none of the above: its checker stops at the first error)"
                .into(),
        );
    }

    let mut check = Check::new("workload", analysis.validity, summary)
        .with_details(details)
        .with_figure(Figure::new(
            "sends (ok / all)",
            format!("{} / {}", stats.ok_sends, stats.sends),
        ))
        .with_figure(Figure::new(
            "polls (ok / all)",
            format!("{} / {}", stats.ok_polls, stats.polls),
        ))
        .with_figure(Figure::new("keys", stats.keys.to_string()))
        .with_figure(Figure::new(
            "unseen messages",
            analysis.unseen_count().to_string(),
        ));
    if let Some(lag) = &analysis.worst_realtime_lag {
        check = check.with_figure(Figure::new(
            "worst realtime lag",
            format!(
                "{:.3} s (key {}, process {})",
                lag.lag as f64 / 1e9,
                lag.key,
                lag.process
            ),
        ));
    }
    check
}
