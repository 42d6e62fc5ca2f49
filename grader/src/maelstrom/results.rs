//! Reading Maelstrom's `results.edn` into the grader's checks, in plain words.
//!
//! Maelstrom's verdict is the merge of its sub-checkers (spec §8.1). Each one becomes a [`Check`]
//! that keeps Maelstrom's validity, with two deliberate departures that the course makes and the
//! report explains: `:perf` failing only because gnuplot is missing is not held against the
//! learner (the plots judge nothing), and the course's budgets (3d, 3e, 5c), which Maelstrom
//! never checks, are compared here. Each workload's `:workload` reader lives in `workload.rs`.

mod workload;

use workload::{guess_workload, workload_check};

use crate::checkers::labels;
use crate::manifest::{Budget, Limit};
use crate::options::{Availability, Workload};
use crate::value::Value;
use crate::verdict::{Check, Figure, Validity};

/// How many values, ids or operations a detail line lists before it says "…".
const SHOWN: usize = 10;

/// The checks for one `results.edn`, in report order: workload, stats, availability,
/// exceptions, perf, net, then any sub-checker this grader does not know, then the budget.
///
/// `workload` names the workload when the caller knows it (else it is guessed from the shape of
/// `:workload`); `availability` is what the run asked for with `--availability`, only used to
/// word the availability check; `budget` adds the course's budget check.
pub fn checks(
    results: &Value,
    workload: Option<Workload>,
    availability: Option<Availability>,
    budget: Option<(&str, &Budget)>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let workload = workload.or_else(|| results.get("workload").and_then(guess_workload));
    if let Some(w) = results.get("workload") {
        checks.push(workload_check(w, workload));
    }
    if let Some(s) = results.get("stats") {
        checks.push(stats_check(s));
    }
    if let Some(a) = results.get("availability") {
        checks.push(availability_check(a, availability));
    }
    if let Some(e) = results.get("exceptions") {
        checks.push(exceptions_check(e));
    }
    if results.get("perf").is_some() || results.get("timeline").is_some() {
        checks.push(perf_check(results.get("perf"), results.get("timeline")));
    }
    if let Some(n) = results.get("net") {
        checks.push(net_check(n));
    }
    checks.extend(other_checks(results));
    if let Some((level_id, budget)) = budget {
        if let Some(b) = budget_check(results, level_id, budget) {
            checks.push(b);
        }
    }
    // The whole analysis threw: no sub-checker gave a verdict, so nothing here may pass.
    if let Some(error) = results.get("error") {
        let text = error_text(error);
        let first = text.lines().next().unwrap_or("").trim().to_owned();
        checks.push(
            Check::new(
                "analysis",
                Validity::Unknown,
                "Maelstrom's analysis crashed before its checkers gave a verdict, so the run was \
                 never judged",
            )
            .with_details([first]),
        );
    }
    // Safety net: whatever Maelstrom judged invalid must not pass here.
    if validity_of(results) == Some(Validity::Invalid)
        && !checks.iter().any(|c| c.validity == Validity::Invalid)
    {
        checks.push(Check::invalid(
            "maelstrom",
            "Maelstrom judged the run invalid, for a reason this grader does not recognise: \
             read results.edn",
        ));
    }
    checks
}

/// Jepsen's `:valid?` of a sub-result: `true`, `false` or `:unknown`.
pub fn validity_of(v: &Value) -> Option<Validity> {
    match v.get("valid?")? {
        Value::Bool(b) => Some(Validity::from_bool(*b)),
        Value::Keyword(k) if k == "unknown" => Some(Validity::Unknown),
        // An explicit nil is no verdict: unknown here, though Jepsen's exit code would count
        // it (like any value other than false and :unknown) as valid.
        Value::Nil => Some(Validity::Unknown),
        _ => Some(Validity::Valid),
    }
}

