//! Reading `messages.jsonl`, the network's journal: one line per message with its fate.
//!
//! The journal is written by the grader but its bodies come from nodes, so nothing in it is
//! trusted: lines that do not parse are counted and skipped, and the file is read up to a
//! bound so that a flooding node cannot make the report slow or huge.
//!
//! Bodies are kept as text and parsed only for the few messages the report looks into: a
//! 6c journal holds 20,000 transaction bodies, and building each one's JSON tree would cost
//! seconds in a debug build.

use std::cell::OnceCell;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value as Json;

/// At most this many bytes of the journal are read (the builtin engine caps it near 100 MB).
const MAX_BYTES: u64 = 128 * 1024 * 1024;

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// Lost to a partition or a crashed node.
    Dropped,
    /// Still queued when the test ended.
    Undelivered,
}

/// One message of the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: u64,
    pub src: String,
    pub dest: String,
    /// Milliseconds on the history's clock (negative during init).
    pub sent_ms: f64,
    /// When it was delivered or dropped.
    pub at_ms: f64,
    pub fate: Fate,
    pub why: Option<String>,
    /// The body as written in the journal.
    pub raw_body: Box<str>,
    parsed: OnceCell<Json>,
}

impl Message {
    pub fn new(
        id: u64,
        src: &str,
        dest: &str,
        sent_ms: f64,
        at_ms: f64,
        fate: Fate,
        body: &Json,
    ) -> Message {
        Message {
            id,
            src: src.to_owned(),
            dest: dest.to_owned(),
            sent_ms,
            at_ms,
            fate,
            why: None,
            raw_body: body.to_string().into(),
            parsed: OnceCell::new(),
        }
    }

    /// The body, parsed on first use (`null` if it is not JSON).
    pub fn body(&self) -> &Json {
        self.parsed
            .get_or_init(|| serde_json::from_str(&self.raw_body).unwrap_or(Json::Null))
    }

    /// Whether the body's text holds this text anywhere: a cheap test before parsing it.
    pub fn mentions(&self, text: &str) -> bool {
        self.raw_body.contains(text)
    }

    /// The body's `type`, or `?` when a node sent none.
    pub fn kind(&self) -> &str {
        self.body()
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or("?")
    }

    /// Whether a client is at either end (Maelstrom's rule: the id starts with `c`).
    pub fn involves_client(&self) -> bool {
        crate::netstats::involves_client(&self.src, &self.dest)
    }
}

/// The journal as read.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    pub messages: Vec<Message>,
    /// Lines that were not a message (malformed, or past the bound).
    pub skipped: usize,
    /// Whether the engine stopped recording (its own cap) or this reader stopped reading.
    pub truncated: bool,
}

