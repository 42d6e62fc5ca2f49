//! Maelstrom's `:workload` results, one reader per workload, in plain words: what the checker
//! found, the first few values or operations it names, and the figures the report shows.

use super::{checker_error, count, first_items, keyword_name, list, quantile, validity_of, SHOWN};
use crate::checkers::labels;
use crate::options::Workload;
use crate::value::Value;
use crate::verdict::{Check, Figure, Validity};

/// Guesses the workload from the keys its checker writes, for a `results.edn` with no command.
pub(super) fn guess_workload(w: &Value) -> Option<Workload> {
    let has = |k: &str| w.get(k).is_some();
    if has("lost-count") || has("stable-count") {
        Some(Workload::Broadcast)
    } else if has("attempted-count") || has("duplicated-count") {
        Some(Workload::UniqueIds)
    } else if has("final-reads") || has("acceptable") {
        Some(Workload::GCounter)
    } else if has("bad-error-types") || has("error-types") || has("worst-realtime-lag") {
        Some(Workload::Kafka)
    } else if has("anomaly-types") || has("anomalies") {
        Some(Workload::TxnRwRegister)
    } else if has("errors") {
        Some(Workload::Echo)
    } else {
        None
    }
}

pub(super) fn workload_check(w: &Value, workload: Option<Workload>) -> Check {
    let validity = validity_of(w).unwrap_or(Validity::Unknown);
    if let Some(error) = w.get("error") {
        return checker_error("workload", "workload", error);
    }
    match workload {
        Some(Workload::Echo) => echo_check(w, validity),
        Some(Workload::UniqueIds) => unique_ids_check(w, validity),
        Some(Workload::Broadcast) => broadcast_check(w, validity),
        Some(Workload::GCounter) => g_counter_check(w, validity),
        Some(Workload::Kafka) => kafka_check(w, validity),
        Some(Workload::TxnRwRegister) => txn_check(w, validity),
        None => Check::new(
            "workload",
            validity,
            format!("Maelstrom's workload checker says {validity}"),
        ),
    }
}

fn echo_check(w: &Value, validity: Validity) -> Check {
    let errors = list(w, "errors");
    if validity == Validity::Valid {
        return Check::valid(
            "workload",
            "every echo came back with the text that was sent",
        );
    }
    // Each error is ["Expected a message with :echo" sent "But received" received].
    let details = errors.iter().take(SHOWN).map(|e| match e.as_slice() {
        Some([_, sent, _, got]) => format!("sent {sent}, but the reply was {got}"),
        _ => e.to_string(),
    });
    Check::new(
        "workload",
        validity,
        format!(
            "{} echo{} came back without the text that was sent",
            errors.len(),
            if errors.len() == 1 { "" } else { "es" }
        ),
    )
    .with_details(details)
}

fn unique_ids_check(w: &Value, validity: Validity) -> Check {
    let attempted = count(w, "attempted-count").unwrap_or(0);
    let acknowledged = count(w, "acknowledged-count").unwrap_or(0);
    let dup_count = count(w, "duplicated-count").unwrap_or(0);
    let figures = [
        Figure::new("ids requested", attempted.to_string()),
        Figure::new("ids acknowledged", acknowledged.to_string()),
    ];
    let mut check = if validity == Validity::Valid {
        Check::valid(
            "workload",
            format!("all {acknowledged} acknowledged ids are distinct"),
        )
    } else if dup_count > 0 {
        let dups = w.get("duplicated").and_then(Value::as_map).unwrap_or(&[]);
        Check::new(
            "workload",
            validity,
            format!(
                "{dup_count} id{} handed out more than once",
                if dup_count == 1 { " was" } else { "s were" }
            ),
        )
        .with_details(
            dups.iter()
                .take(SHOWN)
                .map(|(id, n)| format!("id {id} was handed out {n} times")),
        )
    } else {
        Check::new(
            "workload",
            validity,
            format!("Maelstrom's unique-ids checker says {validity}"),
        )
    };
    check.figures.extend(figures);
    check
}

