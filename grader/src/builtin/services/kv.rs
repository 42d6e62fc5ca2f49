//! The key-value state machine every KV service runs (Maelstrom's `PersistentKV`, and one replica
//! of `LWWKV`): requests, their evaluation against one state, and the replies with their exact
//! error codes and texts.
//!
//! Evaluation is separate from application because seq-kv first evaluates a request against an
//! old state and only keeps that result if it leaves the state unchanged.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::clojure;

/// A KV request, fields read the way Clojure reads them: an absent field is `nil`, the same as
/// JSON `null`.
#[derive(Debug, Clone, PartialEq)]
pub enum KvRequest {
    Read {
        key: Json,
    },
    Write {
        key: Json,
        value: Json,
    },
    Cas {
        key: Json,
        from: Json,
        to: Json,
        /// `create_if_not_exists` is Clojure-truthy: present and neither `null` nor `false`.
        create_if_not_exists: bool,
    },
}

impl KvRequest {
    /// Reads a KV request from a body, or `None` when its `type` is not `read`, `write` or `cas`.
    pub fn parse(body: &Json) -> Option<KvRequest> {
        let field = |name: &str| body.get(name).cloned().unwrap_or(Json::Null);
        let key = field("key");
        match body.get("type")?.as_str()? {
            "read" => Some(KvRequest::Read { key }),
            "write" => Some(KvRequest::Write {
                key,
                value: field("value"),
            }),
            "cas" => Some(KvRequest::Cas {
                key,
                from: field("from"),
                to: field("to"),
                create_if_not_exists: !matches!(
                    body.get("create_if_not_exists"),
                    None | Some(Json::Null) | Some(Json::Bool(false))
                ),
            }),
            _ => None,
        }
    }
}

/// The two flavours of Maelstrom's KV record, which differ only in cas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `PersistentKV` (lin-kv, seq-kv): honours `create_if_not_exists`; the error text prints
    /// `from` with `pr-str`.
    Persistent,
    /// `LWWKV` (lww-kv): ignores `create_if_not_exists`; the error text prints `from` with `str`
    /// (strings unquoted, `null` as nothing).
    LastWriteWins,
}

/// What a request does to a state.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub reply: Json,
    /// The assignment to make, if the request writes.
    pub assignment: Option<(String, Json)>,
    /// Whether the resulting state differs from the one evaluated against (Clojure equality: a
    /// write of a value equal to the current one changes nothing).
    pub changes_state: bool,
}

/// One KV state: keys up to Clojure equality, each with its value as last written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KvState {
    entries: BTreeMap<String, Json>,
}

impl KvState {
    /// Evaluates a request against this state without changing it.
    pub fn evaluate(&self, request: &KvRequest, flavour: Flavour) -> Evaluation {
        match request {
            KvRequest::Read { key } => Evaluation {
                reply: match self.entries.get(&clojure::canonical_key(key)) {
                    Some(value) => json!({"type": "read_ok", "value": value}),
                    None => key_does_not_exist(),
                },
                assignment: None,
                changes_state: false,
            },
            KvRequest::Write { key, value } => {
                let canonical = clojure::canonical_key(key);
                let unchanged = self
                    .entries
                    .get(&canonical)
                    .is_some_and(|current| clojure::equal(current, value));
                Evaluation {
                    reply: json!({"type": "write_ok"}),
                    assignment: Some((canonical, value.clone())),
                    changes_state: !unchanged,
                }
            }
            KvRequest::Cas {
                key,
                from,
                to,
                create_if_not_exists,
            } => {
                let canonical = clojure::canonical_key(key);
                match self.entries.get(&canonical) {
                    Some(current) if clojure::equal(from, current) => Evaluation {
                        reply: json!({"type": "cas_ok"}),
                        changes_state: !clojure::equal(current, to),
                        assignment: Some((canonical, to.clone())),
                    },
                    Some(current) => {
                        let from = match flavour {
                            Flavour::Persistent => clojure::pr_str(from),
                            Flavour::LastWriteWins => clojure::str(from),
                        };
                        let text =
                            format!("current value {} is not {from}", clojure::pr_str(current));
                        Evaluation {
                            reply: json!({"type": "error", "code": 22, "text": text}),
                            assignment: None,
                            changes_state: false,
                        }
                    }
                    None if *create_if_not_exists && flavour == Flavour::Persistent => Evaluation {
                        reply: json!({"type": "cas_ok"}),
                        assignment: Some((canonical, to.clone())),
                        changes_state: true,
                    },
                    None => Evaluation {
                        reply: key_does_not_exist(),
                        assignment: None,
                        changes_state: false,
                    },
                }
            }
        }
    }

