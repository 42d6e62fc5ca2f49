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

/// Milliseconds from the origin to an instant, to the microsecond, as the shortest decimal that
/// reads back as the same `f64` (what `Display` prints for the rounded `f64`: `12.5`, `-0.004`,
/// `7`), written with integer arithmetic. Every message of a run writes two.
struct Millis(f64);

impl Millis {
    fn between(origin: Duration, t: Duration) -> Millis {
        let x = (t.as_secs_f64() - origin.as_secs_f64()) * 1000.0;
        Millis((x * 1000.0).round() / 1000.0)
    }
}

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let micros = self.0 * 1000.0;
        // Past 10^12 µs (11 days) leave it to f64, whose shortest decimal is then no longer
        // plainly the microseconds'.
        if !micros.is_finite() || micros.abs() >= 1.0e12 {
            return write!(f, "{}", self.0);
        }
        let micros = micros.round() as i64;
        if micros < 0 {
            f.write_str("-")?;
        }
        let (whole, frac) = (micros.unsigned_abs() / 1000, micros.unsigned_abs() % 1000);
        f.write_str(itoa::Buffer::new().format(whole))?;
        if frac != 0 {
            let digits = [frac / 100, frac / 10 % 10, frac % 10].map(|d| b'0' + d as u8);
            let used = 3 - digits.iter().rev().take_while(|&&d| d == b'0').count();
            f.write_str(".")?;
            f.write_str(std::str::from_utf8(&digits[..used]).unwrap_or_default())?;
        }
        Ok(())
    }
}

/// One line of `messages.jsonl`: borrowed from the message it describes when it is written at
/// once, owned (`'static`) while it is held back during init.
#[derive(Debug, Clone)]
pub struct JournalEntry<'a> {
    pub id: u64,
    pub src: Cow<'a, str>,
    pub dest: Cow<'a, str>,
    /// The body as JSON text.
    pub body: Cow<'a, [u8]>,
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
        let ms = |t: Duration| Millis::between(origin, t);
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
        line.extend_from_slice(&e.body);
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

    /// The integer rendering prints what `f64`'s `Display` printed for the rounded value, which
    /// the report and any reader of `messages.jsonl` parse; `-0` (a message sent a fraction of a
    /// microsecond before the origin) reads as the `0` it is.
    #[test]
    fn milliseconds_print_as_the_rounded_float_did() {
        let origin = Duration::from_secs(5);
        let mut x: u64 = 1;
        for i in 0..200_000u64 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // Instants up to a day, and a dense run of them around the origin.
            let nanos = if i % 2 == 0 {
                x % 86_400_000_000_000
            } else {
                4_990_000_000 + x % 20_000_000
            };
            let at = Duration::from_nanos(nanos);
            let ms = super::Millis::between(origin, at);
            let float = if ms.0 == 0.0 { 0.0 } else { ms.0 };
            assert_eq!(ms.to_string(), float.to_string(), "{at:?}");
        }
        for (nanos, text) in [
            (5_000_000_000, "0"),
            (5_012_500_000, "12.5"),
            (4_999_996_000, "-0.004"),
            (4_999_999_800, "0"),
        ] {
            let ms = super::Millis::between(origin, Duration::from_nanos(nanos));
            assert_eq!(ms.to_string(), text);
        }
        assert_eq!(super::Millis(1.0e13).to_string(), "10000000000000");
    }

    fn entry(id: u64, body: &serde_json::Value) -> JournalEntry<'_> {
        JournalEntry {
            id,
            src: "n0".into(),
            dest: "n0".into(),
            body: Cow::Owned(serde_json::to_vec(body).unwrap()),
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
