//! Clients for Maelstrom's built-in services: the key-value stores and the timestamp oracle.
//!
//! The services are ordinary network endpoints (`lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`) that speak
//! RPC; these clients only spell their requests and parse their replies. A failure keeps Maelstrom's
//! code, so `err.code == ErrorCode::KeyDoesNotExist` and `ErrorCode::PreconditionFailed` can be told
//! apart from a timeout. Services never answer a request they do not understand, so every call has a
//! timeout (default [`DEFAULT_SERVICE_TIMEOUT`]).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Context, Node, RpcResult};

/// How long a service call waits for its reply unless told otherwise.
pub const DEFAULT_SERVICE_TIMEOUT: Duration = Duration::from_secs(1);

/// Which key-value service to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kv {
    /// `lin-kv`: linearizable.
    Lin,
    /// `seq-kv`: sequentially consistent; reads may be stale, but never older than what this node last
    /// saw or wrote.
    Seq,
    /// `lww-kv`: last-write-wins, eventually consistent (in practice: two replicas that never merge).
    Lww,
}

impl Kv {
    /// The service's node id on the network.
    pub fn service(self) -> &'static str {
        match self {
            Kv::Lin => "lin-kv",
            Kv::Seq => "seq-kv",
            Kv::Lww => "lww-kv",
        }
    }
}

#[derive(Deserialize)]
struct ReadOk<V> {
    value: V,
}

#[derive(Deserialize)]
struct TsOk {
    ts: u64,
}

/// Requests to one key-value service. Obtained from [`Context::kv`]; each call consumes it.
pub struct KvClient<'a, N: Node> {
    ctx: &'a mut Context<N>,
    kv: Kv,
    timeout: Duration,
}

impl<N: Node> std::fmt::Debug for KvClient<'_, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvClient")
            .field("kv", &self.kv)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<'a, N: Node> KvClient<'a, N> {
    pub(crate) fn new(ctx: &'a mut Context<N>, kv: Kv) -> Self {
        KvClient {
            ctx,
            kv,
            timeout: DEFAULT_SERVICE_TIMEOUT,
        }
    }

    /// Overrides how long to wait for the service's reply.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Reads `key`. A missing key is `Err` with [`ErrorCode::KeyDoesNotExist`](crate::ErrorCode).
    pub fn read<V, F>(self, key: impl Serialize, callback: F)
    where
        V: DeserializeOwned,
        F: FnOnce(&mut N, &mut Context<N>, RpcResult<V>) + 'static,
    {
        let request = serde_json::json!({ "type": "read", "key": to_json(key) });
        self.ctx.rpc(
            self.kv.service(),
            request,
            self.timeout,
            move |node, ctx, reply| callback(node, ctx, reply.map(|ok: ReadOk<V>| ok.value)),
        )
    }

    /// Sets `key` to `value`, creating it if needed.
    pub fn write<F>(self, key: impl Serialize, value: impl Serialize, callback: F)
    where
        F: FnOnce(&mut N, &mut Context<N>, RpcResult<()>) + 'static,
    {
        let request =
            serde_json::json!({ "type": "write", "key": to_json(key), "value": to_json(value) });
        self.ctx.rpc(
            self.kv.service(),
            request,
            self.timeout,
            move |node, ctx, reply| callback(node, ctx, reply.map(|_: Value| ())),
        )
    }

    /// Sets `key` to `to` if it currently holds `from`. Fails with
    /// [`ErrorCode::PreconditionFailed`](crate::ErrorCode) if it holds something else, and with
    /// `KeyDoesNotExist` if it is missing and `create_if_not_exists` is false (`lww-kv` ignores the
    /// flag and always fails on a missing key).
    pub fn cas<F>(
        self,
        key: impl Serialize,
        from: impl Serialize,
        to: impl Serialize,
        create_if_not_exists: bool,
        callback: F,
    ) where
        F: FnOnce(&mut N, &mut Context<N>, RpcResult<()>) + 'static,
    {
        let mut request = serde_json::json!({
            "type": "cas",
            "key": to_json(key),
            "from": to_json(from),
            "to": to_json(to),
        });
        if create_if_not_exists {
            request["create_if_not_exists"] = Value::Bool(true);
        }
        self.ctx.rpc(
            self.kv.service(),
            request,
            self.timeout,
            move |node, ctx, reply| callback(node, ctx, reply.map(|_: Value| ())),
        )
    }
}

/// Requests to `lin-tso`. Obtained from [`Context::tso`].
pub struct TsoClient<'a, N: Node> {
    ctx: &'a mut Context<N>,
    timeout: Duration,
}

impl<N: Node> std::fmt::Debug for TsoClient<'_, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsoClient")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<'a, N: Node> TsoClient<'a, N> {
    pub(crate) fn new(ctx: &'a mut Context<N>) -> Self {
        TsoClient {
            ctx,
            timeout: DEFAULT_SERVICE_TIMEOUT,
        }
    }

    /// Overrides how long to wait for the oracle's reply.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Asks for the next timestamp: 0, 1, 2, … across the whole cluster.
    pub fn ts<F>(self, callback: F)
    where
        F: FnOnce(&mut N, &mut Context<N>, RpcResult<u64>) + 'static,
    {
        let request = serde_json::json!({ "type": "ts" });
        self.ctx
            .rpc("lin-tso", request, self.timeout, move |node, ctx, reply| {
                callback(node, ctx, reply.map(|ok: TsOk| ok.ts))
            })
    }
}

/// Keys and values are arbitrary JSON; one that does not serialize is reported on stderr and sent as
/// `null` rather than panicking the node.
fn to_json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| {
        eprintln!("key-value argument does not serialize, sending null: {e}");
        Value::Null
    })
}
