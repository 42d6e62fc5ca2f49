//! Node processes (spec §3): spawning, the three pipes, crash detection, and making sure no node
//! outlives the grader.
//!
//! Each node runs `bin args…` with all three standard streams piped. One task writes the
//! network's deliveries to its stdin, one reads its stdout into the network ([`stdout`]: going
//! mute for good after a bad line, as Maelstrom's reader does), one copies its stderr to
//! `node-logs/<node>.log` and keeps the last lines for diagnoses ([`stderr`]). A monitor notices
//! when the process exits: Maelstrom aborts such a run at teardown; here it is aborted at once,
//! since there is nothing left to judge. Whatever a node prints, the grader holds a bounded
//! amount of it ([`lines`]); whatever it starts is ended with it ([`reaper`]).

pub mod lines;
pub mod reaper;
pub mod spawn;
pub mod stderr;
pub mod stdout;

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use self::stderr::StderrTail;
use super::diagnosis::Diagnoses;
use super::net::{Delivery, Network};

pub use self::spawn::{resolve_binary, SpawnFailure};
pub use self::stdout::inject;

/// How many of the last stderr lines a diagnosis shows.
pub(crate) const SHOWN: usize = 12;

/// What every node task shares.
#[derive(Debug, Clone)]
pub struct NodeContext {
    pub net: Arc<Network>,
    pub diagnoses: Diagnoses,
    /// Set to true when the run must stop (a node exited).
    pub abort: Arc<watch::Sender<bool>>,
    /// What the test is doing, for crash reports ("before answering init", …).
    pub stage: Arc<Mutex<&'static str>>,
    /// Set before the harness kills the nodes, so that their deaths are not crashes.
    pub tearing_down: Arc<AtomicBool>,
    pub log_dir: PathBuf,
}

impl NodeContext {
    /// The [`reaper::TAG`] prefix of this run's nodes: the grader's pid and the run folder.
    pub(crate) fn tag_prefix(&self) -> String {
        tag_prefix(&self.log_dir)
    }
}

/// The [`reaper::TAG`] prefix of the nodes of the run whose logs go to `log_dir`: what a test
/// looks for in `/proc` to prove that a run left nothing behind.
pub fn tag_prefix(log_dir: &Path) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    log_dir.hash(&mut h);
    format!("{}{:x}:", reaper::grader_prefix(), h.finish())
}

/// A running node.
#[derive(Debug)]
pub struct NodeHandle {
    pub id: String,
    pid: Option<u32>,
    kill: Option<oneshot::Sender<()>>,
    monitor: JoinHandle<()>,
    io: Vec<JoinHandle<()>>,
}

/// Starts node `id`.
pub fn spawn(
    ctx: &NodeContext,
    id: &str,
    bin: &Path,
    args: &[String],
) -> Result<NodeHandle, SpawnFailure> {
    let (log_path, log) = log_file(ctx, id)?;
    let mut child = spawn::command(ctx, id, bin, args)
        .spawn()
        .map_err(|e| spawn::failed_to_start(id, bin, e))?;
    let pid = child.id();
    if let Some(pid) = pid {
        reaper::register(pid);
    }
    let (stdin, stdout, stderr) = (
        child.stdin.take().expect("piped"),
        child.stdout.take().expect("piped"),
        child.stderr.take().expect("piped"),
    );
    let tail = Arc::new(Mutex::new(StderrTail::default()));
    let (stderr_done_tx, stderr_done) = oneshot::channel();
    let io = vec![
        tokio::spawn(write_stdin(ctx.net.clone(), id.to_owned(), stdin)),
        tokio::spawn(stdout::read_stdout(ctx.clone(), id.to_owned(), stdout)),
        tokio::spawn(stderr::read_stderr(
            stderr,
            log,
            tail.clone(),
            stderr_done_tx,
        )),
    ];
    let (kill, killed) = oneshot::channel();
    let monitor = tokio::spawn(monitor(
        ctx.clone(),
        id.to_owned(),
        child,
        killed,
        stderr_done,
        tail,
        log_path,
    ));
    Ok(NodeHandle {
        id: id.to_owned(),
        pid,
        kill: Some(kill),
        monitor,
        io,
    })
}

/// Kills every node (their whole process groups) and waits for them to be gone; then ends
/// whatever they started that escaped their groups, naming it in a diagnosis.
pub async fn kill_all(ctx: &NodeContext, nodes: Vec<NodeHandle>) {
    ctx.tearing_down.store(true, Ordering::SeqCst);
    let pids: Vec<u32> = nodes.iter().filter_map(|n| n.pid).collect();
    reaper::kill_groups(&pids);
    // One shared wait for every node's readers (their pipes close together, killed at once).
    let drained = tokio::time::Instant::now() + Duration::from_millis(300);
    for mut node in nodes {
        if let Some(kill) = node.kill.take() {
            let _ = kill.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut node.monitor).await;
        // Let the readers reach the end of their pipes: the stderr log gets its closing note,
        // a cut line over the cap its diagnosis. A mute reader never ends: it is aborted.
        for task in node.io.iter_mut().skip(1) {
            let _ = tokio::time::timeout_at(drained, task).await;
        }
        for task in &node.io {
            task.abort();
        }
        if let Some(pid) = node.pid {
            reaper::unregister(pid);
        }
    }
    let ctx = ctx.clone();
    let _ = tokio::task::spawn_blocking(move || end_leftovers(&ctx, &pids)).await;
}