/// A sub-checker that threw: Jepsen records `{:valid? :unknown :error …}`.
fn checker_error(name: &str, what: &str, error: &Value) -> Check {
    let text = error_text(error);
    let first = text.lines().next().unwrap_or("").trim();
    if text.contains("gnuplot") {
        Check::new(
            name,
            Validity::Unknown,
            format!(
                "Maelstrom's {what} checker could not finish because gnuplot is missing, so this \
                 part was never judged"
            ),
        )
        .with_details([
            first.to_owned(),
            "Install gnuplot (apt-get install gnuplot-nox, or brew install gnuplot) and run again."
                .to_owned(),
        ])
    } else {
        Check::new(
            name,
            Validity::Unknown,
            format!("Maelstrom's {what} checker crashed, so this part was never judged"),
        )
        .with_details([first.to_owned()])
    }
}

/// The text of a datafied exception or an error string.
fn error_text(error: &Value) -> String {
    match error {
        Value::Str(s) => s.clone(),
        other => other
            .path(&["via"])
            .and_then(Value::as_slice)
            .and_then(|via| via.first())
            .and_then(|v| v.get("message"))
            .or_else(|| other.get("cause"))
            .and_then(Value::as_str)
            .map_or_else(|| other.to_string(), str::to_owned),
    }
}

fn count(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_int)
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_slice).unwrap_or(&[])
}

/// A value as a learner would recognise it: strings in quotes, numbers bare.
fn show(v: &Value) -> String {
    v.to_string()
}