fn broadcast_check(w: &Value, validity: Validity) -> Check {
    let attempts = count(w, "attempt-count").unwrap_or(0);
    let lost = count(w, "lost-count").unwrap_or(0);
    let stable = count(w, "stable-count").unwrap_or(0);
    let stale = count(w, "stale-count").unwrap_or(0);
    let never_read = count(w, "never-read-count").unwrap_or(0);
    let mut check = match validity {
        Validity::Valid if stale > 0 => Check::valid(
            "workload",
            format!(
                "all {attempts} broadcast values reached every node that was read \
                 ({stale} of them only after a delay)"
            ),
        ),
        Validity::Valid => Check::valid(
            "workload",
            format!("all {attempts} broadcast values reached every node that was read"),
        ),
        Validity::Invalid if lost > 0 => Check::invalid(
            "workload",
            format!(
                "{lost} of {attempts} broadcast values were lost: acknowledged, then missing \
                 from later reads"
            ),
        )
        .with_details([format!(
            "lost values: {}",
            first_items(list(w, "lost"), lost as usize)
        )]),
        Validity::Unknown if stable == 0 => Check::new(
            "workload",
            Validity::Unknown,
            "no broadcast value was ever seen by a read, so nothing could be checked",
        ),
        _ => Check::new(
            "workload",
            validity,
            format!("Maelstrom's broadcast checker says {validity}"),
        ),
    };
    if never_read > 0 {
        check.details.push(format!(
            "never read (neither stable nor lost: no read that began after they were known \
             decided either way): {}",
            first_items(list(w, "never-read"), never_read as usize)
        ));
    }
    check
        .figures
        .push(Figure::new(labels::VALUES_BROADCAST, attempts.to_string()));
    if lost > 0 {
        check
            .figures
            .push(Figure::new("values lost", lost.to_string()));
    }
    if let Some(lat) = w.get("stable-latencies") {
        for (label, point) in [(labels::MEDIAN_LATENCY, 0.5), (labels::MAX_LATENCY, 1.0)] {
            if let Some(ms) = quantile(lat, point) {
                check.figures.push(Figure::new(label, format!("{ms} ms")));
            }
        }
    }
    check
}

fn g_counter_check(w: &Value, validity: Validity) -> Check {
    let reads = list(w, "final-reads");
    let acceptable: Vec<String> = list(w, "acceptable")
        .iter()
        .map(|range| match range.as_slice() {
            Some([lo, hi]) if lo == hi => lo.to_string(),
            Some([lo, hi]) => format!("{lo}–{hi}"),
            _ => range.to_string(),
        })
        .collect();
    let acceptable = if acceptable.is_empty() {
        "nothing".to_owned()
    } else {
        acceptable.join(", ")
    };
    let shown_reads = first_items(reads, reads.len());
    match validity {
        Validity::Valid if reads.is_empty() => Check::valid(
            "workload",
            "no final read succeeded, which Maelstrom's counter checker calls valid (the \
             course does not: see its final reads check)",
        )
        .with_details([format!("acceptable final values: {acceptable}")]),
        Validity::Valid => Check::valid(
            "workload",
            format!("every final read ({shown_reads}) is a total the adds allow"),
        ),
        _ => {
            let bad = list(w, "errors").len();
            Check::new(
                "workload",
                validity,
                format!(
                    "{bad} of {} final reads {} not a total the adds allow",
                    reads.len(),
                    if bad == 1 { "is" } else { "are" }
                ),
            )
            .with_details([
                format!("final reads: {shown_reads}"),
                format!(
                    "acceptable: {acceptable} (the acknowledged adds, plus any of the adds \
                     whose outcome is unknown)"
                ),
            ])
        }
    }
}

/// What each Kafka checker error type means, in the spec's words (§7.10).
fn kafka_error_meaning(kind: &str) -> &'static str {
    match kind {
        "inconsistent-offsets" => "one offset of a key held two different messages",
        "duplicate" => "one message appeared at two offsets of a key",
        "lost-write" => "an acknowledged send was never returned by a poll, though later ones were",
        "G1a" => "a poll returned a message whose send had failed",
        "poll-skip" => "a client's successive polls skipped over messages",
        "nonmonotonic-poll" => "a client's successive polls went backwards or repeated offsets",
        "int-poll-skip" => "one poll's messages for a key had gaps",
        "int-nonmonotonic-poll" => "one poll's offsets for a key did not increase",
        "nonmonotonic-send" => "a client's successive sends to a key got non-increasing offsets",
        "int-nonmonotonic-send" => "sends inside one transaction got non-increasing offsets",
        "precommitted-read" => "a poll saw a message before its send committed",
        "unseen" => "acknowledged messages were never returned by any poll",
        k if k.starts_with("G") => "a dependency cycle between operations",
        _ => "see results.edn",
    }
}

