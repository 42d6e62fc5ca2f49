//! Reading what a node prints on stdout (Maelstrom spec §3.4), and saying what is wrong with it
//! in words a beginner understands.
//!
//! Maelstrom takes the first JSON value on a line (anything after it is ignored), requires a
//! closed top-level object — `src` and `dest` strings, `body`, optional integer `id`, nothing
//! else — and treats a missing or null body as `{}`. A line that fails any of this makes Maelstrom
//! stop reading that node's stdout for the rest of the test; the harness does the same, and
//! reports why.
//!
//! JSON is read as Maelstrom's Jackson reads it, not as serde_json's defaults would: nesting up to
//! [`MAX_DEPTH`] levels (serde_json stops at 128; deeper lines are read on a thread with a stack
//! they fit in, so depth cannot overflow the grader's), integers beyond `u64` as numbers (floats
//! here: serde_json's `Value` has no big integers), and floats beyond `f64` such as `1e400`, which
//! Java reads as Infinity, as the largest finite float.

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
    /// Nested deeper than [`MAX_DEPTH`] levels.
    TooDeep,
}

/// The deepest nesting read: Jackson's default limit (`StreamReadConstraints`, 1000 levels),
/// far beyond serde_json's 128.
pub const MAX_DEPTH: usize = 1000;

/// Nesting that serde_json reads on the grader's own stack with its default recursion limit.
const SHALLOW: usize = 100;

/// What a quick pass over a line found before parsing it.
#[derive(Debug, Default)]
struct Scan {
    too_deep: bool,
    /// The deepest nesting seen.
    depth: usize,
    /// Byte ranges of number tokens that overflow `f64` (Java reads them as ±Infinity).
    huge: Vec<(usize, usize)>,
}

