//! Diagnoses of misbehaving nodes, gathered while a run goes on.
//!
//! The course fails a node that breaks the protocol even where Maelstrom would not notice (a
//! reply with a wrong `in_reply_to` is silently discarded there; here it is named). Every
//! diagnosis becomes an invalid check named `"nodes"`. The same fault usually repeats hundreds of
//! times, so each distinct fault is reported once with a count.
//!
//! A node controls much of the text (a request type it made up, a line it printed), so what is
//! kept is bounded: at most [`MAX_ENTRIES`] distinct faults, each text cut at [`MAX_TEXT`]
//! characters; the rest are only counted.

use std::sync::{Arc, Mutex};

use super::net::{self, Flood};
use crate::verdict::Check;

/// The most distinct faults kept.
pub const MAX_ENTRIES: usize = 50;
/// The longest summary, detail or key kept, in characters.
pub const MAX_TEXT: usize = 2000;

fn bounded(text: String) -> String {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_TEXT).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// "1.2 million", "45 thousand", "312": a count as a reader takes it in.
fn in_words(n: u64) -> String {
    match n {
        1_000_000.. => format!("{:.1} million", n as f64 / 1e6),
        10_000.. => format!("{} thousand", n / 1000),
        _ => n.to_string(),
    }
}

#[derive(Debug)]
struct Entry {
    key: String,
    summary: String,
    details: Vec<String>,
    count: u64,
}

/// A shared, append-only collection of diagnoses.
#[derive(Debug, Clone, Default)]
pub struct Diagnoses {
    entries: Arc<Mutex<Vec<Entry>>>,
    /// Faults of kinds beyond the first [`MAX_ENTRIES`].
    more: Arc<std::sync::atomic::AtomicU64>,
}

impl Diagnoses {
    /// Records a fault. Faults with the same `key` are counted, and only the first is described.
    pub fn report(&self, key: impl Into<String>, summary: impl Into<String>, details: Vec<String>) {
        let key = bounded(key.into());
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = entries.iter_mut().find(|e| e.key == key) {
            e.count += 1;
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            self.more.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        entries.push(Entry {
            key,
            summary: bounded(summary.into()),
            details: details.into_iter().map(bounded).collect(),
            count: 1,
        });
    }

    /// Whether a fault with this key was reported.
    pub fn contains(&self, key: &str) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().any(|e| e.key == key)
    }

    /// The diagnoses so far, as invalid `"nodes"` checks, in the order they were first seen. The
    /// same fault on several nodes (five nodes that all crash the same way) is one check naming
    /// them in order, not one per node in whatever order they failed.
    pub fn checks(&self) -> Vec<Check> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut groups: Vec<(String, Vec<&Entry>)> = Vec::new();
        for e in entries.iter() {
            let (shape, _) = node_shape(&e.summary);
            match groups.iter_mut().find(|(s, _)| *s == shape) {
                Some((_, members)) => members.push(e),
                None => groups.push((shape, vec![e])),
            }
        }
        groups
            .into_iter()
            .map(|(_, members)| grouped_check(&members))
            .chain(self.overflow_check())
            .collect()
    }

    fn overflow_check(&self) -> Option<Check> {
        let more = self.more.load(std::sync::atomic::Ordering::Relaxed);
        (more > 0).then(|| {
            Check::invalid(
                "nodes",
                format!(
                    "…and {more} more faults of other kinds (the first {MAX_ENTRIES} kinds are \
                     described above)"
                ),
            )
        })
    }

    /// Names a node that sent faster than the network could hold (see [`net::QUEUE_CAP`]).
    pub fn report_flood(&self, flood: &Flood) {
        self.report(
            format!("flood {}", flood.src),
            format!(
                "{} sent {} messages in {:.1} s; the network held at most {} messages for one \
                 destination, so {} of them were dropped",
                flood.src,
                in_words(flood.sent),
                flood.over.as_secs_f64(),
                net::QUEUE_CAP,
                in_words(flood.dropped)
            ),
            vec![
                "A message is sent in answer to something: a node that sends in a tight loop \
                 (resending without waiting, gossiping on every message received) floods the \
                 network faster than any node can read."
                    .into(),
                "Maelstrom has no cap: its memory would grow until it died. The builtin engine \
                 drops what does not fit."
                    .into(),
            ],
        );
    }
}

/// One check for a fault seen on one or more nodes.
fn grouped_check(members: &[&Entry]) -> Check {
    let first = members[0];
    let count: u64 = members.iter().map(|e| e.count).sum();
    if members.len() == 1 {
        let mut details = first.details.clone();
        if count > 1 {
            details.push(format!("This happened {count} times in all."));
        }
        return Check::invalid("nodes", first.summary.clone()).with_details(details);
    }
    let mut nodes: Vec<String> = members
        .iter()
        .filter_map(|e| node_shape(&e.summary).1)
        .collect();
    nodes.sort_by_key(|n| n[1..].parse::<u64>().unwrap_or(u64::MAX));
    nodes.dedup();
    let (_, own) = node_shape(&first.summary);
    let mut summary = match own {
        Some(node) => first.summary.replacen(&node, &and_list(&nodes), 1),
        None => first.summary.clone(),
    };
    // Each node failed at its own moment: show the span.
    let times: Vec<f64> = members
        .iter()
        .filter_map(|e| seconds_in(&e.summary))
        .map(|(_, t)| t)
        .collect();
    if let (Some((shown, _)), Some(lo), Some(hi)) = (
        seconds_in(&summary),
        times.iter().copied().reduce(f64::min),
        times.iter().copied().reduce(f64::max),
    ) {
        if lo < hi {
            summary = summary.replacen(&shown, &format!("{lo:.1}–{hi:.1} s"), 1);
        }
    }
    let mut details = vec![format!(
        "The same on {} nodes; what follows is {}'s.",
        nodes.len(),
        node_shape(&first.summary).1.unwrap_or_default()
    )];
    details.extend(first.details.iter().cloned());
    details.push(format!("This happened {count} times in all."));
    Check::invalid("nodes", summary).with_details(details)
}

