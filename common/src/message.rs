//! The wire format: one JSON object per line, `{"src":…,"dest":…,"body":{…}}`.
//!
//! The body's `type` and its fields are the node's own business, so a node describes them as one serde
//! enum (`#[serde(tag = "type", rename_all = "snake_case")]`) and [`Body`] flattens it next to the two
//! fields the RPC layer owns, `msg_id` and `in_reply_to`. Maelstrom also adds a network `id` on input;
//! serde ignores it, and nothing here ever writes it.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A message as a node receives it, with a typed payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message<P> {
    pub src: String,
    pub dest: String,
    pub body: Body<P>,
}

/// The body of a message: the RPC layer's two fields plus the node's payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body<P> {
    /// Unique per sender; `null`, `0` and a missing field are all accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<u64>,
    /// Set on replies: the `msg_id` of the request being answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<u64>,
    #[serde(flatten)]
    pub payload: P,
}

impl<P> Message<P> {
    /// Where a reply to this message goes. Take it before moving the payload out of the message, to
    /// reply after a `match msg.body.payload { … }` or from a later callback.
    pub fn reply_to(&self) -> ReplyTo {
        ReplyTo {
            dest: self.src.clone(),
            in_reply_to: self.body.msg_id,
        }
    }
}

/// The address of a reply: whom to answer and which request it answers. Cheap to clone and `'static`,
/// so callbacks can keep it until the answer is known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReplyTo {
    pub dest: String,
    pub in_reply_to: Option<u64>,
}

impl<P> From<&Message<P>> for ReplyTo {
    fn from(msg: &Message<P>) -> Self {
        msg.reply_to()
    }
}

impl From<&ReplyTo> for ReplyTo {
    fn from(to: &ReplyTo) -> Self {
        to.clone()
    }
}

/// The `init` message's payload: who this node is and who its peers are (in Maelstrom's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Init {
    pub node_id: String,
    pub node_ids: Vec<String>,
}

/// A line as read off the wire, before the body is given a type. The driver routes on it (replies to
/// pending RPCs, `init`, requests) before deciding what to deserialize the body into.
///
/// The body is kept as its JSON text and read once, into the type the driver picks: reading it
/// into a `serde_json::Map` first, then from that into the payload, was a third of a busy node's
/// time.
#[derive(Debug, Clone)]
pub(crate) struct RawMessage {
    pub src: String,
    pub dest: String,
    /// The body's JSON text; `{}` for a missing or null body.
    body: Box<RawValue>,
    msg_type: Option<String>,
    msg_id: Option<u64>,
    in_reply_to: Option<u64>,
}

/// A line's envelope, the body left unread.
#[derive(Deserialize)]
struct Envelope {
    src: String,
    dest: String,
    #[serde(default)]
    body: Option<Box<RawValue>>,
}

/// The body fields the driver routes on; the rest of the body is skipped.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type", default)]
    msg_type: Option<serde_json::Value>,
    #[serde(default)]
    msg_id: Option<serde_json::Value>,
    #[serde(default)]
    in_reply_to: Option<serde_json::Value>,
}

impl RawMessage {
    /// Reads one input line. A body that is not an object (nor null) makes the line unreadable.
    pub fn parse(line: &str) -> serde_json::Result<RawMessage> {
        let envelope: Envelope = serde_json::from_str(line)?;
        let body = match envelope.body {
            Some(body) if body.get() != "null" => body,
            _ => RawValue::from_string("{}".to_owned())?,
        };
        // A struct reads from a JSON array too: only an object is a body.
        if !body.get().starts_with('{') {
            return Err(serde::de::Error::custom(
                "a message body must be a JSON object",
            ));
        }
        let head: Head = serde_json::from_str(body.get())?;
        let id = |v: Option<serde_json::Value>| v.as_ref().and_then(serde_json::Value::as_u64);
        Ok(RawMessage {
            src: envelope.src,
            dest: envelope.dest,
            msg_type: match head.msg_type {
                Some(serde_json::Value::String(t)) => Some(t),
                _ => None,
            },
            msg_id: id(head.msg_id),
            in_reply_to: id(head.in_reply_to),
            body,
        })
    }

    pub fn msg_type(&self) -> Option<&str> {
        self.msg_type.as_deref()
    }

