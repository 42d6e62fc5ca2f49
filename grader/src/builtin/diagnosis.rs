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

    /// The diagnoses so far, as invalid `"nodes"` checks, in the order they were first seen.
    pub fn checks(&self) -> Vec<Check> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .map(|e| {
                let mut details = e.details.clone();
                if e.count > 1 {
                    details.push(format!("This happened {} times in all.", e.count));
                }
                Check::invalid("nodes", e.summary.clone()).with_details(details)
            })
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Validity;

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
    fn a_node_cannot_grow_the_diagnoses_without_bound() {
        let d = Diagnoses::default();
        let huge = "t".repeat(10_000);
        for i in 0..200 {
            d.report(
                format!("{i} {huge}"),
                format!("type {huge}"),
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
