//! The sans-I/O core: lines and the current time in, lines out.
//!
//! The driver owns the node and its [`Context`] and decides what each incoming line means: the `init`
//! handshake, a reply to a pending RPC, or a request for the node's handler. It never reads a clock or
//! touches stdin/stdout, so the tokio [`runtime`](crate::run) and the in-process
//! [`testing`](crate::testing) harness drive exactly the same code.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use crate::context::Due;
use crate::message::RawMessage;
use crate::{Body, Context, Error, Init, Message, Node, ReplyTo};

/// Runs one node: feed it input lines with [`receive`](Driver::receive), call [`tick`](Driver::tick)
/// when [`next_deadline`](Driver::next_deadline) has passed, and deliver every returned line.
pub struct Driver<N: Node> {
    node: Option<N>,
    ctx: Context<N>,
    /// Messages that arrived before `init` (peers may start talking before our own init arrives).
    backlog: Vec<RawMessage>,
}

impl<N: Node> std::fmt::Debug for Driver<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("initialized", &self.node.is_some())
            .field("ctx", &self.ctx)
            .field("backlog", &self.backlog.len())
            .finish()
    }
}

impl<N: Node> Default for Driver<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<N: Node> Driver<N> {
    /// A driver whose node draws its randomness ([`Context::rng`]) from the operating system.
    pub fn new() -> Self {
        Self::with_rng(StdRng::from_entropy())
    }

    /// A driver whose node draws its randomness from `seed`: the same seed, the same draws.
    pub fn with_seed(seed: u64) -> Self {
        Self::with_rng(StdRng::seed_from_u64(seed))
    }

    fn with_rng(rng: StdRng) -> Self {
        Driver {
            node: None,
            ctx: Context::new(rng),
            backlog: Vec::new(),
        }
    }

    /// The node's state, once `init` has built it.
    pub fn node(&self) -> Option<&N> {
        self.node.as_ref()
    }

    pub fn context(&self) -> &Context<N> {
        &self.ctx
    }

    /// Handles one input line at time `now` (time since start). Timers due by `now` run first.
    /// Returns the lines to write, in order, without trailing newlines.
    pub fn receive(&mut self, line: &str, now: Duration) -> Vec<String> {
        self.run_due(now);
        if !line.trim().is_empty() {
            match RawMessage::parse(line) {
                Ok(raw) => self.dispatch(raw),
                Err(e) => eprintln!(
                    "{}: ignoring unreadable input line ({e}): {line}",
                    self.who()
                ),
            }
        }
        self.ctx.take_outbox()
    }

    /// Runs every timer and RPC timeout due by `now`; returns the lines they produced.
    pub fn tick(&mut self, now: Duration) -> Vec<String> {
        self.run_due(now);
        self.ctx.take_outbox()
    }