/// The node's stderr log, `node-logs/<id>.log`.
pub(crate) fn log_file(ctx: &NodeContext, id: &str) -> Result<(PathBuf, File), SpawnFailure> {
    let log_path = ctx.log_dir.join(format!("{id}.log"));
    let log = File::create(&log_path)
        .map_err(|e| SpawnFailure(format!("cannot create {}: {e}", log_path.display())))?;
    Ok((log_path, log))
}

/// After the nodes' groups (`pids`) were killed: ends whatever they started that escaped their
/// groups, naming it in a diagnosis. Blocks for a moment (it polls `/proc`); both engines'
/// teardowns call it.
pub(crate) fn end_leftovers(ctx: &NodeContext, pids: &[u32]) {
    let leftovers = reaper::end_leftovers(&ctx.tag_prefix(), pids);
    let mut by_node: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for l in &leftovers {
        by_node
            .entry(&l.node)
            .or_default()
            .push(format!("pid {} ({})", l.pid, l.name));
    }
    for (node, procs) in by_node {
        ctx.diagnoses.report(
            format!("leftover {node}"),
            format!(
                "{node} left {} running after it was stopped: {}",
                if procs.len() == 1 {
                    "a process"
                } else {
                    "processes"
                },
                procs.join(", ")
            ),
            vec![
                "They had left the node's process group (setsid, a double fork), so stopping \
                 the node did not stop them; the grader found and killed them."
                    .into(),
                "A node's helpers must end with it: keep them as children in its process group \
                 (do not daemonise them)."
                    .into(),
            ],
        );
    }
}

async fn write_stdin(net: Arc<Network>, id: String, mut stdin: ChildStdin) {
    loop {
        let give_up = net.clock().now() + Duration::from_secs(1);
        match net.recv(&id, give_up).await {
            Delivery::Message(m) => {
                let mut line = m.to_line();
                line.push('\n');
                // A dead node cannot read: the message is lost, as in Maelstrom.
                if stdin.write_all(line.as_bytes()).await.is_ok() {
                    let _ = stdin.flush().await;
                }
            }
            Delivery::Nothing => {}
            Delivery::Gone => return,
        }
    }
}

async fn monitor(
    ctx: NodeContext,
    id: String,
    mut child: Child,
    killed: oneshot::Receiver<()>,
    stderr_done: oneshot::Receiver<()>,
    tail: Arc<Mutex<StderrTail>>,
    log_path: PathBuf,
) {
    let started = ctx.net.clock().now();
    let status = tokio::select! {
        status = child.wait() => status,
        _ = killed => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return;
        }
    };
    if ctx.tearing_down.load(Ordering::SeqCst) {
        return;
    }
    // Let the stderr reader drain what the node wrote before dying.
    let _ = tokio::time::timeout(Duration::from_secs(1), stderr_done).await;
    let how = match status {
        Ok(s) => describe_exit(s),
        Err(e) => format!("ended ({e})"),
    };
    let tail = tail.lock().unwrap_or_else(|e| e.into_inner());
    report_exit(&ctx, &id, &how, started, &tail, &log_path);
}

/// Diagnoses node `id`'s exit (`how` it ended, from [`describe_exit`]) with what it wrote to
/// stderr, and aborts the run: the crash report of both engines.
pub(crate) fn report_exit(
    ctx: &NodeContext,
    id: &str,
    how: &str,
    started: Duration,
    tail: &StderrTail,
    log_path: &Path,
) {
    let after = ctx.net.clock().now().saturating_sub(started).as_secs_f64();
    let stage = *ctx.stage.lock().unwrap_or_else(|e| e.into_inner());
    let mut details = Vec::new();
    if let Some(panic) = &tail.panic {
        details.push(format!("{id} panicked:"));
        details.extend(panic.iter().map(|l| format!("  | {l}")));
    }
    if tail.lines.is_empty() {
        details.push(format!("{id} wrote nothing to stderr."));
    } else if tail.panic.is_none() {
        details.push(format!("The last lines {id} wrote to stderr:"));
        let skip = tail.lines.len().saturating_sub(SHOWN);
        details.extend(
            tail.lines
                .iter()
                .skip(skip)
                .map(|l| format!("  | {}", super::wire::excerpt_long(l))),
        );
    }
    details.push(format!("Full stderr log: {}", log_path.display()));
    details.push(
        "A node must keep running until the harness stops it: Maelstrom aborts a test whose \
         node exits (exit code 255), so nothing else could be checked."
            .into(),
    );
    ctx.diagnoses.report(
        format!("exit {id}"),
        format!("{id} {how} {stage}, {after:.1} s after it started"),
        details,
    );
    ctx.abort.send_replace(true);
}

/// "exited with status 101 (a Rust panic)", "was killed by signal 11 (SIGSEGV)".
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        let note = match code {
            0 => " (it finished as if its work were done — is stdin read until EOF?)",
            101 => " (the code of a Rust panic)",
            _ => "",
        };
        return format!("exited with status {code}{note}");
    }
    let signal = status.signal().unwrap_or(0);
    let name = match signal {
        libc::SIGSEGV => " (SIGSEGV, a memory fault)",
        libc::SIGABRT => " (SIGABRT, an abort)",
        libc::SIGKILL => " (SIGKILL, killed from outside, e.g. out of memory)",
        libc::SIGPIPE => " (SIGPIPE, it wrote to a closed pipe)",
        libc::SIGTERM => " (SIGTERM)",
        _ => "",
    };
    format!("was killed by signal {signal}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_descriptions() {
        assert_eq!(
            describe_exit(ExitStatus::from_raw(101 << 8)),
            "exited with status 101 (the code of a Rust panic)"
        );
        assert_eq!(
            describe_exit(ExitStatus::from_raw(libc::SIGSEGV)),
            "was killed by signal 11 (SIGSEGV, a memory fault)"
        );
    }
}