    /// Makes an evaluation's assignment, if any.
    pub fn apply(&mut self, evaluation: &Evaluation) {
        if let Some((key, value)) = &evaluation.assignment {
            self.entries.insert(key.clone(), value.clone());
        }
    }

    /// Evaluates and applies in one step, returning the reply.
    pub fn handle(&mut self, request: &KvRequest, flavour: Flavour) -> Json {
        let evaluation = self.evaluate(request, flavour);
        self.apply(&evaluation);
        evaluation.reply
    }
}

fn key_does_not_exist() -> Json {
    json!({"type": "error", "code": 20, "text": "key does not exist"})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Json) -> KvRequest {
        KvRequest::parse(&body).unwrap()
    }

    #[test]
    fn parses_absent_fields_as_nil_and_truthiness_as_clojure() {
        assert_eq!(
            request(json!({"type": "write"})),
            KvRequest::Write {
                key: Json::Null,
                value: Json::Null
            }
        );
        let create =
            |flag: Json| match request(json!({"type": "cas", "create_if_not_exists": flag})) {
                KvRequest::Cas {
                    create_if_not_exists,
                    ..
                } => create_if_not_exists,
                other => panic!("{other:?}"),
            };
        assert!(create(json!(true)));
        assert!(create(json!(0)), "0 is truthy in Clojure");
        assert!(create(json!("false")), "a string is truthy");
        assert!(!create(json!(false)));
        assert!(!create(json!(null)));
        assert_eq!(KvRequest::parse(&json!({"type": "get"})), None);
        assert_eq!(KvRequest::parse(&json!({"type": 1})), None);
        assert_eq!(KvRequest::parse(&json!({})), None);
    }

    #[test]
    fn a_write_of_an_equal_value_does_not_change_the_state() {
        let mut kv = KvState::default();
        kv.handle(
            &request(json!({"type": "write", "key": "k", "value": 1})),
            Flavour::Persistent,
        );
        let same = kv.evaluate(
            &request(json!({"type": "write", "key": "k", "value": 1})),
            Flavour::Persistent,
        );
        assert!(!same.changes_state);
        let float = kv.evaluate(
            &request(json!({"type": "write", "key": "k", "value": 1.0})),
            Flavour::Persistent,
        );
        assert!(float.changes_state, "1.0 is not 1");
        let noop_cas = kv.evaluate(
            &request(json!({"type": "cas", "key": "k", "from": 1, "to": 1})),
            Flavour::Persistent,
        );
        assert_eq!(noop_cas.reply, json!({"type": "cas_ok"}));
        assert!(!noop_cas.changes_state);
    }

    #[test]
    fn lww_prints_from_with_str() {
        let mut kv = KvState::default();
        kv.handle(
            &request(json!({"type": "write", "key": "k", "value": "a"})),
            Flavour::Persistent,
        );
        let cas = request(json!({"type": "cas", "key": "k", "from": "b", "to": "c"}));
        assert_eq!(
            kv.evaluate(&cas, Flavour::Persistent).reply["text"],
            r#"current value "a" is not "b""#
        );
        assert_eq!(
            kv.evaluate(&cas, Flavour::LastWriteWins).reply["text"],
            r#"current value "a" is not b"#
        );
        let from_nil = request(json!({"type": "cas", "key": "k", "to": "c"}));
        assert_eq!(
            kv.evaluate(&from_nil, Flavour::LastWriteWins).reply["text"],
            r#"current value "a" is not "#
        );
    }
}
