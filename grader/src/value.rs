//! The one value type every history and result is made of.
//!
//! Maelstrom's histories are EDN (keywords, vectors, sets, maps with any keys), while the builtin
//! engine records JSON bodies from the wire. Checkers must work on both, so both are converted into
//! this [`Value`], which keeps the distinctions Clojure's equality keeps: `1`, `1.0` and `"1"` are
//! three different values, and a keyword `:ok` is not the string `"ok"`.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};

/// An EDN-shaped value. Lists and vectors are both [`Value::Vec`]: Clojure compares them as equal.
#[derive(Debug, Clone)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    /// An integer outside `i64` (a `u64` id with the high bit set, a Clojure `BigInt`): kept
    /// exact, because ids that differ only in their low bits must stay different.
    BigInt(i128),
    Float(f64),
    Str(String),
    /// A keyword, stored without its leading colon (`:ok` is `Keyword("ok")`).
    Keyword(String),
    /// A symbol (rare in histories; kept so that nothing is lost).
    Symbol(String),
    Vec(Vec<Value>),
    /// A set, its elements in sorted order.
    Set(Vec<Value>),
    /// A map, its entries in the order they were read or built.
    Map(Vec<(Value, Value)>),
    /// A tagged literal such as `#jepsen.history.Op{...}`: the tag and the value it tags.
    Tagged(String, Box<Value>),
}

impl Value {
    /// A keyword value, from its name without the colon.
    pub fn keyword(name: &str) -> Value {
        Value::Keyword(name.to_owned())
    }

    /// A map from `(keyword, value)` pairs, the most common shape in results.
    pub fn keyword_map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::keyword(k), v))
                .collect(),
        )
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The number as a float, for integers and floats alike.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::BigInt(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The keyword's name, without the colon.
    pub fn as_keyword(&self) -> Option<&str> {
        match self {
            Value::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// The elements of a vector, list or set.
    pub fn as_slice(&self) -> Option<&[Value]> {
        match self {
            Value::Vec(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(m) => Some(m),
            Value::Tagged(_, inner) => inner.as_map(),
            _ => None,
        }
    }

    /// Looks up a keyword key in a map (or a tagged map such as a `#jepsen.history.Op`).
    pub fn get(&self, keyword: &str) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_keyword() == Some(keyword))
            .map(|(_, v)| v)
    }

    /// Looks up any key in a map.
    pub fn get_value(&self, key: &Value) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Follows a path of keyword keys: `results.path(&["net", "servers", "msgs-per-op"])`.
    pub fn path(&self, keywords: &[&str]) -> Option<&Value> {
        keywords.iter().try_fold(self, |v, k| v.get(k))
    }

    /// Converts a JSON value as it came off the wire. Object keys become strings, as Maelstrom's
    /// nested maps keep string keys.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Value::Int(i),
                (None, Some(u)) => Value::BigInt(i128::from(u)),
                _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => Value::Vec(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (Value::Str(k.clone()), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts to JSON for sending on the wire. Keywords become strings; map keys are rendered as
    /// strings (JSON has no other kind).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::BigInt(i) => u64::try_from(*i)
                .map(J::from)
                .unwrap_or_else(|_| J::String(i.to_string())),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) | Value::Keyword(s) | Value::Symbol(s) => J::String(s.clone()),
            Value::Vec(v) | Value::Set(v) => J::Array(v.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Value::Str(s) | Value::Keyword(s) | Value::Symbol(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (key, v.to_json())
                    })
                    .collect(),
            ),
            Value::Tagged(_, inner) => inner.to_json(),
        }
    }

    /// A rank per variant, so that values of different kinds have a total order.
    fn rank(&self) -> u8 {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::BigInt(_) => 2,
            Value::Float(_) => 3,
            Value::Str(_) => 4,
            Value::Keyword(_) => 5,
            Value::Symbol(_) => 6,
            Value::Vec(_) => 7,
            Value::Set(_) => 8,
            Value::Map(_) => 9,
            Value::Tagged(..) => 10,
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A total order: by kind first, then by content. Integers and floats never compare equal, as in
/// Clojure's `=`. Maps compare as sorted entry lists, so entry order does not matter.
impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Value::Nil, Value::Nil) => Ordering::Equal,
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::BigInt(a), Value::BigInt(b)) => a.cmp(b),
            (Value::Int(a), Value::BigInt(b)) => i128::from(*a).cmp(b),
            (Value::BigInt(a), Value::Int(b)) => a.cmp(&i128::from(*b)),
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            (Value::Str(a), Value::Str(b))
            | (Value::Keyword(a), Value::Keyword(b))
            | (Value::Symbol(a), Value::Symbol(b)) => a.cmp(b),
            (Value::Vec(a), Value::Vec(b)) | (Value::Set(a), Value::Set(b)) => a.cmp(b),
            (Value::Map(a), Value::Map(b)) => {
                let mut a: Vec<_> = a.iter().collect();
                let mut b: Vec<_> = b.iter().collect();
                a.sort();
                b.sort();
                a.cmp(&b)
            }
            (Value::Tagged(ta, a), Value::Tagged(tb, b)) => ta.cmp(tb).then_with(|| a.cmp(b)),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Value::Nil => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) => i128::from(*i).hash(state),
            Value::BigInt(i) => i.hash(state),
            Value::Float(f) => f.to_bits().hash(state),
            Value::Str(s) | Value::Keyword(s) | Value::Symbol(s) => s.hash(state),
            Value::Vec(v) | Value::Set(v) => v.hash(state),
            Value::Map(m) => {
                let mut entries: Vec<_> = m.iter().collect();
                entries.sort();
                entries.hash(state);
            }
            Value::Tagged(t, v) => {
                t.hash(state);
                v.hash(state);
            }
        }
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl Value {
    /// Appends the value as EDN to `out`, the text [`Display`](fmt::Display) gives. Histories of
    /// tens of thousands of ops are written this way: without `fmt`'s machinery per integer.
    pub fn write_edn(&self, out: &mut String) {
        fn join(out: &mut String, items: &[Value]) {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                item.write_edn(out);
            }
        }
        match self {
            Value::Nil => out.push_str("nil"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            Value::BigInt(i) => {
                out.push_str(itoa::Buffer::new().format(*i));
                out.push('N');
            }
            Value::Float(x) if x.fract() == 0.0 && x.is_finite() => {
                let _ = write!(out, "{x:.1}");
            }
            Value::Float(x) => {
                let _ = write!(out, "{x}");
            }
            Value::Str(s) => write_json_string(out, s),
            Value::Keyword(k) => {
                out.push(':');
                out.push_str(k);
            }
            Value::Symbol(s) => out.push_str(s),
            Value::Vec(v) => {
                out.push('[');
                join(out, v);
                out.push(']');
            }
            Value::Set(v) => {
                out.push_str("#{");
                join(out, v);
                out.push('}');
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_edn(out);
                    out.push(' ');
                    v.write_edn(out);
                }
                out.push('}');
            }
            Value::Tagged(tag, v) => {
                out.push('#');
                out.push_str(tag);
                v.write_edn(out);
            }
        }
    }
}

