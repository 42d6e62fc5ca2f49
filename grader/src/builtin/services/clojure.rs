//! How Maelstrom's services see JSON values: Clojure's equality and Clojure's printing.
//!
//! Services compare keys and values with Clojure's `=` (so `1`, `1.0` and `"1"` are three different
//! values) and write the current value and the expected one into cas error texts with `pr-str`
//! (lin-kv, seq-kv) or `str` (lww-kv's `from`). A learner who reads
//! `current value "3" is not 3` learns that they stored a string, so the printing must be exact.
//!
//! Maelstrom keywordizes only the top level of a message and its body, so nested maps keep their
//! string keys and print as `{"a" 1, "b" 2}`.

use std::fmt::Write as _;

use serde_json::Value as Json;

/// Clojure's `=` on two JSON values as Maelstrom parsed them: numbers are equal only within the
/// same category (integers with integers, floats with floats, where `0.0 = -0.0`), sequences
/// element-wise, maps regardless of entry order.
pub fn equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Null, Json::Null) => true,
        (Json::Bool(x), Json::Bool(y)) => x == y,
        (Json::Number(x), Json::Number(y)) => match (integer(x), integer(y)) {
            (Some(i), Some(j)) => i == j,
            (None, None) => x.as_f64() == y.as_f64(),
            _ => false,
        },
        (Json::String(x), Json::String(y)) => x == y,
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => false,
    }
}

/// The number as an integer, if JSON gave an integer (Jackson reads those as `Long` or
/// `BigInteger`, never as `Double`).
fn integer(n: &serde_json::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// A string that identifies a key up to Clojure equality, for use as a map key: JSON text with
/// sorted object keys, where integers and floats print differently (`1` vs `1.0`).
pub fn canonical_key(key: &Json) -> String {
    key.to_string()
}

/// `pr-str`: the value as Clojure prints it readably.
pub fn pr_str(value: &Json) -> String {
    let mut out = String::new();
    print(value, &mut out);
    out
}

/// `str`: like [`pr_str`] except that `nil` is empty, a string is its bare text and a big integer
/// has no `BIGINT` suffix; collections still print readably.
pub fn str(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Number(n) if n.as_i64().is_none() && n.as_u64().is_some() => n.to_string(),
        other => pr_str(other),
    }
}

fn print(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("nil"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                // Beyond a Long, Jackson gives a BigInteger, which Clojure prints with a suffix.
                let _ = write!(out, "{u}BIGINT");
            } else {
                out.push_str(&java_double(n.as_f64().unwrap_or(f64::NAN)));
            }
        }
        Json::String(s) => print_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print(item, out);
            }
            out.push(']');
        }
        Json::Object(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_string(k, out);
                out.push(' ');
                print(v, out);
            }
            out.push('}');
        }
    }
}

/// A string in double quotes with Clojure's escapes (only these seven characters are escaped;
/// everything else, including other control characters, prints as itself).
fn print_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{0c}' => out.push_str("\\f"),
            '\u{08}' => out.push_str("\\b"),
            other => out.push(other),
        }
    }
    out.push('"');
}

/// Java's `Double.toString` (shortest digits, as since JDK 19): plain decimal with at least one
/// fractional digit for magnitudes in [10⁻³, 10⁷), else `d.dddE±n`.
fn java_double(x: f64) -> String {
    if x.is_nan() {
        return "##NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "##Inf" } else { "##-Inf" }.to_owned();
    }
    let magnitude = x.abs();
    if x == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{x}");
        return if plain.contains('.') {
            plain
        } else {
            plain + ".0"
        };
    }
    // Rust's `{:e}` gives the same shortest digits as `d.ddde±n`.
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_owned()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_equal_only_within_their_category() {
        assert!(equal(&json!(1), &json!(1)));
        assert!(!equal(&json!(1), &json!(1.0)));
        assert!(!equal(&json!(1), &json!("1")));
        assert!(equal(&json!(0.0), &json!(-0.0)));
        assert!(equal(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(!equal(&json!(null), &json!(false)));
    }

    #[test]
    fn collections_compare_structurally() {
        assert!(equal(&json!([1, [2, "a"]]), &json!([1, [2, "a"]])));
        assert!(!equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!equal(&json!([1]), &json!([1.0])));
        assert!(equal(
            &json!({"a": 1, "b": [2]}),
            &json!({"b": [2], "a": 1})
        ));
        assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn canonical_keys_separate_what_clojure_separates() {
        assert_ne!(canonical_key(&json!(1)), canonical_key(&json!(1.0)));
        assert_ne!(canonical_key(&json!(1)), canonical_key(&json!("1")));
        assert_eq!(
            canonical_key(&json!({"a": 1, "b": 2})),
            canonical_key(&json!({"b": 2, "a": 1}))
        );
    }

    #[test]
    fn prints_like_pr_str() {
        assert_eq!(pr_str(&json!(null)), "nil");
        assert_eq!(pr_str(&json!(true)), "true");
        assert_eq!(pr_str(&json!(-42)), "-42");
        assert_eq!(pr_str(&json!(u64::MAX)), "18446744073709551615BIGINT");
        assert_eq!(pr_str(&json!("a\"b\\c\nd")), r#""a\"b\\c\nd""#);
        assert_eq!(pr_str(&json!("é\u{1}")), "\"é\u{1}\"");
        assert_eq!(
            pr_str(&json!([1, "x", null, [true]])),
            r#"[1 "x" nil [true]]"#
        );
        assert_eq!(pr_str(&json!([])), "[]");
        assert_eq!(pr_str(&json!({"a": 1, "b": [2]})), r#"{"a" 1, "b" [2]}"#);
        assert_eq!(pr_str(&json!({})), "{}");
    }

    #[test]
    fn prints_doubles_like_java() {
        for (x, text) in [
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1234567.0, "1234567.0"),
            (1e7, "1.0E7"),
            (1.5e10, "1.5E10"),
            (0.1, "0.1"),
            (123.456, "123.456"),
            (-1.25e-5, "-1.25E-5"),
        ] {
            assert_eq!(pr_str(&json!(x)), text, "{x}");
        }
    }

    #[test]
    fn str_is_bare_for_nil_and_strings_only() {
        assert_eq!(str(&json!(null)), "");
        assert_eq!(str(&json!("abc")), "abc");
        assert_eq!(str(&json!(3)), "3");
        assert_eq!(str(&json!(3.0)), "3.0");
        assert_eq!(str(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(str(&json!(["a"])), r#"["a"]"#);
    }
}
