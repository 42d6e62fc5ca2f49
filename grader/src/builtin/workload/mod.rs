//! Workloads: what the clients ask the nodes, and what they make of the answers (spec §7).
//!
//! A workload is a generator of operations (main phase, and a final phase for some), a client
//! that turns one operation into RPCs and a completion, a flag saying whether a client survives
//! an indeterminate operation, and an optional per-node setup. Each workload is one module; the
//! interpreter drives them all the same way.
//!
//! Adding one: write a module with a [`Workload`] (its generator; `final_step`/`final_time_limit`
//! for a final phase; `observe` if the generator reacts to results) and a [`WorkloadClient`]
//! (RPCs through [`RpcClient::call`] with a closed [`super::schema::Schema`] per reply; failures
//! through [`with_errors`], or straight to `:info` through [`indeterminate`] for the workloads
//! Maelstrom does not wrap in `with-errors`), then list it in [`for_options`] and [`supported`].

mod broadcast;
mod echo;
mod g_counter;
mod kafka;
mod txn_rw_register;
mod unique_ids;

use std::time::Duration;

use rand::rngs::StdRng;
use serde_json::Value as Json;

use crate::history::OpType;
use crate::options::{TestOptions, Workload as WorkloadName};
use crate::value::Value;

use super::client::{RpcClient, RpcError};
use super::clock::BoxFuture;

/// An operation about to be invoked.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub f: &'static str,
    pub value: Value,
    /// `:final? true` (the reads of a final phase).
    pub final_read: bool,
    /// Other keys Jepsen's generator put on the op (kafka's `:seek-to-beginning?`, `:poll-ms`,
    /// `:unseen`). They are recorded on the invocation and, as Jepsen's clients `assoc` onto the
    /// invocation, on its completion too.
    pub extra: Vec<(String, Value)>,
}

