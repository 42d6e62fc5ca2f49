//! Closed schemas for reply bodies (Maelstrom spec §5.2).
//!
//! Maelstrom validates every successful reply against its RPC's response schema, a *closed* map:
//! exactly the listed keys, plus an optional integer `msg_id` and a required integer
//! `in_reply_to`. An extra key, a missing one, or `1.0` where an integer belongs makes the
//! operation `:info` with a `:malformed-rpc-response` exception. Error replies are not validated.

use serde_json::Value as Json;

/// What one field must hold.
#[derive(Debug, Clone, Copy)]
pub enum Field {
    /// Anything, null included.
    Any,
    /// A JSON integer (`1.0` is not one).
    Int,
    /// A JSON string.
    Str,
    /// A JSON array of anything; null also passes, as with Prismatic's `[s/Any]`.
    List,
    /// A custom rule and the words that describe it ("a map of string keys to integers").
    Custom(fn(&Json) -> bool, &'static str),
}

impl Field {
    fn accepts(self, v: &Json) -> bool {
        match self {
            Field::Any => true,
            Field::Int => is_int(v),
            Field::Str => v.is_string(),
            Field::List => v.is_array() || v.is_null(),
            Field::Custom(rule, _) => rule(v),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Field::Any => "anything",
            Field::Int => "an integer",
            Field::Str => "a string",
            Field::List => "a JSON array",
            Field::Custom(_, words) => words,
        }
    }
}

/// Whether a JSON value is an integer in Clojure's sense (not `1.0`).
pub fn is_int(v: &Json) -> bool {
    v.is_i64() || v.is_u64()
}

/// A reply schema: its `type` and the other fields it must have.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub reply_type: &'static str,
    pub fields: &'static [(&'static str, Field)],
}

impl Schema {
    /// Checks a reply body; the error says what is wrong in a sentence.
    pub fn validate(&self, body: &Json) -> Result<(), String> {
        let Some(map) = body.as_object() else {
            return Err("the reply body is not a JSON object".into());
        };
        let expected_type = Json::from(self.reply_type);
        match map.get("type") {
            Some(t) if *t == expected_type => {}
            Some(t) => {
                return Err(format!(
                    "its type is {t}, but the reply to this request must have type \"{}\"",
                    self.reply_type
                ))
            }
            None => return Err("it has no `type`".into()),
        }
        match map.get("in_reply_to") {
            None => return Err("it has no `in_reply_to`".into()),
            Some(v) if !is_int(v) => {
                return Err(format!("`in_reply_to` must be an integer, got {v}"))
            }
            _ => {}
        }
        if let Some(v) = map.get("msg_id") {
            if !is_int(v) {
                return Err(format!("`msg_id` must be an integer, got {v}"));
            }
        }
        for (key, field) in self.fields {
            match map.get(*key) {
                None => return Err(format!("it has no `{key}`")),
                Some(v) if !field.accepts(v) => {
                    return Err(format!("`{key}` must be {}, got {v}", field.describe()))
                }
                _ => {}
            }
        }
        let allowed = |k: &str| {
            matches!(k, "type" | "in_reply_to" | "msg_id")
                || self.fields.iter().any(|(f, _)| *f == k)
        };
        if let Some(extra) = map.keys().find(|k| !allowed(k)) {
            return Err(format!(
                "it has a key `{extra}` that {} replies do not have (Maelstrom's schemas are closed)",
                self.reply_type
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const READ_OK: Schema = Schema {
        reply_type: "read_ok",
        fields: &[("value", Field::Int)],
    };
    const MESSAGES: Schema = Schema {
        reply_type: "read_ok",
        fields: &[("messages", Field::List)],
    };

    #[test]
    fn accepts_exact_replies_with_optional_msg_id() {
        assert!(READ_OK
            .validate(&json!({"type": "read_ok", "value": 3, "in_reply_to": 5}))
            .is_ok());
        assert!(READ_OK
            .validate(&json!({"type": "read_ok", "value": 3, "in_reply_to": 5, "msg_id": 9}))
            .is_ok());
        assert!(MESSAGES
            .validate(&json!({"type": "read_ok", "messages": null, "in_reply_to": 5}))
            .is_ok());
    }

    #[test]
    fn rejects_floats_for_integers_extra_and_missing_keys() {
        let e = READ_OK
            .validate(&json!({"type": "read_ok", "value": 3.0, "in_reply_to": 5}))
            .unwrap_err();
        assert!(e.contains("`value` must be an integer, got 3.0"), "{e}");
        let e = READ_OK
            .validate(&json!({"type": "read_ok", "value": 3, "in_reply_to": 5, "extra": 1}))
            .unwrap_err();
        assert!(e.contains("`extra`"), "{e}");
        let e = READ_OK
            .validate(&json!({"type": "read_ok", "in_reply_to": 5}))
            .unwrap_err();
        assert!(e.contains("no `value`"), "{e}");
        let e = READ_OK
            .validate(&json!({"type": "read_ok", "value": 1, "in_reply_to": 5.0}))
            .unwrap_err();
        assert!(e.contains("in_reply_to"), "{e}");
        let e = MESSAGES
            .validate(&json!({"type": "read_ok", "messages": {}, "in_reply_to": 5}))
            .unwrap_err();
        assert!(e.contains("JSON array"), "{e}");
        let e = READ_OK
            .validate(&json!({"type": "write_ok", "in_reply_to": 5}))
            .unwrap_err();
        assert!(e.contains("type"), "{e}");
    }
}