/// The first "3.2 s" in a summary: its text and its value.
fn seconds_in(summary: &str) -> Option<(String, f64)> {
    summary.match_indices(" s").find_map(|(end, _)| {
        let unit_ends = summary[end + 2..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        let start = summary[..end]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let value: f64 = summary[start..end].parse().ok()?;
        unit_ends.then(|| (summary[start..end + 2].to_owned(), value))
    })
}

/// `n0`, `n0 and n1`, `n0, n1 and n2`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The summary with its first node id (`n3`) replaced by a placeholder, and that node id: two
/// diagnoses with the same shape are the same fault on different nodes. The numbers a summary
/// carries besides (seconds, exit codes) stay, so that only identical faults are grouped.
fn node_shape(summary: &str) -> (String, Option<String>) {
    let bytes = summary.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if bytes[i] == b'n' && starts_word {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let end = i + 1 + digits;
            let ends_word = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if digits > 0 && ends_word {
                let node = summary[i..end].to_owned();
                let mut shape = format!("{}⟨node⟩{}", &summary[..i], &summary[end..]);
                if let Some((time, _)) = seconds_in(&shape) {
                    shape = shape.replacen(&time, "⟨time⟩", 1);
                }
                return (shape, Some(node));
            }
        }
        i += 1;
    }
    (summary.to_owned(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Validity;

    #[test]
    fn a_flood_is_told_in_words_a_reader_takes_in() {
        assert_eq!(in_words(312), "312");
        assert_eq!(in_words(45_678), "45 thousand");
        assert_eq!(in_words(1_234_567), "1.2 million");
        let d = Diagnoses::default();
        let flood = Flood {
            src: "n3".into(),
            sent: 2_400_000,
            over: std::time::Duration::from_millis(4_500),
            dropped: 1_200_000,
        };
        d.report_flood(&flood);
        d.report_flood(&flood);
        let checks = d.checks();
        assert_eq!(checks.len(), 1);
        let summary = &checks[0].summary;
        assert!(
            summary.contains("n3 sent 2.4 million messages in 4.5 s"),
            "{summary}"
        );
        assert!(
            summary.contains("so 1.2 million of them were dropped"),
            "{summary}"
        );
    }

    #[test]
    fn repeated_faults_are_counted_once() {
        let d = Diagnoses::default();
        d.report("a", "first", vec!["why".into()]);
        d.report("a", "first again", vec![]);
        d.report("b", "second", vec![]);
        let checks = d.checks();
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0].name, "nodes");
        assert_eq!(checks[0].validity, Validity::Invalid);
        assert_eq!(checks[0].summary, "first");
        assert_eq!(checks[0].details, ["why", "This happened 2 times in all."]);
        assert!(d.contains("b") && !d.contains("c"));
    }

    #[test]
    fn the_same_fault_on_several_nodes_is_one_line_in_node_order() {
        let d = Diagnoses::default();
        for node in ["n3", "n0", "n4", "n1", "n2"] {
            d.report(
                format!("init {node}"),
                format!("{node} never answered init within 10 s"),
                vec![format!("{node} wrote nothing to stderr.")],
            );
        }
        d.report("init n10", "n10 exited with status 1 during init", vec![]);
        for (node, t) in [("n2", "3.5"), ("n1", "3.1"), ("n0", "4.0")] {
            d.report(
                format!("exit {node}"),
                format!("{node} exited with status 101 while running, {t} s after it started"),
                vec![],
            );
        }
        let checks = d.checks();
        assert_eq!(checks.len(), 3, "{checks:#?}");
        assert_eq!(
            checks[2].summary,
            "n0, n1 and n2 exited with status 101 while running, 3.1–4.0 s after it started"
        );
        assert_eq!(
            checks[0].summary,
            "n0, n1, n2, n3 and n4 never answered init within 10 s"
        );
        assert_eq!(
            checks[0].details[0],
            "The same on 5 nodes; what follows is n3's."
        );
        assert_eq!(checks[0].details[1], "n3 wrote nothing to stderr.");
        assert_eq!(checks[0].details[2], "This happened 5 times in all.");
        assert_eq!(checks[1].summary, "n10 exited with status 1 during init");
    }

    #[test]
    fn node_ids_are_whole_words() {
        assert_eq!(
            node_shape("n2 sent c14 a bad reply").1.as_deref(),
            Some("n2")
        );
        assert_eq!(node_shape("no node here: in1").1, None);
    }

    #[test]
    fn a_node_cannot_grow_the_diagnoses_without_bound() {
        let d = Diagnoses::default();
        let huge = "t".repeat(10_000);
        for i in 0..200 {
            d.report(
                format!("{i} {huge}"),
                // Distinct faults: the same fault on many nodes would be grouped into one.
                format!("type {i} {huge}"),
                vec![huge.clone()],
            );
        }
        let checks = d.checks();
        assert_eq!(checks.len(), MAX_ENTRIES + 1);
        assert!(checks[0].summary.chars().count() <= MAX_TEXT + 1);
        assert!(checks[0].details[0].chars().count() <= MAX_TEXT + 1);
        assert_eq!(
            checks[MAX_ENTRIES].summary,
            "…and 150 more faults of other kinds (the first 50 kinds are described above)"
        );
    }
}