impl Invocation {
    pub fn new(f: &'static str, value: Value) -> Invocation {
        Invocation {
            f,
            value,
            final_read: false,
            extra: Vec::new(),
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub kind: OpType,
    pub value: Value,
    pub error: Option<Value>,
    /// Extra history keys (`:exception`).
    pub extra: Vec<(String, Value)>,
}

impl Completion {
    pub fn ok(value: Value) -> Completion {
        Completion {
            kind: OpType::Ok,
            value,
            error: None,
            extra: Vec::new(),
        }
    }
}

/// Maelstrom's `with-errors` (spec §5.3): turns a failed RPC into a `:fail` or `:info`
/// completion carrying the invocation's value. `idempotent` says whether the op's `:f` is in the
/// workload's idempotent set. Anything but a timeout or an error reply (a malformed reply) is not
/// caught by `with-errors`: it becomes [`indeterminate`].
pub fn with_errors(op: &Invocation, error: RpcError, idempotent: bool) -> Completion {
    let (kind, error) = match error {
        RpcError::Timeout => (
            if idempotent {
                OpType::Fail
            } else {
                OpType::Info
            },
            Value::keyword("net-timeout"),
        ),
        RpcError::Error {
            name,
            definite,
            text,
            ..
        } => (
            if definite || idempotent {
                OpType::Fail
            } else {
                OpType::Info
            },
            Value::Vec(vec![
                Value::keyword(name),
                text.map_or(Value::Nil, Value::Str),
            ]),
        ),
        malformed @ RpcError::Malformed { .. } => return indeterminate(op, &malformed),
    };
    Completion {
        kind,
        value: op.value.clone(),
        error: Some(error),
        extra: Vec::new(),
    }
}

/// An RPC failure that the workload does not catch, recorded as Jepsen records an exception
/// thrown by a client: `:info`, `:error "indeterminate: <message>"` and an `:exception` map
/// shaped like Jepsen's (`:via`, `:cause`, `:data`). g-set and the counters record every timeout
/// and error reply this way (spec §5.3).
pub fn indeterminate(op: &Invocation, error: &RpcError) -> Completion {
    let (message, data) = match error {
        RpcError::Timeout => (
            "Client read timeout".to_owned(),
            Value::keyword_map([
                ("type", Value::keyword("maelstrom.client/timeout")),
                ("name", Value::keyword("timeout")),
                ("definite?", Value::Bool(false)),
                ("code", Value::Int(0)),
            ]),
        ),
        RpcError::Error {
            name,
            definite,
            body,
            ..
        } => {
            let data = Value::keyword_map([
                ("type", Value::keyword("rpc-error")),
                (
                    "code",
                    body.get("code").map_or(Value::Nil, Value::from_json),
                ),
                ("name", Value::keyword(name)),
                ("definite?", Value::Bool(*definite)),
                ("body", body_value(body)),
            ]);
            (format!("throw+: {data}"), data)
        }
        RpcError::Malformed { message, body } => (
            message.clone(),
            Value::keyword_map([
                ("type", Value::keyword("malformed-rpc-response")),
                ("body", body_value(body)),
            ]),
        ),
    };
    let exception = Value::keyword_map([
        (
            "via",
            Value::Vec(vec![Value::keyword_map([
                ("type", Value::Symbol("clojure.lang.ExceptionInfo".into())),
                ("message", Value::Str(message.clone())),
                ("data", data.clone()),
            ])]),
        ),
        ("cause", Value::Str(message.clone())),
        ("data", data),
    ]);
    Completion {
        kind: OpType::Info,
        value: op.value.clone(),
        error: Some(Value::Str(format!("indeterminate: {message}"))),
        extra: vec![("exception".to_owned(), exception)],
    }
}

/// A workload client: one per worker thread (re-opened after `:info` ops unless reusable).
pub trait WorkloadClient: Send + std::fmt::Debug {
    /// Performs one operation against `node` through `rpc`.
    fn invoke<'a>(
        &'a mut self,
        rpc: &'a mut RpcClient,
        node: &'a str,
        op: &'a Invocation,
    ) -> BoxFuture<'a, Completion>;
}

/// Why a node's setup failed (Maelstrom crashes the test).
#[derive(Debug, Clone, PartialEq)]
pub struct SetupError(pub String);

/// What a thread does next in a final phase.
#[derive(Debug, Clone, PartialEq)]
pub enum FinalStep {
    Op(Invocation),
    /// Ask again after this long (kafka polls every U[0, 0.4) s until caught up).
    Wait(Duration),
    /// This thread's final phase is over.
    Done,
}

/// A setup client, handed back, and whether the node's setup worked.
pub type SetupOutcome = (RpcClient, Result<(), SetupError>);

/// One workload.
pub trait Workload: Send + std::fmt::Debug {
    /// Whether a thread keeps its client (and client id) after an `:info` operation.
    fn reusable(&self) -> bool;

    /// The next main-phase operation for a free `thread`; `None` ends the main phase. `now` is
    /// the time since the history's origin (kafka's crashes are scheduled in time).
    fn generate(&mut self, thread: usize, now: Duration, rng: &mut StdRng) -> Option<Invocation>;

    /// Whether there is a final phase (heal, 10 s of recovery, final operations).
    fn has_final_phase(&self) -> bool {
        false
    }

    /// What `thread` does next in the final phase, asked each time it is free (and again after
    /// a [`FinalStep::Wait`]).
    fn final_step(&mut self, _thread: usize, _now: Duration, _rng: &mut StdRng) -> FinalStep {
        FinalStep::Done
    }

    /// A cap on the final phase's operations (kafka: 10 s); ops due later are not issued.
    fn final_time_limit(&self) -> Option<Duration> {
        None
    }

    /// Learns how an operation of `thread` ended (generators that react to results, like
    /// kafka's, whose final phase follows each thread's own polls).
    fn observe(&mut self, _thread: usize, _op: &Invocation, _completion: &Completion) {}

    /// Per-node setup through that node's setup client (broadcast sends `topology`). The client
    /// is handed back: it stays open, idle, until the end of the test.
    fn setup(&self, rpc: RpcClient, _node: String) -> BoxFuture<'static, SetupOutcome> {
        Box::pin(async { (rpc, Ok(())) })
    }

    /// A fresh client.
    fn client(&self) -> Box<dyn WorkloadClient>;
}

