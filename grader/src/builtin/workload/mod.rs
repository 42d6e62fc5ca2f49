//! Workloads: what the clients ask the nodes, and what they make of the answers (spec §7).
//!
//! A workload is a generator of operations (main phase, and a final phase for some), a client
//! that turns one operation into RPCs and a completion, a flag saying whether a client survives
//! an indeterminate operation, and an optional per-node setup. Each workload is one module; the
//! interpreter drives them all the same way.

mod broadcast;
mod echo;
mod unique_ids;

use std::time::Duration;

use rand::rngs::StdRng;
use serde_json::Value as Json;

use crate::history::OpType;
use crate::options::{TestOptions, Workload as WorkloadName};
use crate::value::Value;

use super::client::{RpcClient, RpcError, DEFAULT_TIMEOUT};
use super::clock::BoxFuture;

/// An operation about to be invoked.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub f: &'static str,
    pub value: Value,
    /// `:final? true` (the reads of a final phase).
    pub final_read: bool,
}

impl Invocation {
    pub fn new(f: &'static str, value: Value) -> Invocation {
        Invocation {
            f,
            value,
            final_read: false,
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
/// workload's idempotent set.
pub fn with_errors(op: &Invocation, error: RpcError, idempotent: bool) -> Completion {
    let (kind, error, extra) = match error {
        RpcError::Timeout => (
            if idempotent {
                OpType::Fail
            } else {
                OpType::Info
            },
            Value::keyword("net-timeout"),
            Vec::new(),
        ),
        RpcError::Error {
            name,
            definite,
            text,
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
            Vec::new(),
        ),
        RpcError::Malformed { message, body } => (
            OpType::Info,
            Value::Str(format!("indeterminate: {message}")),
            vec![("exception".to_owned(), exception(&message, &body))],
        ),
    };
    Completion {
        kind,
        value: op.value.clone(),
        error: Some(error),
        extra,
    }
}

/// A datafied-exception-like map, shaped as Jepsen records one (`:via`, `:cause`).
fn exception(message: &str, body: &Json) -> Value {
    let data = Value::keyword_map([
        ("type", Value::keyword("malformed-rpc-response")),
        ("body", Value::from_json(body)),
    ]);
    Value::keyword_map([
        (
            "via",
            Value::Vec(vec![Value::keyword_map([
                ("type", Value::Symbol("clojure.lang.ExceptionInfo".into())),
                ("message", Value::Str(message.to_owned())),
                ("data", data.clone()),
            ])]),
        ),
        ("cause", Value::Str(message.to_owned())),
        ("data", data),
    ])
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

/// A setup client, handed back, and whether the node's setup worked.
pub type SetupOutcome = (RpcClient, Result<(), SetupError>);

/// One workload.
pub trait Workload: Send + std::fmt::Debug {
    /// Whether a thread keeps its client (and client id) after an `:info` operation.
    fn reusable(&self) -> bool;

    /// The RPC timeout of this workload's clients.
    fn rpc_timeout(&self) -> Duration {
        DEFAULT_TIMEOUT
    }

    /// The next main-phase operation for a free `thread`; `None` ends the main phase.
    fn generate(&mut self, thread: usize, rng: &mut StdRng) -> Option<Invocation>;

    /// Whether there is a final phase (heal, 10 s of recovery, final operations).
    fn has_final_phase(&self) -> bool {
        false
    }

    /// The next final-phase operation for `thread`, asked each time it is free; `None` when that
    /// thread is done.
    fn final_op(&mut self, _thread: usize) -> Option<Invocation> {
        None
    }

    /// Learns how an operation ended (generators that react to results, like kafka's).
    fn observe(&mut self, _op: &Invocation, _completion: &Completion) {}

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
        WorkloadName::GCounter | WorkloadName::Kafka | WorkloadName::TxnRwRegister => None,
    }
}

/// Whether [`for_options`] knows the workload.
pub fn supported(workload: WorkloadName) -> bool {
    matches!(
        workload,
        WorkloadName::Echo | WorkloadName::UniqueIds | WorkloadName::Broadcast
    )
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
}