    pub fn msg_id(&self) -> Option<u64> {
        self.msg_id
    }

    pub fn in_reply_to(&self) -> Option<u64> {
        self.in_reply_to
    }

    /// The body read as `T`.
    pub fn body<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.body.get())
    }
}

/// Renders one output line straight from a payload, without building a `serde_json::Value` of it
/// first: `src`, `dest`, then the payload's own fields with `msg_id`/`in_reply_to` appended. A node
/// writes one line per message it sends, so this is most of a busy node's output work.
///
/// `None` when the payload is not a JSON object, or names `msg_id` or `in_reply_to` itself (the
/// runtime's fields win, so such a payload takes [`render_line`]'s path, which replaces them; a
/// payload that is not an object is refused there, with the reason).
pub(crate) fn render_payload(
    src: &str,
    dest: &str,
    payload: &impl Serialize,
    msg_id: Option<u64>,
    in_reply_to: Option<u64>,
) -> Option<String> {
    let mut line = Vec::with_capacity(128);
    line.extend_from_slice(b"{\"src\":");
    serde_json::to_writer(&mut line, src).ok()?;
    line.extend_from_slice(b",\"dest\":");
    serde_json::to_writer(&mut line, dest).ok()?;
    line.extend_from_slice(b",\"body\":");
    let start = line.len();
    serde_json::to_writer(&mut line, payload).ok()?;
    let body = &line[start..];
    let names = |key: &[u8]| body.windows(key.len()).any(|w| w == key);
    if body.first() != Some(&b'{') || names(b"\"msg_id\"") || names(b"\"in_reply_to\"") {
        return None;
    }
    line.pop(); // the body's closing brace
    let mut empty = line.len() == start + 1;
    for (key, id) in [("msg_id", msg_id), ("in_reply_to", in_reply_to)] {
        if let Some(id) = id {
            if !empty {
                line.push(b',');
            }
            empty = false;
            line.push(b'"');
            line.extend_from_slice(key.as_bytes());
            line.extend_from_slice(b"\":");
            line.extend_from_slice(itoa::Buffer::new().format(id).as_bytes());
        }
    }
    line.extend_from_slice(b"}}");
    String::from_utf8(line).ok()
}