/// The workload for a test, or `None` when the builtin engine cannot run it yet.
pub fn for_options(opts: &TestOptions) -> Option<Box<dyn Workload>> {
    match opts.workload {
        WorkloadName::Echo => Some(Box::new(echo::Echo)),
        WorkloadName::UniqueIds => Some(Box::new(unique_ids::UniqueIds)),
        WorkloadName::Broadcast => Some(Box::new(broadcast::Broadcast::new(opts))),
        WorkloadName::GCounter => Some(Box::new(g_counter::GCounter::default())),
        WorkloadName::Kafka => Some(Box::new(kafka::Kafka::new(opts))),
        WorkloadName::TxnRwRegister => Some(Box::new(txn_rw_register::TxnRwRegister::new(opts))),
    }
}

/// Whether [`for_options`] knows the workload.
pub fn supported(workload: WorkloadName) -> bool {
    match workload {
        WorkloadName::Echo
        | WorkloadName::UniqueIds
        | WorkloadName::Broadcast
        | WorkloadName::GCounter
        | WorkloadName::Kafka
        | WorkloadName::TxnRwRegister => true,
    }
}

/// A reply body as Maelstrom records it in an op's value: top-level keys become keywords,
/// nested maps keep string keys (Maelstrom keywordizes one level).
pub fn body_value(body: &Json) -> Value {
    match body {
        Json::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Value::keyword(k), Value::from_json(v)))
                .collect(),
        ),
        other => Value::from_json(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_errors_maps_like_maelstrom() {
        let op = Invocation::new("broadcast", Value::Int(3));
        let c = with_errors(&op, RpcError::Timeout, false);
        assert_eq!(c.kind, OpType::Info);
        assert_eq!(c.error, Some(Value::keyword("net-timeout")));
        assert_eq!(c.value, Value::Int(3));
        assert_eq!(with_errors(&op, RpcError::Timeout, true).kind, OpType::Fail);
        let definite = RpcError::Error {
            name: "temporarily-unavailable",
            definite: true,
            text: Some("busy".into()),
            body: serde_json::json!({"type": "error", "code": 11, "text": "busy"}),
        };
        let c = with_errors(&op, definite, false);
        assert_eq!(c.kind, OpType::Fail);
        assert_eq!(
            c.error,
            Some(Value::Vec(vec![
                Value::keyword("temporarily-unavailable"),
                Value::Str("busy".into())
            ]))
        );
        let indefinite = RpcError::Error {
            name: "crash",
            definite: false,
            text: None,
            body: serde_json::json!({"type": "error", "code": 13}),
        };
        assert_eq!(
            with_errors(&op, indefinite.clone(), false).kind,
            OpType::Info
        );
        assert_eq!(with_errors(&op, indefinite, true).kind, OpType::Fail);
        let malformed = RpcError::Malformed {
            message: "bad".into(),
            body: serde_json::json!({}),
        };
        let c = with_errors(&op, malformed, true);
        assert_eq!(c.kind, OpType::Info);
        assert_eq!(c.error, Some(Value::Str("indeterminate: bad".into())));
        assert_eq!(c.extra[0].0, "exception");
    }

    #[test]
    fn indeterminate_looks_like_jepsens_exceptions() {
        let op = Invocation::new("add", Value::Int(4));
        let c = indeterminate(&op, &RpcError::Timeout);
        assert_eq!(c.kind, OpType::Info);
        assert_eq!(c.value, Value::Int(4));
        assert_eq!(
            c.error,
            Some(Value::Str("indeterminate: Client read timeout".into()))
        );
        let exception = &c.extra[0].1;
        assert_eq!(
            exception.path(&["data", "type"]),
            Some(&Value::keyword("maelstrom.client/timeout"))
        );
        let error = RpcError::Error {
            name: "precondition-failed",
            definite: true,
            text: Some("current value 3 is not 0".into()),
            body: serde_json::json!({"type": "error", "code": 22, "text": "current value 3 is not 0"}),
        };
        let c = indeterminate(&op, &error);
        let Some(Value::Str(e)) = &c.error else {
            panic!("no error")
        };
        assert!(
            e.starts_with("indeterminate: throw+: {:type :rpc-error, :code 22, :name :precondition-failed, :definite? true"),
            "{e}"
        );
        let via = c.extra[0].1.get("via").unwrap().as_slice().unwrap();
        assert_eq!(
            via[0].get("type"),
            Some(&Value::Symbol("clojure.lang.ExceptionInfo".into()))
        );
    }
}