    /// When [`tick`](Driver::tick) next has work to do, if ever.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.ctx.next_deadline()
    }

    fn who(&self) -> &str {
        match self.ctx.node_id() {
            "" => "uninitialized node",
            id => id,
        }
    }

    fn run_due(&mut self, now: Duration) {
        self.ctx.set_now(now);
        let Some(node) = self.node.as_mut() else {
            return;
        };
        while let Some(due) = self.ctx.pop_due() {
            match due {
                Due::Timer(id) => self.ctx.fire_timer(id, node),
                Due::RpcTimeout(msg_id) => {
                    if let Some((callback, error)) = self.ctx.expire(msg_id) {
                        callback(node, &mut self.ctx, Err(error));
                    }
                }
            }
        }
    }

    fn dispatch(&mut self, raw: RawMessage) {
        if raw.msg_type() == Some("init") {
            return self.init(raw);
        }
        if self.node.is_none() {
            self.backlog.push(raw);
            return;
        }
        self.handle(raw);
    }

    fn init(&mut self, raw: RawMessage) {
        let to = ReplyTo {
            dest: raw.src.clone(),
            in_reply_to: raw.msg_id(),
        };
        if self.node.is_some() {
            eprintln!("{}: init received twice; acknowledging again", self.who());
            self.reply_init_ok(to);
            return;
        }
        let init = match raw.body::<Init>() {
            Ok(init) => init,
            Err(e) => {
                let error = Error::malformed_request(format!("could not parse init: {e}"));
                return self.ctx.reply_error(to, error);
            }
        };
        self.ctx
            .set_identity(init.node_id.clone(), init.node_ids.clone());
        match N::init(&init, &mut self.ctx) {
            Ok(node) => {
                self.node = Some(node);
                self.reply_init_ok(to);
                for raw in std::mem::take(&mut self.backlog) {
                    self.handle(raw);
                }
            }
            Err(error) => {
                eprintln!("{}: init failed: {error}", self.who());
                self.ctx.reply_error(to, error);
            }
        }
    }

    fn reply_init_ok(&mut self, to: ReplyTo) {
        let mut body = serde_json::Map::new();
        body.insert("type".into(), "init_ok".into());
        let msg_id = self.ctx.allocate_msg_id();
        self.ctx.push(&to.dest, body, Some(msg_id), to.in_reply_to);
    }

    /// Routes an (initialized) node's input: replies go to their RPC callback, everything else to
    /// `Node::handle`.
    fn handle(&mut self, raw: RawMessage) {
        let Some(node) = self.node.as_mut() else {
            return;
        };
        let in_reply_to = raw.in_reply_to();
        if let Some(id) = in_reply_to {
            if let Some(pending) = self.ctx.take_pending(id) {
                let result = reply_result(raw.body().unwrap_or_default());
                return (pending.callback)(node, &mut self.ctx, result);
            }
            if self.ctx.is_expired(id) {
                let me = self.ctx.node_id();
                eprintln!(
                    "{me}: dropping late reply from {} to timed-out request {id}",
                    raw.src
                );
                return;
            }
        }
        // Never answer a reply with an error: two nodes would bounce errors forever.
        let is_reply = in_reply_to.is_some() || raw.msg_type() == Some("error");
        let to = ReplyTo {
            dest: raw.src.clone(),
            in_reply_to: raw.msg_id(),
        };
        let msg_type = raw.msg_type().map(str::to_owned);
        let body = match raw.body::<Body<N::Payload>>() {
            Ok(body) => body,
            Err(e) => {
                let error = match msg_type {
                    None => Error::malformed_request("message body has no \"type\""),
                    Some(t) if e.to_string().starts_with(&format!("unknown variant `{t}`")) => {
                        Error::not_supported(format!("unsupported message type {t:?}"))
                    }
                    Some(t) => Error::malformed_request(format!("could not parse {t:?}: {e}")),
                };
                eprintln!("{}: {error} (from {})", self.ctx.node_id(), to.dest);
                if !is_reply && to.in_reply_to.is_some() {
                    self.ctx.reply_error(to, error);
                }
                return;
            }
        };
        let msg = Message {
            src: raw.src,
            dest: raw.dest,
            body,
        };
        if let Err(error) = node.handle(msg, &mut self.ctx) {
            eprintln!(
                "{}: handler failed: {error} (request from {})",
                self.ctx.node_id(),
                to.dest
            );
            if !is_reply && to.in_reply_to.is_some() {
                self.ctx.reply_error(to, error);
            }
        }
    }
}

