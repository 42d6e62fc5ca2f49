//! `messages.jsonl`: every message's fate, one line each, so that a learner can follow the flow
//! behind a failure — `id`, `src`, `dest`, `sent_ms`, `fate` (`delivered`, `dropped`,
//! `undelivered`), `at_ms`, an optional `why`, and `body` — with times in milliseconds on the
//! history's clock (negative during init, which happens before the history's origin).
//!
//! The file has caps, in lines and bytes: a node that floods the network must not fill the
//! learner's disk. Past them, lines are counted, not written, and the last line of the file says
//! how many were left out.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Duration;

/// At most this many lines, and [`JOURNAL_BYTES`] bytes, go to `messages.jsonl`.
pub const JOURNAL_LIMIT: u64 = 500_000;
pub const JOURNAL_BYTES: u64 = 64 * 1024 * 1024;
/// Lines held back until the history's origin is known (during init).
const PENDING_LIMIT: usize = 10_000;

/// One line of `messages.jsonl`: borrowed from the message it describes when it is written at
/// once, owned (`'static`) while it is held back during init.
#[derive(Debug, Clone)]
pub struct JournalEntry<'a> {
    pub id: u64,
    pub src: Cow<'a, str>,
    pub dest: Cow<'a, str>,
    pub body: Cow<'a, serde_json::Value>,
    pub sent: Duration,
    pub at: Duration,
    pub fate: &'static str,
    pub why: Option<Cow<'a, str>>,
}

impl JournalEntry<'_> {
    fn into_owned(self) -> JournalEntry<'static> {
        JournalEntry {
            src: Cow::Owned(self.src.into_owned()),
            dest: Cow::Owned(self.dest.into_owned()),
            body: Cow::Owned(self.body.into_owned()),
            why: self.why.map(|w| Cow::Owned(w.into_owned())),
            ..self
        }
    }
}

/// The journal writer, or nothing when the run keeps no journal.
#[derive(Debug)]
pub struct Journal {
    file: Option<BufWriter<File>>,
    /// Times are relative to this (the history's time origin), once it is known.
    origin: Option<Duration>,
    pending: Vec<JournalEntry<'static>>,
    /// The line being written, kept to spare an allocation per message.
    line: Vec<u8>,
    lines: u64,
    bytes: u64,
    /// Lines not written because of the caps.
    left_out: u64,
    max_lines: u64,
    max_bytes: u64,
}

impl Journal {
    pub fn new(file: Option<File>) -> Journal {
        Journal::with_caps(file, JOURNAL_LIMIT, JOURNAL_BYTES)
    }

    fn with_caps(file: Option<File>, max_lines: u64, max_bytes: u64) -> Journal {
        Journal {
            max_lines,
            max_bytes,
            file: file.map(|f| BufWriter::with_capacity(256 * 1024, f)),
            origin: None,
            pending: Vec::new(),
            line: Vec::new(),
            lines: 0,
            bytes: 0,
            left_out: 0,
        }
    }

    /// Whether entries are written at all (so that callers can skip building them).
    pub fn is_on(&self) -> bool {
        self.file.is_some()
    }

    /// Sets the origin of the times written, and writes what was held back.
    pub fn set_origin(&mut self, origin: Duration) {
        self.origin = Some(origin);
        for entry in std::mem::take(&mut self.pending) {
            self.write(&entry, origin);
        }
    }

    pub fn record(&mut self, e: JournalEntry<'_>) {
        match self.origin {
            Some(origin) => self.write(&e, origin),
            // Before the history's origin is known (during init), hold the few lines back.
            None if self.pending.len() < PENDING_LIMIT => self.pending.push(e.into_owned()),
            None => self.left_out += 1,
        }
    }

    /// Writes what is held back, the note of what was left out, and flushes.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.origin.is_none() {
            self.set_origin(Duration::ZERO);
        }
        let left_out = self.left_out;
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        if left_out > 0 {
            writeln!(
                file,
                "{{\"truncated\":\"{left_out} more messages were left out of this file (it \
                 keeps at most {} lines and {})\"}}",
                self.max_lines,
                crate::retention::human_size(self.max_bytes)
            )?;
        }
        file.flush()
    }

    fn write(&mut self, e: &JournalEntry<'_>, origin: Duration) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        if self.lines >= self.max_lines || self.bytes >= self.max_bytes {
            if self.left_out == 0 {
                let _ = writeln!(
                    file,
                    "{{\"truncated\":\"the first {} messages are above; later ones were not \
                     recorded\"}}",
                    self.lines
                );
            }
            self.left_out += 1;
            return;
        }
        self.lines += 1;
        let ms = |t: Duration| {
            let x = (t.as_secs_f64() - origin.as_secs_f64()) * 1000.0;
            (x * 1000.0).round() / 1000.0
        };
        // Written straight into one reused buffer: this runs for every message of a run.
        let line = &mut self.line;
        line.clear();
        let _ = write!(line, "{{\"id\":{},\"src\":", e.id);
        let _ = serde_json::to_writer(&mut *line, &*e.src);
        line.extend_from_slice(b",\"dest\":");
        let _ = serde_json::to_writer(&mut *line, &*e.dest);
        let _ = write!(
            line,
            ",\"sent_ms\":{},\"fate\":\"{}\",\"at_ms\":{}",
            ms(e.sent),
            e.fate,
            ms(e.at)
        );
        if let Some(why) = &e.why {
            line.extend_from_slice(b",\"why\":");
            let _ = serde_json::to_writer(&mut *line, &**why);
        }
        line.extend_from_slice(b",\"body\":");
        let _ = serde_json::to_writer(&mut *line, &*e.body);
        line.extend_from_slice(b"}\n");
        self.bytes += line.len() as u64;
        // A full disk must not stop the test; the journal is an aid, not evidence.
        let _ = file.write_all(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: u64, body: &serde_json::Value) -> JournalEntry<'_> {
        JournalEntry {
            id,
            src: "n0".into(),
            dest: "n0".into(),
            body: Cow::Borrowed(body),
            sent: Duration::from_millis(id),
            at: Duration::from_millis(id + 1),
            fate: "delivered",
            why: None,
        }
    }

    #[test]
    fn a_flood_is_cut_at_the_byte_cap_with_a_count_of_what_was_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("messages.jsonl");
        let mut j = Journal::with_caps(Some(File::create(&path).unwrap()), 1000, 20_000);
        j.set_origin(Duration::ZERO);
        let body = json!({"type": "spam", "pad": "x".repeat(100)});
        for id in 0..5000 {
            j.record(entry(id, &body));
        }
        j.finish().unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= 20_000 + 1024, "{size}");
        let text = std::fs::read_to_string(&path).unwrap();
        let kept = text.lines().filter(|l| l.starts_with("{\"id\"")).count();
        let last = text.lines().last().unwrap();
        assert_eq!(
            last,
            format!(
                "{{\"truncated\":\"{} more messages were left out of this file (it keeps at \
                 most 1000 lines and 20.0 kB)\"}}",
                5000 - kept
            )
        );
    }
}