/// A string as JSON writes it (EDN's strings escape alike): as it is when nothing in it needs an
/// escape, which is nearly always.
fn write_json_string(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::String(s.to_owned()).to_string());
    }
}

/// Prints the value as EDN, the way a history line shows it.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.write_edn(&mut text);
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_floats_and_strings_are_distinct_as_in_clojure() {
        assert_ne!(Value::Int(1), Value::Float(1.0));
        assert_ne!(Value::Int(1), Value::Str("1".into()));
        assert_ne!(Value::Str("ok".into()), Value::keyword("ok"));
    }

    #[test]
    fn maps_compare_regardless_of_entry_order() {
        let a = Value::keyword_map([("a", Value::Int(1)), ("b", Value::Int(2))]);
        let b = Value::keyword_map([("b", Value::Int(2)), ("a", Value::Int(1))]);
        assert_eq!(a, b);
    }

    #[test]
    fn json_round_trip_keeps_numbers_apart() {
        let json = serde_json::json!({"type": "read_ok", "value": 3.0, "n": 3});
        let v = Value::from_json(&json);
        assert_eq!(v.get_value(&"value".into()), Some(&Value::Float(3.0)));
        assert_eq!(v.get_value(&"n".into()), Some(&Value::Int(3)));
        assert_eq!(v.to_json(), json);
    }

    #[test]
    fn integers_beyond_i64_stay_exact_and_distinct() {
        let a = Value::from_json(&serde_json::json!(18446744073709551615u64));
        let b = Value::from_json(&serde_json::json!(18446744073709551614u64));
        assert_eq!(a, Value::BigInt(18446744073709551615));
        assert_ne!(a, b);
        assert_eq!(a.to_json(), serde_json::json!(18446744073709551615u64));
        assert_eq!(a.to_string(), "18446744073709551615N");
    }

    #[test]
    fn displays_as_edn() {
        let v = Value::Vec(vec![
            Value::keyword("r"),
            Value::Int(9),
            Value::Nil,
            Value::Str("a\"b".into()),
        ]);
        assert_eq!(v.to_string(), r#"[:r 9 nil "a\"b"]"#);
    }
}