/// Turns a reply body into what an RPC callback receives: the body without the RPC fields, or the error
/// it carries.
fn reply_result(mut body: serde_json::Map<String, Value>) -> Result<Value, Error> {
    if body.get("type").and_then(Value::as_str) == Some("error") {
        return Err(Error::from_body(&body));
    }
    body.remove("msg_id");
    body.remove("in_reply_to");
    Ok(Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TimerId;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Ping,
        Pong,
        Add { n: u64 },
        Fail { code: i64 },
        Call { dest: String, timeout_ms: u64 },
        Later { delay_ms: u64 },
        Every { period_ms: u64, times: u32 },
        Tell { dest: String },
        Cancel,
        Odd { dest: String },
    }

    /// Records what happened to it, so tests can check which callbacks ran and when.
    #[derive(Debug, Default)]
    struct Probe {
        log: Vec<String>,
        timer: Option<TimerId>,
    }

    impl Node for Probe {
        type Payload = Payload;

        fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
            Ok(Probe::default())
        }

        fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
            let to = msg.reply_to();
            match msg.body.payload {
                Payload::Ping => ctx.reply(&to, Payload::Pong),
                Payload::Pong => self.log.push(format!("pong from {}", msg.src)),
                Payload::Add { n } => self.log.push(format!("add {n}")),
                Payload::Fail { code } => return Err(Error::new(code.into(), "asked to fail")),
                Payload::Call { dest, timeout_ms } => {
                    let timeout = Duration::from_millis(timeout_ms);
                    ctx.rpc(
                        dest,
                        Payload::Ping,
                        timeout,
                        move |node: &mut Probe, ctx, reply| {
                            let at = ctx.now().as_millis();
                            let outcome = match reply {
                                Ok(Payload::Pong) => "pong".to_string(),
                                Ok(other) => format!("unexpected {other:?}"),
                                Err(e) => format!("error {}", e.code.code()),
                            };
                            node.log.push(format!("{at}: rpc {outcome}"));
                            ctx.reply(&to, Payload::Pong);
                        },
                    );
                }
                Payload::Later { delay_ms } => {
                    ctx.after(Duration::from_millis(delay_ms), |node: &mut Probe, ctx| {
                        node.log.push(format!("{}: later", ctx.now().as_millis()));
                    });
                }
                Payload::Every { period_ms, times } => {
                    let mut left = times;
                    let period = Duration::from_millis(period_ms);
                    let id = ctx.every(period, move |node: &mut Probe, ctx| {
                        node.log.push(format!("{}: tick", ctx.now().as_millis()));
                        left -= 1;
                        if left == 0 {
                            let id = node.timer.take().unwrap();
                            node.log.push(format!("stopped: {}", ctx.cancel(id)));
                        }
                    });
                    self.timer = Some(id);
                }
                Payload::Cancel => {
                    let id = self.timer.take().unwrap();
                    self.log.push(format!("cancelled: {}", ctx.cancel(id)));
                    self.log.push(format!("again: {}", ctx.cancel(id)));
                }
                Payload::Tell { dest } => ctx.send(dest, Payload::Ping),
                Payload::Odd { dest } => {
                    ctx.send(&dest, 5);
                    ctx.send(&dest, json!({"type": "pong", "msg_id": 99}));
                    ctx.reply(&to, Payload::Pong);
                }
            }
            Ok(())
        }
    }

    fn line(src: &str, dest: &str, body: serde_json::Value) -> String {
        json!({ "id": 7, "src": src, "dest": dest, "body": body }).to_string()
    }

    fn parse(lines: &[String]) -> Vec<serde_json::Value> {
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn init_line() -> String {
        line(
            "c0",
            "n1",
            json!({"type":"init","node_id":"n1","node_ids":["n1","n2"],"msg_id":1}),
        )
    }

    fn started() -> Driver<Probe> {
        let mut driver = Driver::new();
        driver.receive(&init_line(), Duration::ZERO);
        driver
    }

    /// A payload that is not an object is not sent and takes no msg_id; one that names `msg_id`
    /// itself gets the runtime's.
    #[test]
    fn odd_payloads_are_refused_or_corrected() {
        let mut driver = started();
        let out = parse(&driver.receive(
            &line("c1", "n1", json!({"type":"odd","dest":"n2","msg_id":4})),
            Duration::ZERO,
        ));
        assert_eq!(
            out,
            [
                json!({"src":"n1","dest":"n2","body":{"type":"pong","msg_id":2}}),
                json!({"src":"n1","dest":"c1","body":{"type":"pong","msg_id":3,"in_reply_to":4}}),
            ]
        );
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn init_is_answered_with_init_ok() {
        let mut driver = Driver::<Probe>::new();
        let out = parse(&driver.receive(&init_line(), Duration::ZERO));
        assert_eq!(
            out,
            [json!({"src":"n1","dest":"c0","body":{"type":"init_ok","in_reply_to":1,"msg_id":1}})]
        );
        assert_eq!(driver.context().node_id(), "n1");
        assert_eq!(driver.context().peers(), ["n2"]);
        assert!(!out[0].as_object().unwrap().contains_key("id"));
    }

    #[test]
    fn replies_answer_the_sender_and_msg_ids_increase() {
        let mut driver = started();
        let first =
            parse(&driver.receive(&line("c3", "n1", json!({"type":"ping","msg_id":5})), ms(1)));
        let second =
            parse(&driver.receive(&line("c4", "n1", json!({"type":"ping","msg_id":5})), ms(2)));
        let sent =
            parse(&driver.receive(&line("c4", "n1", json!({"type":"tell","dest":"n2"})), ms(3)));
        assert_eq!(
            first,
            [json!({"src":"n1","dest":"c3","body":{"type":"pong","in_reply_to":5,"msg_id":2}})]
        );
        assert_eq!(second[0]["dest"], "c4");
        assert_eq!(second[0]["body"]["msg_id"], 3);
        assert_eq!(
            sent,
            [json!({"src":"n1","dest":"n2","body":{"type":"ping","msg_id":4}})]
        );
    }

    #[test]
    fn zero_and_null_msg_ids_are_tolerated() {
        let mut driver = started();
        let zero =
            parse(&driver.receive(&line("c3", "n1", json!({"type":"ping","msg_id":0})), ms(1)));
        assert_eq!(zero[0]["body"]["in_reply_to"], 0);
        let null = parse(&driver.receive(
            &line("c3", "n1", json!({"type":"ping","msg_id":null})),
            ms(1),
        ));
        assert_eq!(null[0]["body"]["type"], "pong");
        assert!(null[0]["body"].get("in_reply_to").is_none());
    }

    #[test]
    fn unknown_types_get_not_supported_and_bad_fields_malformed() {
        let mut driver = started();
        let unknown = parse(&driver.receive(
            &line("c3", "n1", json!({"type":"frobnicate","msg_id":9})),
            ms(1),
        ));
        assert_eq!(unknown[0]["body"]["type"], "error");
        assert_eq!(unknown[0]["body"]["code"], 10);
        assert_eq!(unknown[0]["body"]["in_reply_to"], 9);
        let bad = parse(&driver.receive(
            &line("c3", "n1", json!({"type":"add","n":"x","msg_id":10})),
            ms(1),
        ));
        assert_eq!(bad[0]["body"]["code"], 12);
        let untyped = parse(&driver.receive(&line("c3", "n1", json!({"msg_id":11})), ms(1)));
        assert_eq!(untyped[0]["body"]["code"], 12);
    }

    #[test]
    fn replies_and_errors_are_never_answered_with_errors() {
        let mut driver = started();
        let stray = json!({"type":"frobnicate_ok","in_reply_to":99,"msg_id":3});
        assert!(driver.receive(&line("n2", "n1", stray), ms(1)).is_empty());
        let error = json!({"type":"error","code":10,"text":"no","msg_id":4});
        assert!(driver.receive(&line("n2", "n1", error), ms(1)).is_empty());
        assert!(driver.receive("not json at all", ms(1)).is_empty());
        assert!(driver.receive("", ms(1)).is_empty());
    }

    #[test]
    fn handler_errors_become_error_replies() {
        let mut driver = started();
        let out = parse(&driver.receive(
            &line("c3", "n1", json!({"type":"fail","code":22,"msg_id":4})),
            ms(1),
        ));
        assert_eq!(
            out,
            [json!({"src":"n1","dest":"c3","body":{
                "type":"error","code":22,"text":"asked to fail","in_reply_to":4,"msg_id":2}})]
        );
    }

    #[test]
    fn rpc_timeout_fires_exactly_once_and_late_replies_are_dropped() {
        let mut driver = started();
        let call = json!({"type":"call","dest":"n2","timeout_ms":100,"msg_id":4});
        let out = parse(&driver.receive(&line("c3", "n1", call), ms(10)));
        assert_eq!(
            out,
            [json!({"src":"n1","dest":"n2","body":{"type":"ping","msg_id":2}})]
        );
        assert_eq!(driver.next_deadline(), Some(ms(110)));
        assert!(driver.tick(ms(109)).is_empty());
        let timed_out = parse(&driver.tick(ms(110)));
        assert_eq!(
            timed_out[0]["body"]["in_reply_to"], 4,
            "callback replied to the client"
        );
        assert!(driver.tick(ms(500)).is_empty());
        let late = json!({"type":"pong","in_reply_to":2});
        assert!(driver.receive(&line("n2", "n1", late), ms(600)).is_empty());
        assert_eq!(driver.node().unwrap().log, ["110: rpc error 0"]);
        assert_eq!(driver.next_deadline(), None);
    }

    #[test]
    fn a_reply_before_the_timeout_cancels_it() {
        let mut driver = started();
        let call = json!({"type":"call","dest":"n2","timeout_ms":100,"msg_id":4});
        driver.receive(&line("c3", "n1", call), ms(10));
        let reply = json!({"type":"pong","in_reply_to":2,"msg_id":1});
        let out = parse(&driver.receive(&line("n2", "n1", reply), ms(50)));
        assert_eq!(out[0]["dest"], "c3");
        assert_eq!(driver.next_deadline(), None);
        assert!(driver.tick(ms(1000)).is_empty());
        assert_eq!(driver.node().unwrap().log, ["50: rpc pong"]);
        assert_eq!(driver.context().pending_rpcs(), 0);
    }

    #[test]
    fn an_error_reply_reaches_the_callback_with_its_code() {
        let mut driver = started();
        let call = json!({"type":"call","dest":"n2","timeout_ms":100,"msg_id":4});
        driver.receive(&line("c3", "n1", call), ms(10));
        let reply = json!({"type":"error","code":11,"text":"busy","in_reply_to":2});
        driver.receive(&line("n2", "n1", reply), ms(20));
        assert_eq!(driver.node().unwrap().log, ["20: rpc error 11"]);
        assert!(driver.tick(ms(1000)).is_empty());
    }

    #[test]
    fn an_rpc_to_self_is_answered_by_the_same_node() {
        let mut driver = started();
        let call = json!({"type":"call","dest":"n1","timeout_ms":100,"msg_id":4});
        let request = driver.receive(&line("c3", "n1", call), ms(0));
        let reply = driver.receive(&request[0], ms(1));
        driver.receive(&reply[0], ms(2));
        assert_eq!(driver.node().unwrap().log, ["2: rpc pong"]);
    }

    #[test]
    fn timers_fire_on_time_and_stop_when_cancelled() {
        let mut driver = started();
        driver.receive(
            &line("c3", "n1", json!({"type":"later","delay_ms":25})),
            ms(0),
        );
        driver.receive(
            &line(
                "c3",
                "n1",
                json!({"type":"every","period_ms":10,"times":100}),
            ),
            ms(0),
        );
        assert_eq!(driver.next_deadline(), Some(ms(10)));
        driver.tick(ms(10));
        driver.tick(ms(20));
        driver.tick(ms(30));
        driver.receive(&line("c3", "n1", json!({"type":"cancel"})), ms(31));
        assert_eq!(driver.next_deadline(), None);
        driver.tick(ms(100));
        // A tick runs everything due by its time, in deadline order, and `now()` is the tick's time.
        let log = &driver.node().unwrap().log;
        assert_eq!(
            log[..],
            [
                "10: tick",
                "20: tick",
                "30: later",
                "30: tick",
                "cancelled: true",
                "again: false"
            ]
        );
    }

    #[test]
    fn a_repeating_timer_can_cancel_itself() {
        let mut driver = started();
        driver.receive(
            &line("c3", "n1", json!({"type":"every","period_ms":10,"times":2})),
            ms(0),
        );
        driver.tick(ms(10));
        driver.tick(ms(20));
        assert_eq!(driver.next_deadline(), None);
        driver.tick(ms(100));
        assert_eq!(
            driver.node().unwrap().log[..],
            ["10: tick", "20: tick", "stopped: true"]
        );
    }

    #[test]
    fn a_late_tick_runs_a_periodic_timer_once_not_for_every_missed_period() {
        let mut driver = started();
        driver.receive(
            &line(
                "c3",
                "n1",
                json!({"type":"every","period_ms":10,"times":100}),
            ),
            ms(0),
        );
        driver.tick(ms(95));
        assert_eq!(driver.node().unwrap().log[..], ["95: tick"]);
        assert_eq!(driver.next_deadline(), Some(ms(105)));
    }

    #[test]
    fn messages_before_init_are_handled_after_it() {
        let mut driver = Driver::<Probe>::new();
        let early = driver.receive(&line("n2", "n1", json!({"type":"ping","msg_id":3})), ms(0));
        assert!(early.is_empty());
        assert!(driver.node().is_none());
        let out = parse(&driver.receive(&init_line(), ms(1)));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0]["body"]["type"], "init_ok");
        assert_eq!(
            out[1],
            json!({"src":"n1","dest":"n2","body":{"type":"pong","in_reply_to":3,"msg_id":2}})
        );
    }

    /// Draws eight numbers from its context at init: what a node sees of its randomness.
    struct Dice(Vec<u64>);

    impl Node for Dice {
        type Payload = Payload;

        fn init(_init: &Init, ctx: &mut Context<Self>) -> Result<Self, Error> {
            use rand::Rng;
            Ok(Dice((0..8).map(|_| ctx.rng().gen()).collect()))
        }

        fn handle(
            &mut self,
            _msg: Message<Payload>,
            _ctx: &mut Context<Self>,
        ) -> Result<(), Error> {
            Ok(())
        }
    }

    fn draws(mut driver: Driver<Dice>) -> Vec<u64> {
        driver.receive(&init_line(), Duration::ZERO);
        driver.node().expect("initialised").0.clone()
    }

    /// The simulator replays a schedule by seed: a node's random draws must replay with it.
    #[test]
    fn the_same_seed_gives_the_same_draws() {
        assert_eq!(draws(Driver::with_seed(42)), draws(Driver::with_seed(42)));
        assert_ne!(draws(Driver::with_seed(42)), draws(Driver::with_seed(43)));
        // From the operating system: two drivers do not agree (2^-512 odds of a false alarm).
        assert_ne!(draws(Driver::new()), draws(Driver::new()));
    }
}
