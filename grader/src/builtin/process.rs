//! Node processes (spec §3): spawning, the three pipes, crash detection, and making sure no node
//! outlives the grader.
//!
//! Each node runs `bin args…` with all three standard streams piped. One task writes the
//! network's deliveries to its stdin, one reads its stdout into the network (going mute for good
//! after a bad line, as Maelstrom's reader does), one copies its stderr to
//! `node-logs/<node>.log` and keeps the last lines for diagnoses. A monitor notices when the
//! process exits: Maelstrom aborts such a run at teardown; here it is aborted at once, since there
//! is nothing left to judge.
//!
//! Children get their own process group (so a terminal's Ctrl-C does not hit them half-way
//! through a reply), are killed when dropped, die with the grader thread (`PR_SET_PDEATHSIG`),
//! and a Ctrl-C watcher kills their groups before the grader exits with 130.

use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::diagnosis::Diagnoses;
use super::net::{Delivery, Network, SendError};
use super::wire::{self, parse_line};

/// How many stderr lines are kept for a crash report (Maelstrom keeps 32).
pub(super) const TAIL: usize = 32;
/// How many of them a diagnosis shows.
pub(super) const SHOWN: usize = 12;

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

/// Why a node could not be started.
#[derive(Debug)]
pub struct SpawnFailure(pub String);

/// A running node.
#[derive(Debug)]
pub struct NodeHandle {
    pub id: String,
    pid: Option<u32>,
    kill: Option<oneshot::Sender<()>>,
    monitor: JoinHandle<()>,
    io: Vec<JoinHandle<()>>,
}

/// Checks that `bin` can be run, returning its canonical path (Maelstrom's `argv[0]`).
pub fn resolve_binary(bin: &Path) -> Result<PathBuf, SpawnFailure> {
    let shown = bin.display();
    let meta = std::fs::metadata(bin).map_err(|_| {
        SpawnFailure(format!(
            "the node binary {shown} does not exist — did the build succeed, and is the path right?"
        ))
    })?;
    if !meta.is_file() {
        return Err(SpawnFailure(format!(
            "the node binary {shown} is not a file"
        )));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(SpawnFailure(format!(
            "the node binary {shown} is not executable (chmod +x it)"
        )));
    }
    std::fs::canonicalize(bin)
        .map_err(|e| SpawnFailure(format!("the node binary {shown} cannot be resolved: {e}")))
}

/// Starts node `id`.
pub fn spawn(
    ctx: &NodeContext,
    id: &str,
    bin: &Path,
    args: &[String],
) -> Result<NodeHandle, SpawnFailure> {
    ensure_ctrl_c_watcher();
    let log_path = ctx.log_dir.join(format!("{id}.log"));
    let log = File::create(&log_path)
        .map_err(|e| SpawnFailure(format!("cannot create {}: {e}", log_path.display())))?;
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    die_with_the_grader(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| {
        SpawnFailure(format!(
            "{id} could not be started from {}: {e}",
            bin.display()
        ))
    })?;
    let pid = child.id();
    if let Some(pid) = pid {
        groups().insert(pid);
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
        tokio::spawn(read_stdout(ctx.clone(), id.to_owned(), stdout)),
        tokio::spawn(read_stderr(stderr, log, tail.clone(), stderr_done_tx)),
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

/// On Linux, asks the kernel to SIGKILL the node when the grader dies, however it dies (even
/// SIGKILL), and exits at once if the grader already died between fork and that request.
#[cfg(target_os = "linux")]
pub(super) fn die_with_the_grader(cmd: &mut Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs in the forked child before exec and only calls the
    // async-signal-safe prctl, getppid and _exit.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() as u32 != parent {
                libc::_exit(137);
            }
            Ok(())
        });
    }
}

/// Elsewhere (macOS) there is no parent-death signal: nodes are still killed when dropped, on
/// Ctrl-C and at the end of a run; only a grader killed with SIGKILL can leave them behind.
#[cfg(not(target_os = "linux"))]
pub(super) fn die_with_the_grader(_cmd: &mut Command) {}