/// `a, b, c, … (n in all)`.
fn first_items<'a>(items: impl IntoIterator<Item = &'a Value>, total: usize) -> String {
    let shown: Vec<String> = items.into_iter().take(SHOWN).map(show).collect();
    if total > shown.len() {
        format!("{}, … ({total} in all)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// A quantile of a `{0 0, 0.5 …, 1 …}` map. Its keys are a mix of integers (`0`, `1`) and
/// floats (`0.5`), as Clojure prints them.
fn quantile(map: &Value, point: f64) -> Option<i64> {
    map.as_map()?
        .iter()
        .find(|(k, _)| k.as_f64() == Some(point))
        .and_then(|(_, v)| v.as_f64())
        .map(|v| v as i64)
}

fn keyword_name(v: &Value) -> String {
    v.as_keyword().map_or_else(|| v.to_string(), str::to_owned)
}

fn stats_check(s: &Value) -> Check {
    let validity = validity_of(s).unwrap_or(Validity::Unknown);
    let total = count(s, "count").unwrap_or(0);
    let ok = count(s, "ok-count").unwrap_or(0);
    let figures = [Figure::new("operations ok", format!("{ok} of {total}"))];
    let by_f = s.get("by-f").and_then(Value::as_map).unwrap_or(&[]);
    // Maelstrom's kafka wrapper ignores these two kinds (spec §8.1).
    let never_ok: Vec<String> = by_f
        .iter()
        .filter(|(f, _)| !matches!(f.as_keyword(), Some("crash" | "debug-topic-partitions")))
        .filter(|(_, st)| validity_of(st) == Some(Validity::Invalid))
        .map(|(f, st)| {
            format!(
                "{}: 0 of {} succeeded ({} failed, {} timed out or crashed)",
                keyword_name(f),
                count(st, "count").unwrap_or(0),
                count(st, "fail-count").unwrap_or(0),
                count(st, "info-count").unwrap_or(0),
            )
        })
        .collect();
    let mut check = if validity == Validity::Valid {
        Check::valid("stats", "every kind of operation succeeded at least once")
    } else if !never_ok.is_empty() {
        let kinds: Vec<&str> = never_ok
            .iter()
            .map(|line| line.split(':').next().unwrap_or(""))
            .collect();
        Check::new(
            "stats",
            validity,
            format!(
                "no {} operation ever succeeded, which fails the run",
                kinds.join(" or ")
            ),
        )
        .with_details(never_ok)
    } else {
        Check::new(
            "stats",
            validity,
            format!("Maelstrom's stats say {validity}"),
        )
    };
    check.figures.extend(figures);
    check
}

fn availability_check(a: &Value, wanted: Option<Availability>) -> Check {
    let validity = validity_of(a).unwrap_or(Validity::Unknown);
    let fraction = a.get("ok-fraction").and_then(Value::as_f64);
    let shown = fraction.map_or_else(|| "?".to_owned(), percent);
    let figure = Figure::new("operations that succeeded", shown.clone());
    let figure = match wanted {
        Some(Availability::Total) => figure.with_limit("= 100%", validity == Validity::Valid),
        Some(Availability::AtLeast(x)) => {
            figure.with_limit(format!("≥ {}", percent(x)), validity == Validity::Valid)
        }
        None => figure,
    };
    let summary = match (validity, wanted) {
        (Validity::Valid, None) => format!("{shown} of operations succeeded (no minimum is set)"),
        (Validity::Valid, _) => format!("{shown} of operations succeeded, as required"),
        (_, Some(Availability::Total)) => format!(
            "only {shown} of operations succeeded; this level requires every one to \
             (--availability total)"
        ),
        (_, Some(Availability::AtLeast(x))) => format!(
            "only {shown} of operations succeeded; this level requires at least {}",
            percent(x)
        ),
        (_, None) => format!("only {shown} of operations succeeded"),
    };
    Check::new("availability", validity, summary).with_figure(figure)
}

/// A fraction as a percentage precise enough that only exactly 1 shows as 100%.
fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p == p.trunc() {
        format!("{p:.0}%")
    } else {
        let shown = format!("{p:.2}");
        let shown = if shown == "100.00" {
            "99.99".to_owned()
        } else {
            shown
        };
        format!("{}%", shown.trim_end_matches('0').trim_end_matches('.'))
    }
}

fn exceptions_check(e: &Value) -> Check {
    let validity = validity_of(e).unwrap_or(Validity::Valid);
    let groups = list(e, "exceptions");
    if groups.is_empty() {
        return Check::new("exceptions", validity, "no operation ended in an exception");
    }
    let total: i64 = groups.iter().filter_map(|g| count(g, "count")).sum();
    let mut details = Vec::new();
    for group in groups.iter().take(3) {
        let n = count(group, "count").unwrap_or(0);
        let example = group.get("example");
        let f = example
            .and_then(|op| op.get("f"))
            .map(keyword_name)
            .unwrap_or_default();
        let message = example
            .and_then(|op| op.get("exception"))
            .map(error_text)
            .unwrap_or_else(|| "(no message)".to_owned());
        details.push(format!("{n} × {f}: {}", exception_gist(&message)));
    }
    Check::new(
        "exceptions",
        validity,
        format!(
            "{total} operation{} ended in an exception in Maelstrom's client (Maelstrom does not \
             fail a run for this, but it is usually why other checks fail)",
            if total == 1 { "" } else { "s" }
        ),
    )
    .with_details(details)
}

/// The telling part of a Maelstrom client exception: for a malformed reply, what it received
/// and why it is malformed; otherwise the first line.
fn exception_gist(message: &str) -> String {
    if message.contains("Malformed RPC response") {
        let received = after(message, "but instead received");
        let because = after(message, "This is malformed because:");
        let mut out = "malformed reply".to_owned();
        if let Some(r) = received {
            out.push_str(&format!(" {r}"));
        }
        if let Some(b) = because {
            out.push_str(&format!(", because {b}"));
        }
        return out;
    }
    if let Some(text) = after(message, ":text ") {
        // An RPC error reply: keep the node's own words.
        let name = token_after(message, ":name :");
        let code = token_after(message, ":code ");
        return match (name, code) {
            (Some(name), Some(code)) => format!("error reply {name} (code {code}): {text}"),
            (None, Some(code)) => format!("error reply (code {code}): {text}"),
            _ => format!("error reply: {text}"),
        };
    }
    let first = message.lines().next().unwrap_or(message).trim();
    truncate(first, 200)
}

/// The word right after `marker`, up to a comma, brace or space.
fn token_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let end = rest
        .find(|c: char| c == ',' || c == '}' || c.is_whitespace())
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// The first non-empty stretch of text after `marker`, up to a blank line.
fn after(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let rest = rest.trim_start();
    let end = rest.find("\n\n").unwrap_or(rest.len());
    let chunk: Vec<&str> = rest[..end].lines().map(str::trim).collect();
    let chunk = chunk.join(" ");
    // For ":text \"…\"", keep only the quoted string.
    let chunk = if let Some(stripped) = chunk.strip_prefix('"') {
        stripped.split('"').next().unwrap_or("").to_owned()
    } else {
        chunk
    };
    Some(truncate(&chunk, 200))
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// `:perf` and `:timeline`: they draw, they do not judge.
fn perf_check(perf: Option<&Value>, timeline: Option<&Value>) -> Check {
    let mut errors = Vec::new();
    let mut validity = Validity::Valid;
    for part in [perf, timeline].into_iter().flatten() {
        let mut parts = vec![part];
        if let Some(map) = part.as_map() {
            parts.extend(map.iter().map(|(_, v)| v).filter(|v| v.as_map().is_some()));
        }
        for p in parts {
            if let Some(e) = p.get("error") {
                errors.push(error_text(e));
            }
            validity = validity.max(validity_of(p).unwrap_or(Validity::Valid));
        }
    }
    if validity == Validity::Valid {
        return Check::valid("perf", "latency and rate graphs were drawn");
    }
    if !errors.is_empty() && errors.iter().all(|e| e.contains("gnuplot")) {
        return Check::valid(
            "perf",
            "Maelstrom could not draw its graphs because gnuplot is missing. That made its \
             overall verdict \"unknown\" (exit code 2), but graphs judge nothing: the checks \
             above decide, and the course does not count this against you",
        )
        .with_details([
            "To get the graphs: apt-get install gnuplot-nox (Debian, Ubuntu) or brew install \
             gnuplot (macOS)."
                .to_owned(),
        ]);
    }
    Check::new(
        "perf",
        validity,
        "Maelstrom's graph or timeline checker failed, so its verdict is unknown",
    )
    .with_details(
        errors
            .iter()
            .filter_map(|e| e.lines().next().map(str::to_owned)),
    )
}

fn net_check(n: &Value) -> Check {
    let validity = validity_of(n).unwrap_or(Validity::Valid);
    let mut check = Check::new(
        "net",
        validity,
        "network statistics (Maelstrom never fails a run on these)",
    );
    if let Some(x) = n.path(&["servers", "msgs-per-op"]).and_then(Value::as_f64) {
        check
            .figures
            .push(Figure::new(labels::SERVER_MSGS_PER_OP, format_ratio(x)));
    }
    if let Some(x) = n.path(&["all", "msgs-per-op"]).and_then(Value::as_f64) {
        check
            .figures
            .push(Figure::new(labels::ALL_MSGS_PER_OP, format_ratio(x)));
    }
    if let Some(x) = n.path(&["servers", "msg-count"]).and_then(Value::as_int) {
        check
            .figures
            .push(Figure::new(labels::SERVER_MESSAGES, x.to_string()));
    }
    check
}

fn format_ratio(x: f64) -> String {
    format!("{x:.2}")
}

/// Sub-checkers this grader does not know (other workloads, future Maelstrom versions): kept
/// with their validity, so that nothing Maelstrom failed can pass.
fn other_checks(results: &Value) -> Vec<Check> {
    const KNOWN: &[&str] = &[
        "workload",
        "stats",
        "availability",
        "exceptions",
        "perf",
        "timeline",
        "net",
        "valid?",
        "error",
    ];
    results
        .as_map()
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_keyword()?;
            if KNOWN.contains(&name) {
                return None;
            }
            let validity = validity_of(v)?;
            Some(Check::new(
                name,
                validity,
                format!("Maelstrom's {name} checker says {validity}"),
            ))
        })
        .collect()
}

/// The course's budget, which Maelstrom never checks: `:net :servers :msgs-per-op` and the
/// median and maximum of `:workload :stable-latencies`. `None` when the level sets none.
pub fn budget_check(results: &Value, level_id: &str, budget: &Budget) -> Option<Check> {
    if budget.msgs_per_op.is_none()
        && budget.median_latency_ms.is_none()
        && budget.max_latency_ms.is_none()
    {
        return None;
    }
    let mut figures = Vec::new();
    let mut missing = Vec::new();
    let mut over = Vec::new();
    let mut judge = |label: &str, unit: &str, value: Option<f64>, limit: Option<Limit>| {
        let Some(limit) = limit else { return };
        let shown_limit = format!("{limit}{unit}");
        match value {
            Some(x) => {
                let within = limit.allows(x);
                let shown = if unit.is_empty() {
                    format_ratio(x)
                } else {
                    format!("{x:.0}{unit}")
                };
                if !within {
                    over.push(format!("{label} is {shown}, the limit is {shown_limit}"));
                }
                figures.push(Figure::new(label, shown).with_limit(shown_limit, within));
            }
            None => missing.push(label.to_owned()),
        }
    };
    judge(
        labels::SERVER_MSGS_PER_OP,
        "",
        results
            .path(&["net", "servers", "msgs-per-op"])
            .and_then(Value::as_f64),
        budget.msgs_per_op,
    );
    let latencies = results.path(&["workload", "stable-latencies"]);
    let latency = |p: f64| latencies.and_then(|l| quantile(l, p)).map(|x| x as f64);
    judge(
        labels::MEDIAN_LATENCY,
        " ms",
        latency(0.5),
        budget.median_latency_ms,
    );
    judge(
        labels::MAX_LATENCY,
        " ms",
        latency(1.0),
        budget.max_latency_ms,
    );
    let check = if !over.is_empty() {
        Check::invalid(
            "budget",
            format!(
                "over level {level_id}'s budget ({}): {}",
                budget.set_by.words(),
                over.join("; ")
            ),
        )
    } else if !missing.is_empty() {
        Check::new(
            "budget",
            Validity::Unknown,
            format!(
                "level {level_id}'s budget could not be measured: no {} in the results",
                missing.join(" or ")
            ),
        )
    } else {
        Check::valid(
            "budget",
            format!(
                "within level {level_id}'s budget ({})",
                budget.set_by.words()
            ),
        )
    };
    Some(Check { figures, ..check })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edn;
    use crate::manifest::level;

    fn parse(text: &str) -> Value {
        edn::parse(text).unwrap()
    }

    fn by_name<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {checks:#?}"))
    }

    #[test]
    fn gnuplot_alone_does_not_fail() {
        let r = parse(
            r#"{:perf {:latency-graph {:valid? :unknown, :error "Cannot run program \"gnuplot\""},
                       :valid? :unknown},
                :stats {:valid? true}, :workload {:valid? true, :errors ()}, :valid? :unknown}"#,
        );
        let c = checks(&r, Some(Workload::Echo), None, None);
        assert!(c.iter().all(|c| c.validity == Validity::Valid), "{c:#?}");
        assert!(by_name(&c, "perf").summary.contains("gnuplot"));
    }

    #[test]
    fn other_perf_errors_stay_unknown() {
        let r = parse(
            r#"{:perf {:latency-graph {:valid? :unknown, :error "java.lang.OutOfMemoryError"},
                       :valid? :unknown}, :valid? :unknown}"#,
        );
        let c = checks(&r, None, None, None);
        assert_eq!(by_name(&c, "perf").validity, Validity::Unknown);
    }

    #[test]
    fn stats_names_the_operation_that_never_succeeded_but_not_crash() {
        let r = parse(
            r#"{:stats {:valid? false, :count 5, :ok-count 1,
                        :by-f {:read {:valid? false, :count 4, :ok-count 0, :fail-count 1, :info-count 3},
                               :crash {:valid? false, :count 1, :ok-count 0, :fail-count 0, :info-count 1},
                               :add {:valid? true, :count 1, :ok-count 1}}}, :valid? false}"#,
        );
        let s = by_name(&checks(&r, None, None, None), "stats").clone();
        assert_eq!(s.validity, Validity::Invalid);
        assert!(s.summary.contains("no read operation"), "{}", s.summary);
        assert_eq!(s.details.len(), 1);
    }

    #[test]
    fn broadcast_lists_the_first_lost_values() {
        let r = parse(
            r#"{:workload {:valid? false, :attempt-count 30, :lost-count 12,
                           :lost (0 1 2 3 4 5 6 7 8 9 10 11), :stable-count 18}, :valid? false}"#,
        );
        let w = by_name(&checks(&r, None, None, None), "workload").clone();
        assert!(w.summary.starts_with("12 of 30"), "{}", w.summary);
        assert_eq!(
            w.details[0],
            "lost values: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … (12 in all)"
        );
    }

    #[test]
    fn budget_compares_against_the_level() {
        let r = parse(
            r#"{:net {:servers {:msgs-per-op 29.9}},
                :workload {:stable-latencies {0 0, 0.5 399, 0.95 500, 0.99 500, 1 600}}}"#,
        );
        let l = level("3d").unwrap();
        let b = budget_check(&r, l.id, &l.budget).unwrap();
        // 600 ms is not below 600 ms.
        assert_eq!(b.validity, Validity::Invalid);
        assert_eq!(b.figures.len(), 3);
        assert_eq!(b.figures[0].within, Some(true));
        assert_eq!(b.figures[2].within, Some(false));
        assert!(b.summary.contains("maximum is 600 ms"), "{}", b.summary);
        let e = level("3e").unwrap();
        let b = budget_check(&r, e.id, &e.budget).unwrap();
        assert_eq!(b.validity, Validity::Invalid, "29.9 is not below 20");
        assert!(budget_check(&r, "3b", &level("3b").unwrap().budget).is_none());
    }

    #[test]
    fn budget_without_latencies_is_unknown() {
        let r = parse(r#"{:net {:servers {:msgs-per-op 1.0}}, :workload {:valid? :unknown}}"#);
        let l = level("3e").unwrap();
        assert_eq!(
            budget_check(&r, l.id, &l.budget).unwrap().validity,
            Validity::Unknown
        );
    }

    #[test]
    fn kafka_counts_unseen_messages_not_keys() {
        let r = parse(
            r#"{:workload {:valid? false, :bad-error-types (:unseen), :error-types (:unseen),
                           :unseen {:time 20, :unseen {"1" 870, "2" 5},
                                    :messages {"1" #{1 2}, "2" #{3}}}}, :valid? false}"#,
        );
        let w = by_name(&checks(&r, Some(Workload::Kafka), None, None), "workload").clone();
        assert!(
            w.details[0].starts_with("unseen (875 messages): "),
            "{:?}",
            w.details
        );
    }

    #[test]
    fn a_crashed_analysis_cannot_pass() {
        let r = parse(r#"{:valid? :unknown, :error {:via [{:message "Analysis timed out"}]}}"#);
        let c = checks(&r, None, None, None);
        let a = by_name(&c, "analysis");
        assert_eq!(a.validity, Validity::Unknown);
        assert_eq!(a.details, ["Analysis timed out"]);
    }

    #[test]
    fn an_unknown_sub_checker_is_kept() {
        let r = parse(r#"{:linear {:valid? false}, :valid? false}"#);
        let c = checks(&r, None, None, None);
        assert_eq!(by_name(&c, "linear").validity, Validity::Invalid);
    }

    #[test]
    fn error_replies_keep_the_nodes_words() {
        let m = "throw+: {:type :rpc-error, :code 22, :name :precondition-failed, :definite? true, :body {:code 22, :in_reply_to 1, :text \"current value 3 is not 0\", :type \"error\"}}";
        assert_eq!(
            exception_gist(m),
            "error reply precondition-failed (code 22): current value 3 is not 0"
        );
    }

    #[test]
    fn percentages_never_round_up_to_all() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.9998176), "99.98%");
        assert_eq!(percent(0.99999), "99.99%");
        assert_eq!(percent(0.11111111), "11.11%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn malformed_reply_gist_says_what_was_wrong() {
        let m = "Malformed RPC response. Maelstrom sent node n0 the following request:\n\n{:type \"poll\"}\n\n... but instead received\n\n{:in_reply_to 1, :type \"poll_ok\"}\n\nThis is malformed because:\n\n{:msgs missing-required-key}\n\nSee doc/protocol.md";
        assert_eq!(
            exception_gist(m),
            "malformed reply {:in_reply_to 1, :type \"poll_ok\"}, because {:msgs missing-required-key}"
        );
    }
}