impl Journal {
    /// Reads `messages.jsonl` from a run folder; a run without one has an empty journal.
    pub fn load(run_dir: &Path) -> std::io::Result<Option<Journal>> {
        match std::fs::File::open(run_dir.join("messages.jsonl")) {
            Ok(file) => Ok(Some(Journal::read(file)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn read(source: impl Read) -> std::io::Result<Journal> {
        let mut journal = Journal::default();
        let mut limited = BufReader::new(source.take(MAX_BYTES));
        let mut line = String::new();
        loop {
            line.clear();
            if limited.read_line(&mut line)? == 0 {
                break;
            }
            if !line.ends_with('\n') && limited.get_ref().limit() == 0 {
                journal.truncated = true;
                break;
            }
            match parse_line(line.trim()) {
                Some(Line::Message(m)) => journal.messages.push(m),
                Some(Line::Truncated) => journal.truncated = true,
                None if line.trim().is_empty() => {}
                None => journal.skipped += 1,
            }
        }
        journal
            .messages
            .sort_by(|a, b| a.sent_ms.total_cmp(&b.sent_ms).then(a.id.cmp(&b.id)));
        Ok(journal)
    }
}

enum Line {
    Message(Message),
    Truncated,
}

/// The fields before `body`, which the grader writes first.
#[derive(serde::Deserialize)]
struct Header {
    id: u64,
    src: String,
    dest: String,
    sent_ms: f64,
    fate: String,
    at_ms: Option<f64>,
    why: Option<String>,
}

/// Reads one line. The grader writes `body` last, so the header is parsed on its own and the
/// body kept as text; a line that does not split that way (a node id holding `"body":`, another
/// writer's field order) is parsed whole.
fn parse_line(line: &str) -> Option<Line> {
    if line.starts_with("{\"truncated\"") {
        return Some(Line::Truncated);
    }
    if let Some(message) = fast_line(line) {
        return Some(Line::Message(message));
    }
    let split = line
        .find(",\"body\":")
        .filter(|_| line.ends_with('}'))
        .and_then(|at| {
            let header: Header = serde_json::from_str(&format!("{}}}", &line[..at])).ok()?;
            let body = &line[at + ",\"body\":".len()..line.len() - 1];
            Some((header, body.into()))
        });
    let (h, raw_body): (Header, Box<str>) = match split {
        Some(found) => found,
        None => {
            let mut v: Json = serde_json::from_str(line).ok()?;
            if v.get("truncated").is_some() {
                return Some(Line::Truncated);
            }
            let body = v.get_mut("body").map(Json::take).unwrap_or(Json::Null);
            (serde_json::from_value(v).ok()?, body.to_string().into())
        }
    };
    let fate = match h.fate.as_str() {
        "delivered" => Fate::Delivered,
        "dropped" => Fate::Dropped,
        _ => Fate::Undelivered,
    };
    Some(Line::Message(Message {
        id: h.id,
        src: h.src,
        dest: h.dest,
        sent_ms: h.sent_ms,
        at_ms: h.at_ms.unwrap_or(f64::NAN),
        fate,
        why: h.why,
        raw_body,
        parsed: OnceCell::new(),
    }))
}

/// Reads a line exactly as the grader writes it, without a JSON parser: a debug build parses
/// 40,000 headers in half a second, this in a twentieth. Anything unexpected (an escaped
/// character in an id, another field order) returns `None` and the line is parsed properly.
fn fast_line(line: &str) -> Option<Message> {
    fn string<'a>(rest: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
        let rest = rest.strip_prefix(prefix)?;
        let end = rest.find('"')?;
        let text = &rest[..end];
        (!text.contains('\\')).then_some((text, &rest[end + 1..]))
    }
    fn number<'a>(rest: &'a str, prefix: &str) -> Option<(f64, &'a str)> {
        let rest = rest.strip_prefix(prefix)?;
        let end = rest.find(',')?;
        Some((rest[..end].parse().ok()?, &rest[end..]))
    }
    let (id, rest) = number(line, "{\"id\":")?;
    let (src, rest) = string(rest, ",\"src\":\"")?;
    let (dest, rest) = string(rest, ",\"dest\":\"")?;
    let (sent_ms, rest) = number(rest, ",\"sent_ms\":")?;
    let (fate, rest) = string(rest, ",\"fate\":\"")?;
    let (at_ms, rest) = number(rest, ",\"at_ms\":")?;
    let (why, rest) = match string(rest, ",\"why\":\"") {
        Some((why, rest)) => (Some(why.to_owned()), rest),
        None => (None, rest),
    };
    let body = rest.strip_prefix(",\"body\":")?.strip_suffix('}')?;
    if id.fract() != 0.0 || id < 0.0 {
        return None;
    }
    Some(Message {
        id: id as u64,
        src: src.to_owned(),
        dest: dest.to_owned(),
        sent_ms,
        at_ms,
        fate: match fate {
            "delivered" => Fate::Delivered,
            "dropped" => Fate::Dropped,
            _ => Fate::Undelivered,
        },
        why,
        raw_body: body.into(),
        parsed: OnceCell::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_messages_and_skips_garbage() {
        let text = r#"{"id":1,"src":"c1","dest":"n0","sent_ms":1.5,"fate":"delivered","at_ms":1.5,"body":{"type":"read","msg_id":1}}
not json
{"id":0,"src":"n0","dest":"n1","sent_ms":0.5,"fate":"dropped","at_ms":0.9,"why":"partition","body":{"type":"gossip"}}
{"truncated":"the first 2 messages are above"}
"#;
        let j = Journal::read(text.as_bytes()).unwrap();
        assert_eq!(j.messages.len(), 2);
        assert_eq!(j.skipped, 1);
        assert!(j.truncated);
        assert_eq!(j.messages[0].id, 0, "sorted by send time");
        assert_eq!(j.messages[0].fate, Fate::Dropped);
        assert_eq!(j.messages[1].kind(), "read");
        assert!(j.messages[1].involves_client());
    }

    #[test]
    fn the_fast_reading_agrees_with_the_parser() {
        let lines = [
            r#"{"id":3,"src":"c2","dest":"n3","sent_ms":-10.77,"fate":"delivered","at_ms":-10.721,"body":{"type":"init","node_ids":["n0"]}}"#,
            r#"{"id":9,"src":"n0","dest":"n1","sent_ms":5,"fate":"dropped","at_ms":6.5,"why":"partitioned: n1 drops messages from n0","body":{"type":"gossip","values":[1,2]}}"#,
            r#"{"id":10,"src":"n\"0","dest":"n1","sent_ms":5,"fate":"undelivered","at_ms":7,"body":{}}"#,
        ];
        for line in lines {
            let slow = match parse_line_slowly(line) {
                Some(Line::Message(m)) => m,
                _ => panic!("{line}"),
            };
            match fast_line(line) {
                Some(fast) => {
                    let header = |m: &Message| {
                        (
                            m.id,
                            m.src.clone(),
                            m.dest.clone(),
                            m.sent_ms,
                            m.at_ms,
                            m.fate,
                            m.why.clone(),
                        )
                    };
                    assert_eq!(header(&fast), header(&slow), "{line}");
                    assert_eq!(fast.body(), slow.body(), "{line}");
                }
                None => assert!(line.contains("\\"), "only escapes fall back: {line}"),
            }
        }
    }

    /// The parser's path alone, to compare the fast one with.
    fn parse_line_slowly(line: &str) -> Option<Line> {
        let v: Json = serde_json::from_str(line).ok()?;
        let body = v.get("body").cloned().unwrap_or(Json::Null);
        let h: Header = serde_json::from_value(v).ok()?;
        Some(Line::Message(Message {
            id: h.id,
            src: h.src,
            dest: h.dest,
            sent_ms: h.sent_ms,
            at_ms: h.at_ms.unwrap_or(f64::NAN),
            fate: match h.fate.as_str() {
                "delivered" => Fate::Delivered,
                "dropped" => Fate::Dropped,
                _ => Fate::Undelivered,
            },
            why: h.why,
            raw_body: body.to_string().into(),
            parsed: OnceCell::new(),
        }))
    }

    #[test]
    fn a_node_id_that_looks_like_a_body_is_read_whole() {
        let text = r#"{"id":1,"src":"n0,\"body\":","dest":"n1","sent_ms":1,"fate":"delivered","at_ms":2,"body":{"type":"x"}}"#;
        let j = Journal::read(text.as_bytes()).unwrap();
        assert_eq!(j.messages.len(), 1, "{j:?}");
        assert_eq!(j.messages[0].src, "n0,\"body\":");
        assert_eq!(j.messages[0].kind(), "x");
    }
}
