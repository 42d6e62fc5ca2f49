//! Reading what a node prints on stdout (Maelstrom spec §3.4), and saying what is wrong with it
//! in words a beginner understands.
//!
//! Maelstrom takes the first JSON value on a line (anything after it is ignored), requires a
//! closed top-level object — `src` and `dest` strings, `body`, optional integer `id`, nothing
//! else — and treats a missing or null body as `{}`. A line that fails any of this makes Maelstrom
//! stop reading that node's stdout for the rest of the test; the harness does the same, and
//! reports why.

use serde_json::Value as Json;

/// A message a node wants sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub src: String,
    pub dest: String,
    pub body: Json,
}

/// Why a stdout line is not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// Not JSON at all.
    NotJson,
    /// An empty (or all-blank) line.
    Blank,
    /// JSON, but not an object.
    NotAnObject,
    /// `body` is neither an object nor null.
    BodyNotAnObject,
    /// A required top-level key is missing.
    Missing(&'static str),
    /// A top-level key has the wrong type.
    WrongType {
        key: &'static str,
        expected: &'static str,
    },
    /// A top-level key Maelstrom does not allow.
    ExtraKey(String),
}

/// Parses one stdout line as Maelstrom does.
pub fn parse_line(line: &str) -> Result<Outgoing, LineError> {
    let first = serde_json::Deserializer::from_str(line)
        .into_iter::<Json>()
        .next();
    let value = match first {
        None => return Err(LineError::Blank),
        Some(Err(_)) => return Err(LineError::NotJson),
        Some(Ok(v)) => v,
    };
    let Json::Object(mut map) = value else {
        return Err(if value.is_null() {
            LineError::Blank
        } else {
            LineError::NotAnObject
        });
    };
    let body = match map.remove("body") {
        None | Some(Json::Null) => Json::Object(Default::default()),
        Some(b @ Json::Object(_)) => b,
        Some(_) => return Err(LineError::BodyNotAnObject),
    };
    let mut string = |key: &'static str| match map.remove(key) {
        None => Err(LineError::Missing(key)),
        Some(Json::String(s)) => Ok(s),
        Some(_) => Err(LineError::WrongType {
            key,
            expected: "a string",
        }),
    };
    let src = string("src")?;
    let dest = string("dest")?;
    if let Some(id) = map.remove("id") {
        if !(id.is_i64() || id.is_u64()) {
            return Err(LineError::WrongType {
                key: "id",
                expected: "an integer",
            });
        }
    }
    if let Some(extra) = map.keys().next() {
        return Err(LineError::ExtraKey(extra.clone()));
    }
    Ok(Outgoing { src, dest, body })
}

/// Shortens a line for a report.
pub fn excerpt(line: &str) -> String {
    const MAX: usize = 160;
    let line = line.trim_end();
    if line.chars().count() <= MAX {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// The one-sentence diagnosis for a bad line from `node`.
pub fn describe(node: &str, line: &str, error: &LineError) -> String {
    let shown = excerpt(line);
    match error {
        LineError::NotJson => format!(
            "{node} printed a line that is not JSON: `{shown}` — debug output belongs on stderr"
        ),
        LineError::Blank => format!(
            "{node} printed an empty line on stdout — each stdout line must be exactly one JSON \
             message (is a newline printed twice, e.g. println! of text that already ends in \\n?)"
        ),
        LineError::NotAnObject => format!(
            "{node} printed JSON that is not a message object: `{shown}` — a message looks like \
             {{\"src\":…,\"dest\":…,\"body\":{{…}}}}"
        ),
        LineError::BodyNotAnObject => {
            format!("{node} printed a message whose `body` is not a JSON object: `{shown}`")
        }
        LineError::Missing(key) => format!(
            "{node} printed a message without `{key}`: `{shown}` — every message needs src, \
             dest and body"
        ),
        LineError::WrongType { key, expected } => {
            format!("{node} printed a message whose `{key}` is not {expected}: `{shown}`")
        }
        LineError::ExtraKey(key) => format!(
            "{node} printed a message with an extra top-level key `{key}`: `{shown}` — only src, \
             dest, body (and id) may appear at the top level; fields like type or msg_id belong \
             inside body"
        ),
    }
}

/// The consequence every stdout diagnosis shares.
pub fn mute_consequence(node: &str) -> String {
    format!(
        "Maelstrom stops reading {node}'s stdout after such a line: everything {node} prints \
         afterwards is lost, so its clients time out. The builtin engine does the same."
    )
}

/// Splits raw stdout bytes into lines the way Java's `readLine` does: `\n`, `\r` and `\r\n` all
/// end a line. `chunk` is one `\n`-terminated read, without the `\n`.
pub fn split_java_lines(chunk: &str) -> impl Iterator<Item = &str> {
    let chunk = chunk.strip_suffix('\r').unwrap_or(chunk);
    chunk.split('\r')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_a_message_and_ignores_trailing_text() {
        let m = parse_line(r#"{"src":"n0","dest":"c1","body":{"type":"echo_ok"}} trailing {}"#)
            .unwrap();
        assert_eq!(m.dest, "c1");
        assert_eq!(m.body, json!({"type": "echo_ok"}));
    }

    #[test]
    fn id_is_allowed_and_body_defaults_to_empty() {
        let m = parse_line(r#"{"id":4,"src":"n0","dest":"n1"}"#).unwrap();
        assert_eq!(m.body, json!({}));
        let m = parse_line(r#"{"src":"n0","dest":"n1","body":null}"#).unwrap();
        assert_eq!(m.body, json!({}));
    }

    #[test]
    fn rejects_what_maelstrom_rejects() {
        assert_eq!(parse_line("hello"), Err(LineError::NotJson));
        assert_eq!(parse_line(""), Err(LineError::Blank));
        assert_eq!(parse_line("   "), Err(LineError::Blank));
        assert_eq!(parse_line("null"), Err(LineError::Blank));
        assert_eq!(parse_line("[1]"), Err(LineError::NotAnObject));
        assert_eq!(
            parse_line(r#"{"src":"n0","dest":"n1","body":{},"extra":1}"#),
            Err(LineError::ExtraKey("extra".into()))
        );
        assert_eq!(
            parse_line(r#"{"dest":"n1","body":{}}"#),
            Err(LineError::Missing("src"))
        );
        assert_eq!(
            parse_line(r#"{"src":"n0","dest":1,"body":{}}"#),
            Err(LineError::WrongType {
                key: "dest",
                expected: "a string"
            })
        );
        assert_eq!(
            parse_line(r#"{"src":"n0","dest":"n1","body":{},"id":1.5}"#),
            Err(LineError::WrongType {
                key: "id",
                expected: "an integer"
            })
        );
        assert_eq!(
            parse_line(r#"{"src":"n0","dest":"n1","body":3}"#),
            Err(LineError::BodyNotAnObject)
        );
    }

    #[test]
    fn diagnosis_quotes_the_line_and_says_where_debug_output_goes() {
        let text = describe("n0", "hello", &LineError::NotJson);
        assert_eq!(
            text,
            "n0 printed a line that is not JSON: `hello` — debug output belongs on stderr"
        );
        let long = "x".repeat(500);
        assert!(describe("n0", &long, &LineError::NotJson).contains('…'));
    }

    #[test]
    fn java_line_endings() {
        assert_eq!(split_java_lines("a\r").collect::<Vec<_>>(), ["a"]);
        assert_eq!(split_java_lines("a\rb").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(split_java_lines("").collect::<Vec<_>>(), [""]);
    }
}
