//! Reading EDN, the format of Maelstrom's `results.edn` and `history.edn`.
//!
//! Parsing is the `edn-format` crate's, but for the plain subset the grader writes itself
//! ([`fast`]); this module converts its values into our [`Value`] and
//! reads Jepsen's records (`#jepsen.history.Op{…}`) as tagged maps rather than as Clojure 1.9
//! namespaced maps, which would otherwise rename every key.

use crate::value::Value;

/// EDN text that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not valid EDN at line {row}, column {col}: {message}")]
pub struct EdnError {
    pub row: usize,
    pub col: usize,
    pub message: String,
}

/// The deepest nesting read. Jepsen's files nest a handful of levels; the EDN parser and
/// [`Value`] recurse, so a hostile file nested a million deep must be refused, not crash.
pub const MAX_DEPTH: usize = 200;

mod fast;

/// Parses one EDN value from `text`: the plain EDN the grader writes by a reader of its own
/// ([`fast`], ten times quicker), anything else by `edn-format`.
pub fn parse(text: &str) -> Result<Value, EdnError> {
    match fast::parse(text) {
        Some(value) => Ok(value),
        None => parse_any(text),
    }
}

/// Parses one EDN value from `text` with `edn-format`.
fn parse_any(text: &str) -> Result<Value, EdnError> {
    if let Some((row, col, message)) = refused(text) {
        return Err(EdnError { row, col, message });
    }
    let options = edn_format::ParserOptions {
        allow_namespaced_map_syntax: false,
    };
    edn_format::parse_str_with_options(text, options)
        .map(|v| convert(&v))
        .map_err(|e| EdnError {
            row: e.row,
            col: e.col,
            message: format!("{:?}", e.error),
        })
}

/// What in `text` the parser must not be given, and where: more than [`MAX_DEPTH`] nested
/// collections, or a `…M` decimal with an exponent of five digits or more (the `bigdecimal`
/// crate hashes `1e75612697728M` by writing out its 75 GB of zeros: found by the fuzz test).
/// Strings, character literals and comments are skipped.
fn refused(text: &str) -> Option<(usize, usize, String)> {
    let (mut depth, mut row, mut col) = (0usize, 1usize, 0usize);
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        col += 1;
        match c {
            '\n' => (row, col) = (row + 1, 0),
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        '\n' => (row, col) = (row + 1, 0),
                        _ => {}
                    }
                }
            }
            '\\' => {
                // edn-format slices the four bytes after `\u` as text, and panics when they
                // cut a character in two (found by the fuzz test).
                let rest = &text.as_bytes()[at + 1..];
                if rest.first() == Some(&b'u') && rest.len() >= 5 && !rest[1..5].is_ascii() {
                    return Some((
                        row,
                        col,
                        "a \\u character literal needs four hex digits".into(),
                    ));
                }
                chars.next();
            }
            ';' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        (row, col) = (row + 1, 0);
                        break;
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let why = format!("nested deeper than {MAX_DEPTH} levels");
                    return Some((row, col, why));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '0'..='9' | '+' | '-' | '.' => {
                let mut token = String::from(c);
                while let Some(&(_, next)) = chars.peek() {
                    if next.is_whitespace() || "()[]{}\",;".contains(next) {
                        break;
                    }
                    token.push(next);
                    chars.next();
                }
                col += token.chars().count() - 1;
                if huge_decimal(&token) {
                    let shown: String = token.chars().take(40).collect();
                    let why = format!("the decimal {shown} has an exponent too large to read");
                    return Some((row, col, why));
                }
            }
            _ => {}
        }
    }
    None
}

/// `1.5e12345M`: a `…M` decimal whose exponent has five digits or more.
fn huge_decimal(token: &str) -> bool {
    let Some(number) = token.strip_suffix('M') else {
        return false;
    };
    let Some(at) = number.find(['e', 'E']) else {
        return false;
    };
    let exponent = number[at + 1..]
        .trim_start_matches(['+', '-'])
        .trim_start_matches('0');
    exponent.len() >= 5
}