fn kafka_check(w: &Value, validity: Validity) -> Check {
    if validity == Validity::Valid {
        return Check::valid(
            "workload",
            "no lost, duplicated, skipped or reordered message was found",
        );
    }
    let bad = list(w, "bad-error-types");
    if bad.is_empty() {
        return Check::new(
            "workload",
            validity,
            format!("Maelstrom's kafka checker says {validity}"),
        );
    }
    let names: Vec<String> = bad.iter().map(keyword_name).collect();
    let details = names.iter().map(|kind| {
        let n = if kind == "unseen" {
            // Jepsen keeps no count for :unseen, but a map of keys to how many messages of each
            // no poll returned: the learner counts messages.
            w.path(&["unseen", "unseen"])
                .and_then(Value::as_map)
                .map(|keys| keys.iter().filter_map(|(_, n)| n.as_int()).sum::<i64>())
                .map(|n| format!(" ({n} messages)"))
                .unwrap_or_default()
        } else {
            w.get(kind)
                .and_then(|e| e.get("count"))
                .and_then(Value::as_int)
                .map(|n| format!(" ({n} found)"))
                .unwrap_or_default()
        };
        format!("{kind}{n}: {}", kafka_error_meaning(kind))
    });
    Check::new(
        "workload",
        validity,
        format!("the log broke its guarantees: {}", names.join(", ")),
    )
    .with_details(details)
}

/// What each Elle anomaly means, in a phrase.
fn anomaly_meaning(kind: &str) -> &'static str {
    let base = kind
        .trim_end_matches("-process")
        .trim_end_matches("-realtime");
    match base {
        "G0" => "write cycle: transactions' writes to the same keys interleave in a circle",
        "G1a" => "aborted read: a read saw a write of a transaction that failed",
        "G1b" => "intermediate read: a read saw a value its transaction later overwrote",
        "G1c" => "circular information flow: transactions each saw the other's writes",
        "G-single" | "G-single-item" | "G2" | "G2-item" | "G-nonadjacent"
        | "G-nonadjacent-item" => {
            "anti-dependency cycle: a transaction missed a write it should see"
        }
        "internal" => "a transaction's read contradicted its own earlier write",
        "lost-update" => "two transactions read a value and both overwrote it",
        "dirty-update" => "a write built on a value from a failed transaction",
        "cyclic-versions" => "the values of a key were written in a circular order",
        "duplicate-elements" => "a value appeared twice",
        "future-read" => "a read saw a write from a later transaction",
        "empty-transaction-graph" => "no transaction completed, so there was nothing to check",
        "cycle-search-timeout" => "the checker ran out of time looking for cycles",
        _ => "see the elle/ folder of the run",
    }
}

fn txn_check(w: &Value, validity: Validity) -> Check {
    let types = list(w, "anomaly-types");
    if validity == Validity::Valid {
        return Check::valid(
            "workload",
            "no anomaly forbidden by the consistency model was found",
        );
    }
    if types.is_empty() {
        return Check::new(
            "workload",
            validity,
            format!("Maelstrom's transaction checker says {validity}"),
        );
    }
    let names: Vec<String> = types.iter().map(keyword_name).collect();
    let summary = if names == ["empty-transaction-graph"] {
        "no transaction ever completed, so there was nothing to check (Maelstrom counts that \
         as a failure)"
            .to_owned()
    } else {
        format!("anomalies found: {}", names.join(", "))
    };
    let mut details: Vec<String> = names
        .iter()
        .map(|k| format!("{k}: {}", anomaly_meaning(k)))
        .collect();
    let not = list(w, "not");
    if !not.is_empty() {
        let models: Vec<String> = not.iter().map(keyword_name).collect();
        details.push(format!("so the history is not {}", models.join(" or ")));
    }
    Check::new("workload", validity, summary).with_details(details)
}
