//! The builtin engine: a Rust re-implementation of Maelstrom's harness (processes, simulated
//! network, partitions, services, workload clients), so that grading needs no JVM.
//!
//! A run follows Maelstrom's lifecycle (spec §2): start the services and one process per node,
//! `init` every node concurrently, fix the history's time origin, run each node's setup (the
//! broadcast topology), run the operation phases, kill the nodes, and leave `history.edn`,
//! `history.txt`, `messages.jsonl` and `node-logs/` in the run directory. Where Maelstrom would
//! crash (exit 255) the run is marked aborted, and the reason is a `"nodes"` diagnosis.
//!
//! The core ([`net`], [`client`], [`interpreter`], [`nemesis`], the services) runs on a
//! [`clock::Clock`]; this module drives it either with the wall clock and free-running node
//! processes ([`Timing::RealTime`]), or in virtual time with nodes stepped through `common`'s
//! step protocol ([`Timing::Simulated`], see [`sim`]): one core, two ways of keeping time.

pub mod client;
pub mod clock;
pub mod diagnosis;
pub mod gen;
pub mod interpreter;
pub mod nemesis;
pub mod net;
pub mod process;
pub mod schema;
pub mod services;
pub mod sim;
pub mod stall;
pub mod topology;
pub mod wire;
pub mod workload;

use std::fs::File;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value as Json};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::history::{History, OpType};
use crate::live::RunStatus;
use crate::netstats::NetStats;
use crate::options::{TestOptions, Workload};
use crate::verdict::Check;

use self::client::{RpcClient, RpcError};
use self::clock::{Clock, WallClock};
use self::diagnosis::Diagnoses;
use self::interpreter::{Interpreter, Plan};
use self::net::{Delivery, Latency, Network};
use self::process::{NodeContext, NodeHandle};
use self::services::{Service, ServiceReply};
use self::sim::clock::SimClock;
use self::sim::node::{SimNodes, Unsimulable};
use self::wire::excerpt;

/// How long a node has to answer `init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a builtin run leaves behind for the checkers.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    pub history: History,
    /// Network statistics, `msgs_per_op` filled in.
    pub net: NetStats,
    /// Diagnoses of misbehaving nodes (not JSON, wrong `in_reply_to`, crashed, mute at init…),
    /// each an invalid check named `"nodes"`. Empty when every node behaved.
    pub node_checks: Vec<Check>,
    /// The run could not go on (a node never answered `init`, crashed, failed `topology`): as with
    /// Maelstrom's exit 255, there is nothing for the checkers to judge.
    pub aborted: bool,
    /// The machine stalled the engine long enough to distort the run (see [`stall`]).
    pub stall: Option<crate::verdict::Stall>,
    /// The worst scheduling lag of the run, in ms, stall or not.
    pub worst_lag_ms: Option<u64>,
    /// How much virtual time a simulated run covered, and in how many steps.
    pub simulated: Option<Simulated>,
}

/// How a run keeps time and drives its nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// The wall clock; nodes are free-running processes.
    RealTime,
    /// Virtual time; nodes are stepped through `common`'s step protocol, and `seed` fixes every
    /// random choice of the run.
    Simulated { seed: u64 },
}

/// What a simulated run covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Simulated {
    pub seed: u64,
    /// Virtual time from the start to the end of the run.
    pub time: Duration,
    /// How many distinct instants the clock stopped at.
    pub events: u64,
}