fn convert(value: &edn_format::Value) -> Value {
    use edn_format::Value as E;
    match value {
        E::Nil => Value::Nil,
        E::Boolean(b) => Value::Bool(*b),
        E::Character(c) => Value::Str(c.to_string()),
        E::String(s) => Value::Str(s.clone()),
        E::Symbol(s) => Value::Symbol(qualified(s.namespace(), s.name())),
        E::Keyword(k) => Value::Keyword(qualified(k.namespace(), k.name())),
        E::Integer(i) => Value::Int(*i),
        E::Float(f) => Value::Float(f.into_inner()),
        E::BigInt(b) => {
            let digits = b.to_string();
            match (digits.parse::<i64>(), digits.parse::<i128>()) {
                (Ok(i), _) => Value::Int(i),
                (_, Ok(i)) => Value::BigInt(i),
                _ => Value::Str(digits),
            }
        }
        E::BigDec(d) => {
            let (digits, scale) = d.as_bigint_and_exponent();
            big_decimal(&digits.to_string(), scale, || d.to_string())
        }
        E::List(items) | E::Vector(items) => Value::Vec(items.iter().map(convert).collect()),
        E::Map(map) => Value::Map(map.iter().map(|(k, v)| (convert(k), convert(v))).collect()),
        E::Set(set) => Value::Set(set.iter().map(convert).collect()),
        E::Inst(t) => Value::Str(t.to_rfc3339()),
        E::Uuid(u) => Value::Str(u.to_string()),
        E::TaggedElement(tag, inner) => Value::Tagged(
            qualified(tag.namespace(), tag.name()),
            Box::new(convert(inner)),
        ),
    }
}

/// A `…M` decimal as a float. Its text is never expanded when the exponent is far out of a
/// float's range: `1e-82849547952M` would print as 82 GB of zeros (found by the fuzz test).
fn big_decimal(digits: &str, scale: i64, text: impl Fn() -> String) -> Value {
    let negative = digits.starts_with('-');
    let magnitude = digits.trim_start_matches('-').len() as i64 - scale;
    if magnitude > 400 {
        return Value::Float(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if magnitude < -400 {
        return Value::Float(if negative { -0.0 } else { 0.0 });
    }
    let text = text();
    text.parse::<f64>()
        .map_or_else(|_| Value::Str(text.clone()), Value::Float)
}

fn qualified(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jepsen_records_as_tagged_maps() {
        let v = parse("{:known #jepsen.history.Op{:index 1, :type :ok, :value [0 1]}}").unwrap();
        let op = v.get("known").unwrap();
        assert!(matches!(op, Value::Tagged(tag, _) if tag == "jepsen.history.Op"));
        assert_eq!(op.get("index"), Some(&Value::Int(1)));
        assert_eq!(op.get("type"), Some(&Value::keyword("ok")));
    }

    #[test]
    fn reads_sets_numbers_and_string_keys() {
        let v = parse(r#"{:a #{1 2}, "k" 2.5, 0 nil, :valid? true}"#).unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Value::Set(vec![Value::Int(1), Value::Int(2)]))
        );
        assert_eq!(v.get_value(&"k".into()), Some(&Value::Float(2.5)));
        assert_eq!(v.get_value(&Value::Int(0)), Some(&Value::Nil));
        assert_eq!(v.get("valid?"), Some(&Value::Bool(true)));
    }

    #[test]
    fn refuses_hostile_nesting_but_not_brackets_in_strings() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse(&deep).unwrap_err();
        assert!(err.to_string().contains("nested deeper than 200"), "{err}");
        let fine = format!("[\"{}\" \\( ; (((\n]", "[".repeat(1000));
        assert!(parse(&fine).is_ok(), "{fine}");
    }

    #[test]
    fn decimals_with_huge_exponents_are_not_expanded() {
        let start = std::time::Instant::now();
        let v = parse("[1.5e-4000M -2e9999M 2.5M 1e00003M]").unwrap();
        assert_eq!(
            v,
            Value::Vec(vec![
                Value::Float(0.0),
                Value::Float(f64::NEG_INFINITY),
                Value::Float(2.5),
                Value::Float(1000.0)
            ])
        );
        for huge in ["#{1e75612697728M}", "[1.5e-82849547952M]", "{2E+99999M 1}"] {
            let err = parse(huge).unwrap_err();
            assert!(
                err.to_string()
                    .contains("has an exponent too large to read"),
                "{err}"
            );
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn a_unicode_literal_cut_by_a_wide_character_is_refused_not_a_panic() {
        let err = parse("\\u a ¡").unwrap_err();
        assert!(err.to_string().contains("four hex digits"), "{err}");
        assert_eq!(parse("\\u0041").unwrap(), Value::Str("A".into()));
        assert_eq!(
            parse("[\\u]").unwrap(),
            Value::Vec(vec![Value::Str("u".into())])
        );
    }

    #[test]
    fn rejects_broken_text_with_a_position() {
        let err = parse("{:a [1 2}").unwrap_err();
        assert!(err.to_string().contains("not valid EDN"), "{err}");
    }
}

#[cfg(test)]
mod bigint_tests {
    use super::*;

    #[test]
    fn big_integers_round_trip_exactly() {
        // Clojure prints integers beyond a long with an N suffix, as Value does.
        let v = parse("[18446744073709551615N 9223372036854775808N 1]").unwrap();
        assert_eq!(
            v,
            Value::Vec(vec![
                Value::BigInt(18446744073709551615),
                Value::BigInt(9223372036854775808),
                Value::Int(1)
            ])
        );
        assert_eq!(parse(&v.to_string()).unwrap(), v);
    }
}
