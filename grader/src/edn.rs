//! Reading EDN, the format of Maelstrom's `results.edn` and `history.edn`.
//!
//! Parsing is the `edn-format` crate's; this module converts its values into our [`Value`] and
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

/// Parses one EDN value from `text`.
pub fn parse(text: &str) -> Result<Value, EdnError> {
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
        E::BigDec(d) => d
            .to_string()
            .parse::<f64>()
            .map_or_else(|_| Value::Str(d.to_string()), Value::Float),
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
