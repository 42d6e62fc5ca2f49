//! The txn-rw-register workload (spec §7.8): each op is one transaction of reads and writes over
//! integer registers, sent as `{"type":"txn","txn":[["r",k,null],["w",k,v]]}`; the node answers
//! with the transaction completed (reads filled in), which becomes the op's value with keyword
//! functions: `[[:r k v] [:w k v]]`.
//!
//! Maelstrom wraps the client in `with-errors` with no idempotent function, so a definite error
//! fails the op and a timeout or indefinite error leaves it `:info`. The client is reusable: a
//! thread keeps its client id across `:info` ops. There is no final phase.

use std::time::Duration;

use rand::rngs::StdRng;
use serde_json::{json, Value as Json};

use crate::builtin::client::{RpcClient, DEFAULT_TIMEOUT};
use crate::builtin::clock::BoxFuture;
use crate::builtin::gen::{TxnConfig, TxnGen};
use crate::builtin::schema::{Field, Schema};
use crate::options::TestOptions;
use crate::value::Value;

use super::{with_errors, Completion, Invocation, Workload, WorkloadClient};

const TXN_OK: Schema = Schema {
    reply_type: "txn_ok",
    fields: &[(
        "txn",
        Field::Custom(
            completed_txn,
            "a JSON array of micro-ops, each [\"r\", key, value] or [\"w\", key, value]",
        ),
    )],
};

/// Maelstrom's response schema `[(either ReadRes Write)]`: each micro-op exactly three elements,
/// the first `"r"` or `"w"`; keys and values anything. `null` passes, as for any sequence schema.
fn completed_txn(txn: &Json) -> bool {
    match txn {
        Json::Null => true,
        Json::Array(mops) => mops.iter().all(|mop| {
            mop.as_array()
                .is_some_and(|m| m.len() == 3 && (m[0] == "r" || m[0] == "w"))
        }),
        _ => false,
    }
}

#[derive(Debug)]
pub struct TxnRwRegister {
    txns: TxnGen,
}

impl TxnRwRegister {
    pub fn new(opts: &TestOptions) -> TxnRwRegister {
        TxnRwRegister {
            txns: TxnGen::new(TxnConfig::from_options(opts)),
        }
    }
}

impl Workload for TxnRwRegister {
    fn reusable(&self) -> bool {
        true
    }

    fn generate(&mut self, _thread: usize, _now: Duration, rng: &mut StdRng) -> Option<Invocation> {
        let txn = self.txns.next(rng);
        Some(Invocation::new(txn.f(), txn.value()))
    }

    fn client(&self) -> Box<dyn WorkloadClient> {
        Box::new(TxnClient)
    }
}

#[derive(Debug)]
struct TxnClient;

impl WorkloadClient for TxnClient {
    fn invoke<'a>(
        &'a mut self,
        rpc: &'a mut RpcClient,
        node: &'a str,
        op: &'a Invocation,
    ) -> BoxFuture<'a, Completion> {
        Box::pin(async move {
            // Keywords go out as strings: [[:r 3 nil]] becomes [["r",3,null]].
            let request = json!({"type": "txn", "txn": op.value.to_json()});
            match rpc.call(node, request, DEFAULT_TIMEOUT, &TXN_OK).await {
                Ok(reply) => Completion::ok(history_txn(&reply["txn"])),
                Err(e) => with_errors(op, e, false),
            }
        })
    }
}

/// A completed transaction as Maelstrom records it: micro-op functions back to keywords, keys
/// and values as the node sent them. A `null` transaction records as `[]`.
fn history_txn(txn: &Json) -> Value {
    let mops = txn.as_array().map(Vec::as_slice).unwrap_or_default();
    Value::Vec(
        mops.iter()
            .map(|mop| {
                let m = mop.as_array().map(Vec::as_slice).unwrap_or_default();
                let f = m.first().and_then(Json::as_str).unwrap_or("?");
                let mut out = vec![Value::keyword(f)];
                out.extend(m.iter().skip(1).map(Value::from_json));
                Value::Vec(out)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_transactions_must_be_triples_of_r_or_w() {
        assert!(completed_txn(&json!([
            ["r", 1, 3],
            ["w", 2, 4],
            ["r", 5, null]
        ])));
        assert!(completed_txn(&json!(null)));
        assert!(completed_txn(&json!([])));
        assert!(!completed_txn(&json!([["r", 1]])));
        assert!(!completed_txn(&json!([["r", 1, 2, 3]])));
        assert!(!completed_txn(&json!([["append", 1, 2]])));
        assert!(!completed_txn(&json!({"r": 1})));
        let e = TXN_OK
            .validate(&json!({"type": "txn_ok", "in_reply_to": 1, "txn": [["x", 1, 1]]}))
            .unwrap_err();
        assert!(e.contains("[\"r\", key, value]"), "{e}");
    }

    #[test]
    fn records_reads_filled_with_keyword_functions() {
        let v = history_txn(&json!([["r", 3, 7], ["w", 3, 8], ["r", 4, null]]));
        assert_eq!(v.to_string(), "[[:r 3 7] [:w 3 8] [:r 4 nil]]");
        assert_eq!(history_txn(&Json::Null).to_string(), "[]");
    }

    #[test]
    fn requests_carry_string_functions() {
        let opts = TestOptions::parse(&["-w", "txn-rw-register", "--max-txn-length", "1"]).unwrap();
        let mut w = TxnRwRegister::new(&opts);
        let mut rng = rand::SeedableRng::seed_from_u64(3);
        let op = w.generate(0, Duration::ZERO, &mut rng).unwrap();
        assert_eq!(op.f, "txn");
        let mops = op.value.as_slice().unwrap();
        assert_eq!(mops.len(), 1);
        let wire = json!({"type": "txn", "txn": op.value.to_json()});
        let f = wire["txn"][0][0].as_str().unwrap();
        assert!(f == "r" || f == "w", "{wire}");
        assert!(w.reusable());
    }
}