/// The engine could not run at all: an environment problem, not the node's fault.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the builtin engine cannot run the {0} workload yet")]
    Unsupported(&'static str),
    /// `--engine sim` was asked to run a node that does not speak the step protocol.
    #[error("{0}")]
    Unsimulable(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// Where a run is, for a progress display.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The nodes are being started and initialised.
    Starting { nodes: usize },
    /// The main phase began; it lasts about this long (plus the final phase, if any).
    Running {
        time_limit: Duration,
        final_phase: bool,
    },
    /// The operations are over; the nodes are being stopped.
    Stopping,
}

/// Whether the builtin engine can run this workload.
pub fn supports(workload: Workload) -> bool {
    workload::supported(workload)
}

/// Runs one test against `bin`, writing `history.edn`, `history.txt`, `messages.jsonl` and
/// `node-logs/` into `run_dir`.
pub fn run(opts: &TestOptions, bin: &Path, run_dir: &Path) -> Result<RunRecord, EngineError> {
    run_with_progress(opts, bin, run_dir, &|_| {})
}

/// [`run`] in virtual time, every random choice fixed by `seed`.
pub fn simulate(
    opts: &TestOptions,
    bin: &Path,
    run_dir: &Path,
    seed: u64,
) -> Result<RunRecord, EngineError> {
    simulate_observed(opts, bin, run_dir, seed, None)
}

/// [`simulate`], keeping `status` (phase, operation counts, virtual time) up to date for a live
/// display.
pub fn simulate_observed(
    opts: &TestOptions,
    bin: &Path,
    run_dir: &Path,
    seed: u64,
    status: Option<Arc<RunStatus>>,
) -> Result<RunRecord, EngineError> {
    run_timed(
        opts,
        bin,
        run_dir,
        Timing::Simulated { seed },
        &|_| {},
        status,
    )
}

/// [`run`], reporting progress as it goes.
pub fn run_with_progress(
    opts: &TestOptions,
    bin: &Path,
    run_dir: &Path,
    progress: &dyn Fn(Progress),
) -> Result<RunRecord, EngineError> {
    run_observed(opts, bin, run_dir, progress, None)
}

/// [`run_with_progress`], also keeping `status` (phase, operation counts) up to date for a live
/// display.
pub fn run_observed(
    opts: &TestOptions,
    bin: &Path,
    run_dir: &Path,
    progress: &dyn Fn(Progress),
    status: Option<Arc<RunStatus>>,
) -> Result<RunRecord, EngineError> {
    run_timed(opts, bin, run_dir, Timing::RealTime, progress, status)
}

/// [`run`] with the given way of keeping time, reporting progress (and, with `status`, the phase
/// and operation counts for a live display) as it goes.
pub fn run_timed(
    opts: &TestOptions,
    bin: &Path,
    run_dir: &Path,
    timing: Timing,
    progress: &dyn Fn(Progress),
    status: Option<Arc<RunStatus>>,
) -> Result<RunRecord, EngineError> {
    let io = |context: String| move |source| EngineError::Io { context, source };
    let log_dir = run_dir.join("node-logs");
    std::fs::create_dir_all(&log_dir).map_err(io(format!("creating {}", log_dir.display())))?;
    let mut builder = tokio::runtime::Builder::new_current_thread();
    match timing {
        Timing::RealTime => builder.enable_all(),
        // tokio's own clock then moves only when no task can run: the signal that virtual time
        // may advance (see sim::clock). Sim nodes use no async I/O.
        Timing::Simulated { .. } => builder.enable_time().start_paused(true),
    };
    let runtime = builder
        .build()
        .map_err(io("starting the async runtime".into()))?;
    // A simulated run and its nodes share one CPU (see sim::cpu); until the run is over.
    let pinned = matches!(timing, Timing::Simulated { .. }).then(sim::cpu::pin_current_thread);
    let record = runtime.block_on(run_async(opts, bin, run_dir, timing, progress, status));
    // Dropping the runtime cancels whatever is left (idle tasks of killed nodes).
    drop(runtime);
    drop(pinned);
    let record = record?;
    let write = |name: &str, text: String| {
        let path = run_dir.join(name);
        std::fs::write(&path, text).map_err(io(format!("writing {}", path.display())))
    };
    // Two renderings of one history, independent: side by side (the run's CPU pin is lifted).
    let history = &record.history;
    let (edn, txt) = std::thread::scope(|scope| {
        let txt = scope.spawn(|| write("history.txt", history.to_txt()));
        let edn = write("history.edn", history.to_edn());
        let txt = txt
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (edn, txt)
    });
    edn?;
    txt?;
    Ok(record)
}

async fn run_async(
    opts: &TestOptions,
    bin: &Path,
    run_dir: &Path,
    timing: Timing,
    progress: &dyn Fn(Progress),
    status: Option<Arc<RunStatus>>,
) -> Result<RunRecord, EngineError> {
    let workload =
        workload::for_options(opts).ok_or(EngineError::Unsupported(opts.workload.name()))?;
    let journal_path = run_dir.join("messages.jsonl");
    let journal = File::create(&journal_path).map_err(|source| EngineError::Io {
        context: format!("creating {}", journal_path.display()),
        source,
    })?;
    let (clock, sim_clock, mut rng): (Arc<dyn Clock>, _, _) = match timing {
        Timing::RealTime => (Arc::new(WallClock::start()), None, StdRng::from_entropy()),
        Timing::Simulated { seed } => {
            let clock = Arc::new(SimClock::new());
            (clock.clone(), Some(clock), StdRng::seed_from_u64(seed))
        }
    };
    let advancer = sim_clock
        .clone()
        .map(|clock| tokio::spawn(sim::clock::advance(clock)));
    let unsimulable = Unsimulable::default();
    // The stall watch measures the wall clock's lateness: it means nothing in virtual time.
    let stall_watch = Arc::new(stall::StallWatch::default());
    let ticker = (timing == Timing::RealTime).then(|| stall_watch.start());
    let net = Arc::new(Network::new(
        clock.clone(),
        Latency::from_options(opts),
        StdRng::seed_from_u64(rng.gen()),
        Some(journal),
    ));
    if sim_clock.is_some() {
        net.set_transit(sim::TRANSIT);
    }
    let diagnoses = Diagnoses::default();
    let (abort, mut aborted) = watch::channel(false);
    let ctx = NodeContext {
        net: net.clone(),
        diagnoses: diagnoses.clone(),
        abort: Arc::new(abort),
        stage: Arc::new(Mutex::new("during startup, before answering init")),
        tearing_down: Arc::new(AtomicBool::new(false)),
        log_dir: run_dir.join("node-logs"),
    };
    if let Some(s) = &status {
        s.set_phase(crate::live::Phase::Starting);
    }
    progress(Progress::Starting {
        nodes: opts.nodes.len(),
    });

    let mut services = JoinSet::new();
    for service in services::all() {
        net.add_endpoint(service.id());
        let seed = rng.gen();
        services.spawn(serve(net.clone(), service, diagnoses.clone(), seed));
    }

    let mut record = RunRecord::default();
    let mut nodes = match timing {
        Timing::RealTime => Nodes::Real(Vec::new()),
        Timing::Simulated { .. } => Nodes::Sim(SimNodes::default()),
    };
    let mut ok = start_nodes(&ctx, opts, bin, &mut nodes, &mut rng, &unsimulable);
    if ok {
        ok = abortable(&mut aborted, init_all(&net, &diagnoses, &opts.nodes)).await == Some(true);
    }
    let origin = clock.now();
    net.set_time_origin(origin);
    let mut setup_clients = Vec::new();
    if ok {
        *ctx.stage.lock().unwrap_or_else(|e| e.into_inner()) = "while the test was running";
        let setup = setup_all(&net, &diagnoses, workload.as_ref(), &opts.nodes);
        match abortable(&mut aborted, setup).await {
            Some((clients, setup_ok)) => {
                setup_clients = clients;
                ok = setup_ok;
            }
            None => ok = false,
        }
    }
    let mut interpreter = Interpreter::new(
        net.clone(),
        diagnoses.clone(),
        workload,
        Plan {
            nodes: opts.nodes.clone(),
            threads: opts.threads(),
            time_limit: opts.time_limit,
            rate: opts.rate,
            nemesis_interval: opts.nemesis_partition.then_some(opts.nemesis_interval),
            recovery: interpreter::RECOVERY,
        },
        StdRng::seed_from_u64(rng.gen()),
        origin,
    );
    if let Some(s) = status {
        let recovery = if opts.workload.has_final_phase() {
            interpreter::RECOVERY + Duration::from_secs(1)
        } else {
            Duration::ZERO
        };
        if sim_clock.is_some() {
            s.start_virtual_schedule(opts.time_limit + recovery);
        } else {
            s.start_schedule(opts.time_limit + recovery);
        }
        interpreter.observe(s);
    }
    if ok {
        progress(Progress::Running {
            time_limit: opts.time_limit,
            final_phase: opts.workload.has_final_phase(),
        });
        ok = abortable(&mut aborted, interpreter.run()).await.is_some();
    }
    // The operations are over: lag from here on (killing the nodes) distorts nothing.
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    record.stall = stall_watch.stall();
    record.worst_lag_ms = stall_watch.worst_lag_ms();
    // A node that died just as the operations ended is a crash too (Maelstrom finds it at
    // teardown).
    ok = ok && !*aborted.borrow();
    progress(Progress::Stopping);
    for c in setup_clients {
        c.close();
    }
    match nodes {
        Nodes::Real(nodes) => process::kill_all(&ctx, nodes).await,
        Nodes::Sim(nodes) => nodes.kill_all(&ctx),
    }
    services.abort_all();
    for flood in net.floods() {
        diagnoses.report_flood(&flood);
    }
    if let Some(advancer) = advancer {
        advancer.abort();
    }
    if let Some(why) = unsimulable.lock().unwrap_or_else(|e| e.into_inner()).take() {
        return Err(EngineError::Unsimulable(why));
    }
    if let (Some(clock), Timing::Simulated { seed }) = (&sim_clock, timing) {
        record.simulated = Some(Simulated {
            seed,
            time: clock.now(),
            events: clock.advances(),
        });
    }
    record.aborted = !ok;
    record.history = History::new(interpreter.into_history());
    let invocations = record
        .history
        .client_ops()
        .filter(|op| op.kind == OpType::Invoke)
        .count() as u64;
    record.net = net.stats().with_op_count(invocations);
    record.node_checks = diagnoses.checks();
    net.finish().map_err(|source| EngineError::Io {
        context: format!("writing {}", journal_path.display()),
        source,
    })?;
    Ok(record)
}

/// Runs `fut` unless the run is (or becomes) aborted; `None` when it was.
async fn abortable<T>(
    aborted: &mut watch::Receiver<bool>,
    fut: impl std::future::Future<Output = T>,
) -> Option<T> {
    if *aborted.borrow() {
        return None;
    }
    tokio::select! {
        biased;
        out = fut => Some(out),
        _ = aborted.wait_for(|a| *a) => None,
    }
}

/// The nodes of a run, as the way of keeping time drives them.
enum Nodes {
    Real(Vec<NodeHandle>),
    Sim(SimNodes),
}

/// Registers and spawns every node; false (with a diagnosis) if one could not start.
fn start_nodes(
    ctx: &NodeContext,
    opts: &TestOptions,
    bin: &Path,
    nodes: &mut Nodes,
    rng: &mut StdRng,
    unsimulable: &Unsimulable,
) -> bool {
    let bin = match process::resolve_binary(bin) {
        Ok(bin) => bin,
        Err(failure) => {
            ctx.diagnoses.report("binary", failure.0, Vec::new());
            return false;
        }
    };
    for id in &opts.nodes {
        ctx.net.add_endpoint(id);
        let seed = rng.gen();
        let started = match nodes {
            Nodes::Real(nodes) => {
                process::spawn(ctx, id, &bin, &opts.node_args).map(|handle| nodes.push(handle))
            }
            Nodes::Sim(nodes) => nodes.spawn(ctx, id, &bin, &opts.node_args, seed, unsimulable),
        };
        match started {
            Ok(()) => {}
            Err(failure) => {
                ctx.diagnoses.report("binary", failure.0, Vec::new());
                return false;
            }
        }
    }
    true
}

/// Sends `init` to every node at once, each from a fresh client; true if all answered init_ok.
async fn init_all(net: &Arc<Network>, diagnoses: &Diagnoses, nodes: &[String]) -> bool {
    let mut inits = JoinSet::new();
    for node in nodes {
        let mut rpc = RpcClient::open(net, diagnoses);
        let body = json!({"type": "init", "node_id": node, "node_ids": nodes});
        let node = node.clone();
        inits.spawn(async move {
            let client = rpc.id().to_owned();
            let result = rpc.rpc(&node, body, INIT_TIMEOUT).await;
            rpc.close();
            (node, client, result)
        });
    }
    let mut all_ok = true;
    while let Some(joined) = inits.join_next().await {
        let Ok((node, client, result)) = joined else {
            all_ok = false;
            continue;
        };
        let failure = match result {
            Ok(body) if body.get("type") == Some(&Json::from("init_ok")) => continue,
            Ok(body) => (
                format!(
                    "{node} answered init with `{}` instead of an init_ok",
                    excerpt(&body.to_string())
                ),
                vec![
                    "Maelstrom aborts the test when a node's reply to init is not of type \
                      init_ok."
                        .to_owned(),
                ],
            ),
            Err(RpcError::Error { name, text, .. }) => (
                format!(
                    "{node} answered init with an error ({name}{})",
                    text.map(|t| format!(": {t}")).unwrap_or_default()
                ),
                vec!["Maelstrom aborts the test when a node cannot be initialised.".to_owned()],
            ),
            Err(_) => {
                let mut details = vec![format!(
                    "Expected a line like {{\"src\":\"{node}\",\"dest\":\"{client}\",\"body\":\
                     {{\"type\":\"init_ok\",\"in_reply_to\":1}}}} on {node}'s stdout, ended by a \
                     newline and flushed."
                )];
                if diagnoses.contains(&format!("stdout {node}")) {
                    details.push(format!(
                        "{node}'s stdout was no longer read because of the bad line above."
                    ));
                }
                details.push("Maelstrom aborts the test when a node does not answer init.".into());
                (
                    format!(
                        "{node} never answered init within {} s",
                        INIT_TIMEOUT.as_secs()
                    ),
                    details,
                )
            }
        };
        all_ok = false;
        diagnoses.report(format!("init {node}"), failure.0, failure.1);
    }
    all_ok
}

/// Opens each node's setup client and runs the workload's setup on all nodes at once. The
/// clients stay open until the end, as in Maelstrom.
async fn setup_all(
    net: &Arc<Network>,
    diagnoses: &Diagnoses,
    workload: &dyn workload::Workload,
    nodes: &[String],
) -> (Vec<RpcClient>, bool) {
    let mut setups = JoinSet::new();
    for node in nodes {
        let rpc = RpcClient::open(net, diagnoses);
        let node = node.clone();
        setups.spawn(workload.setup(rpc, node.clone()));
    }
    let mut clients = Vec::new();
    let mut all_ok = true;
    while let Some(joined) = setups.join_next().await {
        let Ok((rpc, result)) = joined else {
            all_ok = false;
            continue;
        };
        clients.push(rpc);
        if let Err(e) = result {
            all_ok = false;
            diagnoses.report(format!("setup {}", e.0), e.0, Vec::new());
        }
    }
    (clients, all_ok)
}

/// One service endpoint: requests one at a time, replies with `in_reply_to` added.
async fn serve(net: Arc<Network>, mut service: Box<dyn Service>, diagnoses: Diagnoses, seed: u64) {
    let id = service.id();
    let mut rng = StdRng::seed_from_u64(seed);
    loop {
        let give_up = net.clock().now() + Duration::from_secs(1);
        let request = match net.recv(id, give_up).await {
            Delivery::Message(m) => m,
            Delivery::Nothing => continue,
            Delivery::Gone => return,
        };
        match service.handle(&request.src, &request.body, &mut rng) {
            ServiceReply::Reply(mut body) => {
                if let Some(map) = body.as_object_mut() {
                    let in_reply_to = request.body.get("msg_id").cloned().unwrap_or(Json::Null);
                    map.insert("in_reply_to".into(), in_reply_to);
                }
                // The requester is a node, always registered until teardown.
                let _ = net.send(id, &request.src, body);
            }
            ServiceReply::NoReply(reason) => {
                let src = &request.src;
                diagnoses.report(
                    format!("service {src} {id} {reason}"),
                    format!("{src} sent {id} a request it does not answer: {reason}"),
                    vec![
                        format!("The request was `{}`.", excerpt(&request.body.to_string())),
                        format!(
                            "Maelstrom's {id} sends no reply in that case, so {src} only sees a \
                             timeout."
                        ),
                    ],
                );
            }
        }
    }
}