/// Renders one output line: `src`, `dest`, then the body with `msg_id`/`in_reply_to` added.
pub(crate) fn render_line(
    src: &str,
    dest: &str,
    mut body: serde_json::Map<String, serde_json::Value>,
    msg_id: Option<u64>,
    in_reply_to: Option<u64>,
) -> String {
    if let Some(id) = msg_id {
        body.insert("msg_id".into(), id.into());
    }
    if let Some(id) = in_reply_to {
        body.insert("in_reply_to".into(), id.into());
    }
    let line = serde_json::json!({ "src": src, "dest": dest, "body": body });
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Echo { echo: String },
        EchoOk { echo: String },
    }

    /// The direct rendering says what the `Value` path says, and leaves to it the payloads it
    /// cannot render faithfully.
    #[test]
    fn payloads_render_directly_as_the_value_path_would() {
        #[derive(Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Out {
            Read,
            ReadOk {
                messages: Vec<u64>,
                note: &'static str,
            },
            Sneaky {
                msg_id: u64,
            },
        }
        let slow = |payload: &Out, msg_id, in_reply_to| {
            let serde_json::Value::Object(body) = serde_json::to_value(payload).unwrap() else {
                unreachable!()
            };
            render_line("n0", "c\"1", body, msg_id, in_reply_to)
        };
        let parsed = |line: &str| serde_json::from_str::<serde_json::Value>(line).unwrap();
        let read_ok = Out::ReadOk {
            messages: vec![1, 2],
            note: "tab\t",
        };
        for (payload, msg_id, in_reply_to) in [
            (&Out::Read, Some(1), None),
            (&Out::Read, None, None),
            (&read_ok, Some(7), Some(3)),
            (&read_ok, None, Some(3)),
        ] {
            let fast = render_payload("n0", "c\"1", payload, msg_id, in_reply_to).unwrap();
            assert_eq!(
                parsed(&fast),
                parsed(&slow(payload, msg_id, in_reply_to)),
                "{fast}"
            );
        }
        assert_eq!(
            render_payload("n0", "c1", &read_ok, Some(7), Some(3)).unwrap(),
            r#"{"src":"n0","dest":"c1","body":{"type":"read_ok","messages":[1,2],"note":"tab\t","msg_id":7,"in_reply_to":3}}"#
        );
        assert_eq!(
            render_payload("n0", "c1", &Out::Sneaky { msg_id: 5 }, Some(9), None),
            None
        );
        assert_eq!(render_payload("n0", "c1", &[1, 2], Some(9), None), None);
        assert_eq!(render_payload("n0", "c1", &"text", Some(9), None), None);
    }

    #[test]
    fn parses_maelstrom_input_with_network_id() {
        let line =
            r#"{"id":3,"src":"c1","dest":"n0","body":{"type":"echo","echo":"hi","msg_id":1}}"#;
        let msg: Message<Payload> = serde_json::from_str(line).unwrap();
        assert_eq!(msg.src, "c1");
        assert_eq!(msg.body.msg_id, Some(1));
        assert_eq!(msg.body.in_reply_to, None);
        assert_eq!(msg.body.payload, Payload::Echo { echo: "hi".into() });
        assert_eq!(
            msg.reply_to(),
            ReplyTo {
                dest: "c1".into(),
                in_reply_to: Some(1)
            }
        );
        let out = serde_json::to_string(&msg).unwrap();
        assert!(!out.contains("\"id\""), "{out}");
    }

    #[test]
    fn tolerates_null_and_zero_msg_ids() {
        let null: Message<Payload> = serde_json::from_str(
            r#"{"src":"c1","dest":"n0","body":{"type":"echo","echo":"a","msg_id":null}}"#,
        )
        .unwrap();
        assert_eq!(null.body.msg_id, None);
        let zero: Message<Payload> = serde_json::from_str(
            r#"{"src":"c1","dest":"n0","body":{"type":"echo","echo":"a","msg_id":0}}"#,
        )
        .unwrap();
        assert_eq!(zero.body.msg_id, Some(0));
    }

    #[test]
    fn null_or_missing_body_is_empty() {
        for line in [
            r#"{"src":"a","dest":"b","body":null}"#,
            r#"{"src":"a","dest":"b"}"#,
        ] {
            let raw = RawMessage::parse(line).unwrap();
            assert_eq!(raw.body.get(), "{}");
            assert_eq!(raw.msg_type(), None);
        }
        for body in ["5", r#""x""#, "[null, null, 5]", "[]"] {
            let line = format!(r#"{{"src":"a","dest":"b","body":{body}}}"#);
            assert!(RawMessage::parse(&line).is_err(), "{line}");
        }
        let spaced = RawMessage::parse(r#"{"src":"a","dest":"b","body":  {"type":"x"} }"#);
        assert_eq!(spaced.unwrap().msg_type(), Some("x"));
    }

    /// The routing fields read as `Value::as_str` and `as_u64` read them from a map: anything
    /// but a string type or a non-negative integer id is no type or id at all.
    #[test]
    fn routing_fields_are_read_leniently() {
        let raw = RawMessage::parse(
            r#"{"src":"a","dest":"b","body":{"type":"echo","msg_id":3,"in_reply_to":4,"echo":[1]}}"#,
        )
        .unwrap();
        assert_eq!(
            (raw.msg_type(), raw.msg_id(), raw.in_reply_to()),
            (Some("echo"), Some(3), Some(4))
        );
        let odd = RawMessage::parse(
            r#"{"src":"a","dest":"b","body":{"type":7,"msg_id":-1,"in_reply_to":"4"}}"#,
        )
        .unwrap();
        assert_eq!(
            (odd.msg_type(), odd.msg_id(), odd.in_reply_to()),
            (None, None, None)
        );
        // `echo` must be a string: the body is read, and refused, only once a type is asked for.
        assert!(raw.body::<Body<Payload>>().is_err());
        let msg: Body<Payload> = RawMessage::parse(
            r#"{"src":"a","dest":"b","body":{"type":"echo","echo":"x","msg_id":3}}"#,
        )
        .unwrap()
        .body()
        .unwrap();
        assert_eq!(msg.msg_id, Some(3));
        assert_eq!(msg.payload, Payload::Echo { echo: "x".into() });
    }
}