/// Kills every node (their whole process groups) and waits for them to be gone.
pub async fn kill_all(ctx: &NodeContext, nodes: Vec<NodeHandle>) {
    ctx.tearing_down.store(true, Ordering::SeqCst);
    let pids: Vec<u32> = nodes.iter().filter_map(|n| n.pid).collect();
    kill_groups(&pids);
    for mut node in nodes {
        if let Some(kill) = node.kill.take() {
            let _ = kill.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut node.monitor).await;
        for task in &node.io {
            task.abort();
        }
        if let Some(pid) = node.pid {
            groups().remove(&pid);
        }
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

async fn read_stdout(ctx: NodeContext, id: String, stdout: ChildStdout) {
    let mut reader = BufReader::new(stdout);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        let chunk = String::from_utf8_lossy(&buf).into_owned();
        for line in wire::split_java_lines(&chunk) {
            if let Err((summary, detail)) = inject(&ctx, &id, line) {
                ctx.diagnoses.report(
                    format!("stdout {id}"),
                    summary,
                    vec![detail, wire::mute_consequence(&id)],
                );
                // Go mute, but keep the pipe open: the node blocks once it is full, exactly as
                // under Maelstrom, instead of dying of a broken pipe.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Parses one stdout line and sends it; the error is (summary, detail).
pub(super) fn inject(ctx: &NodeContext, id: &str, line: &str) -> Result<(), (String, String)> {
    let out = parse_line(line).map_err(|e| {
        (
            wire::describe(id, line, &e),
            "Only protocol messages may go to stdout; print logs with eprintln!.".to_owned(),
        )
    })?;
    let shown = wire::excerpt(line);
    ctx.net
        .send(&out.src, &out.dest, out.body)
        .map(|_| ())
        .map_err(|e| match e {
            SendError::UnknownDest { dest, closed: true } => (
                format!(
                    "{id} sent a message to {dest}, a client that is no longer open: `{shown}`"
                ),
                format!(
                    "{dest} had stopped waiting (its request timed out, or it was the client \
                     that sent init), so the reply came too late or went to the wrong client."
                ),
            ),
            SendError::UnknownDest { dest, .. } => (
                format!(
                    "{id} sent a message to {dest:?}, which is not a node, client or service of \
                     this test: `{shown}`"
                ),
                "Node ids come from init's node_ids; clients are the src of the requests.".into(),
            ),
            SendError::UnknownSrc { src } => (
                format!(
                    "{id} sent a message with src {src:?}, which is not a node of this test: \
                     `{shown}`"
                ),
                "src must be the node's own id, from init's node_id.".into(),
            ),
        })
}

/// What a node wrote to stderr, as far as a crash report needs it.
#[derive(Debug, Default)]
pub(super) struct StderrTail {
    /// The last [`TAIL`] lines.
    pub(super) lines: VecDeque<String>,
    /// A Rust panic's "panicked at" line and its message, kept even when a long backtrace pushes
    /// them out of `lines`.
    pub(super) panic: Option<Vec<String>>,
    /// Whether the panic message is still being read.
    in_panic: bool,
}

impl StderrTail {
    pub(super) fn push(&mut self, line: String) {
        if line.starts_with("thread '") && line.contains(" panicked at ") {
            self.panic = Some(vec![line.clone()]);
            self.in_panic = true;
        } else if self.in_panic {
            let end = line.starts_with("note: ") || line.starts_with("stack backtrace:");
            match self.panic.as_mut() {
                Some(p) if !end && p.len() < 6 => p.push(line.clone()),
                _ => self.in_panic = false,
            }
        }
        if self.lines.len() == TAIL {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }
}

async fn read_stderr(
    stderr: ChildStderr,
    mut log: File,
    tail: Arc<Mutex<StderrTail>>,
    done: oneshot::Sender<()>,
) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let _ = writeln!(log, "{line}");
        let _ = log.flush();
        tail.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
    let _ = done.send(());
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
    let after = ctx.net.clock().now().saturating_sub(started).as_secs_f64();
    let stage = *ctx.stage.lock().unwrap_or_else(|e| e.into_inner());
    let how = match status {
        Ok(s) => describe_exit(s),
        Err(e) => format!("ended ({e})"),
    };
    let mut details = Vec::new();
    let tail = tail.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(panic) = &tail.panic {
        details.push(format!("{id} panicked:"));
        details.extend(panic.iter().map(|l| format!("  | {l}")));
    }
    if tail.lines.is_empty() {
        details.push(format!("{id} wrote nothing to stderr."));
    } else if tail.panic.is_none() {
        details.push(format!("The last lines {id} wrote to stderr:"));
        let skip = tail.lines.len().saturating_sub(SHOWN);
        details.extend(tail.lines.iter().skip(skip).map(|l| format!("  | {l}")));
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

/// Process groups of live nodes, for the Ctrl-C watcher.
pub(super) fn groups() -> std::sync::MutexGuard<'static, BTreeSet<u32>> {
    static GROUPS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Kills whole process groups (the nodes and anything they started) with `kill(1)`, which
/// keeps this crate free of unsafe code beyond `pre_exec`.
pub(super) fn kill_groups(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = std::process::Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .args(pids.iter().map(|p| format!("-{p}")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Installs, once per process, a thread that turns Ctrl-C into: kill every node group, exit 130.
/// The nodes sit in their own process groups, so the terminal's SIGINT does not reach them.
pub(super) fn ensure_ctrl_c_watcher() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let spawned = std::thread::Builder::new().name("ctrl-c".into()).spawn(|| {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    let pids: Vec<u32> = groups().iter().copied().collect();
                    kill_groups(&pids);
                    eprintln!("\ninterrupted: stopped the nodes");
                    std::process::exit(130);
                }
            });
        });
        // Without the watcher, PR_SET_PDEATHSIG still takes the nodes down with the grader.
        drop(spawned);
    });
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

    #[test]
    fn panic_messages_survive_long_backtraces() {
        let mut t = StderrTail::default();
        t.push("starting".into());
        t.push("thread 'main' (42) panicked at src/main.rs:7:19:".into());
        t.push("echo is not implemented yet".into());
        t.push("stack backtrace:".into());
        for i in 0..100 {
            t.push(format!("  {i}: frame"));
        }
        assert_eq!(
            t.panic.as_deref().unwrap(),
            [
                "thread 'main' (42) panicked at src/main.rs:7:19:",
                "echo is not implemented yet"
            ]
        );
        assert_eq!(t.lines.len(), TAIL);
    }

    #[test]
    fn missing_and_non_executable_binaries() {
        let e = resolve_binary(Path::new("/nonexistent/node")).unwrap_err();
        assert!(e.0.contains("does not exist"), "{}", e.0);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("node");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        let e = resolve_binary(&f).unwrap_err();
        assert!(e.0.contains("not executable"), "{}", e.0);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(resolve_binary(&f).is_ok());
    }
}
