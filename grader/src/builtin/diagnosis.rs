//! Diagnoses of misbehaving nodes, gathered while a run goes on.
//!
//! The course fails a node that breaks the protocol even where Maelstrom would not notice (a
//! reply with a wrong `in_reply_to` is silently discarded there; here it is named). Every
//! diagnosis becomes an invalid check named `"nodes"`. The same fault usually repeats hundreds of
//! times, so each distinct fault is reported once with a count.

use std::sync::{Arc, Mutex};

use crate::verdict::Check;

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
}

impl Diagnoses {
    /// Records a fault. Faults with the same `key` are counted, and only the first is described.
    pub fn report(&self, key: impl Into<String>, summary: impl Into<String>, details: Vec<String>) {
        let key = key.into();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = entries.iter_mut().find(|e| e.key == key) {
            e.count += 1;
            return;
        }
        entries.push(Entry {
            key,
            summary: summary.into(),
            details,
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
            .collect()
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
}