/// Scans the first JSON value of `line` for nesting depth and overflowing numbers, skipping
/// strings. It does not validate: the parser does that.
fn scan(line: &str) -> Scan {
    let bytes = line.as_bytes();
    let mut out = Scan::default();
    let (mut depth, mut i, mut in_string) = (0usize, 0usize, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                out.depth = out.depth.max(depth);
                if depth > MAX_DEPTH {
                    out.too_deep = true;
                    break;
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                let token = &line[start..i];
                // Only an exponent or 309 digits reach past f64: the rest need no parse here.
                let may_overflow =
                    token.len() > 308 || token.bytes().any(|b| matches!(b, b'e' | b'E'));
                if may_overflow && token.parse::<f64>().is_ok_and(f64::is_infinite) {
                    out.huge.push((start, i));
                }
                if depth == 0 {
                    break;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The first JSON value of `line`, read as Maelstrom reads it (see the module header).
fn first_value(line: &str) -> Result<Option<Json>, LineError> {
    let found = scan(line);
    if found.too_deep {
        return Err(LineError::TooDeep);
    }
    let mut owned;
    let mut text = line;
    if !found.huge.is_empty() {
        owned = String::with_capacity(line.len());
        let mut at = 0;
        for (start, end) in found.huge {
            owned.push_str(&line[at..start]);
            let negative = line[start..end].starts_with('-');
            owned.push_str(if negative {
                "-1.7976931348623157e308"
            } else {
                "1.7976931348623157e308"
            });
            at = end;
        }
        owned.push_str(&line[at..]);
        text = &owned;
    }
    // Nearly every line nests a few levels: within serde_json's own limit (128) it is read here,
    // on the calling thread's stack.
    let parsed = if found.depth < SHALLOW {
        serde::Deserialize::deserialize(&mut serde_json::Deserializer::from_str(text))
    } else {
        parse_deep(text)?
    };
    match parsed {
        Ok(v) => Ok(Some(v)),
        // Only whitespace: serde_json says "EOF while parsing a value".
        Err(e) if e.is_eof() && text.trim().is_empty() => Ok(None),
        Err(_) => Err(LineError::NotJson),
    }
}

/// Stack for reading a line nested up to [`MAX_DEPTH`] levels: serde_json recurses once per
/// level, a few hundred bytes each. Reserved, not used: the pages a parse never touches cost
/// nothing.
const DEEP_STACK: usize = 64 * 1024 * 1024;

/// Reads a deeply nested line (rare: only a node that means harm writes one) on a thread of its
/// own, with a stack [`MAX_DEPTH`] levels fit in, and serde_json's limit of 128 lifted.
fn parse_deep(text: &str) -> Result<serde_json::Result<Json>, LineError> {
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("deep json".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, || {
                let mut de = serde_json::Deserializer::from_str(text);
                de.disable_recursion_limit();
                serde::Deserialize::deserialize(&mut de)
            });
        // Without a thread to read it on, the line is as unreadable as one too deep.
        reader
            .ok()
            .and_then(|reader| reader.join().ok())
            .ok_or(LineError::TooDeep)
    })
}

/// Parses one stdout line as Maelstrom does.
pub fn parse_line(line: &str) -> Result<Outgoing, LineError> {
    let value = match first_value(line)? {
        None => return Err(LineError::Blank),
        Some(v) => v,
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
        // serde_json reads an integer beyond u64 as a float; Jackson, as a BigInteger.
        let big_integer = id
            .as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 9.2e18);
        if !(id.is_i64() || id.is_u64() || big_integer) {
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

/// Shortens a stderr line for a report (longer than [`excerpt`]: logs carry context).
pub fn excerpt_long(line: &str) -> String {
    const MAX: usize = 400;
    if line.chars().count() <= MAX {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// The advice that goes with a diagnosis.
pub fn hint(error: &LineError) -> String {
    match error {
        LineError::TooDeep => format!(
            "Maelstrom's JSON reader (Jackson) stops at {MAX_DEPTH} levels of nesting; so does \
             the grader."
        ),
        _ => "Only protocol messages may go to stdout; print logs with eprintln!.".into(),
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
        LineError::TooDeep => {
            format!("{node} printed JSON nested deeper than {MAX_DEPTH} levels: `{shown}`")
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
    fn deep_nesting_is_read_up_to_jacksons_limit() {
        let nested = |n: usize| {
            format!(
                r#"{{"src":"n0","dest":"c1","body":{{"deep":{}1{}}}}}"#,
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        // serde_json alone would stop at 128; either side of the shallow fast path reads alike.
        assert!(parse_line(&nested(900)).is_ok());
        for n in [SHALLOW - 3, SHALLOW - 2, SHALLOW - 1, 126, 127, 128, 129] {
            let m = parse_line(&nested(n)).unwrap();
            let mut v = &m.body["deep"];
            for _ in 0..n {
                v = &v[0];
            }
            assert_eq!(v, 1, "depth {n}");
        }
        assert_eq!(parse_line(&nested(5000)), Err(LineError::TooDeep));
        assert!(describe("n0", &nested(5000), &LineError::TooDeep).contains("deeper than 1000"));
        // Brackets inside strings do not count.
        let in_string = format!(
            r#"{{"src":"n0","dest":"c1","body":{{"s":"{}"}}}}"#,
            "[".repeat(5000)
        );
        assert!(parse_line(&in_string).is_ok());
    }

    #[test]
    fn numbers_beyond_i64_and_f64_are_numbers() {
        let m = parse_line(r#"{"src":"n0","dest":"c1","body":{"id":123456789012345678901234567890,"f":1e400,"g":-1e400}}"#).unwrap();
        assert!(m.body["id"].is_number());
        assert_eq!(m.body["f"].as_f64(), Some(f64::MAX));
        assert_eq!(m.body["g"].as_f64(), Some(f64::MIN));
        // Without an exponent, 309 digits and more overflow too; 308 nines do not.
        let digits = |n: usize| {
            let line = format!(
                r#"{{"src":"n0","dest":"c1","body":{{"x":{}}}}}"#,
                "9".repeat(n)
            );
            parse_line(&line).unwrap().body["x"].as_f64().unwrap()
        };
        assert_eq!(digits(400), f64::MAX);
        assert!(digits(308) > 9.9e307 && digits(308) < f64::MAX);
        // A big integer is an integer id for Jackson's schema; 1.5 is not.
        assert!(
            parse_line(r#"{"id":123456789012345678901234567890,"src":"n0","dest":"n1"}"#).is_ok()
        );
        // 1e400 inside a string is text, untouched.
        let m = parse_line(r#"{"src":"n0","dest":"c1","body":{"s":"1e400"}}"#).unwrap();
        assert_eq!(m.body["s"], "1e400");
    }

    #[test]
    fn java_line_endings() {
        assert_eq!(split_java_lines("a\r").collect::<Vec<_>>(), ["a"]);
        assert_eq!(split_java_lines("a\rb").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(split_java_lines("").collect::<Vec<_>>(), [""]);
    }
}
