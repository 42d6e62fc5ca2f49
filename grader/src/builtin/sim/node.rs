//! A node process driven step by step in virtual time: the second implementation of the node
//! seam of [`process`](crate::builtin::process).
//!
//! The node speaks `common`'s step protocol ([`common::sim`]): every line written to it carries
//! the virtual time, and after each input it writes its output lines and then one idle line with
//! its next timer deadline. A step — write one input, read until the idle line — runs
//! synchronously inside the task that delivers the input, so that the runtime never looks idle
//! (and virtual time never moves) while a node is computing. Every output line goes through
//! [`process::inject`], the same parsing, validation and diagnoses as in real time. Stdout is
//! read in the step itself (`poll(2)` with a wall-clock limit, so a hung node is diagnosed and
//! never hangs the grader). Everything else is the real-time seam's own code: the node is started
//! by [`process::spawn::command`] (its process group, the reaper's tag, death with the grader),
//! each stdout line goes through [`process::stdout::accept`] (line cap, UTF-8, parse, inject),
//! stderr is drained by [`process::stderr`] (bytes, capped log) on a thread of its own, a crash is
//! reported by [`process::report_exit`], and teardown ends what escaped the node's group with
//! [`process::end_leftovers`].

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::builtin::net::{Delivery, Message};
use crate::builtin::process::lines::LineRead;
use crate::builtin::process::stderr::{self, StderrTail};
use crate::builtin::process::stdout::{self, LINE_CAP};
use crate::builtin::process::{self, spawn, NodeContext, SpawnFailure};
use crate::builtin::wire;

use super::starved::{self, Starvation};

/// How long (wall clock) a node may compute before answering one input with its idle line; time
/// it spent waiting for a CPU does not count ([`starved`]).
const STEP_LIMIT: Duration = Duration::from_secs(10);
/// The most lines a node may write in answer to one input: twice what the network holds for one
/// destination. A step takes no virtual time, so a node that writes more is flooding: the network
/// has dropped what did not fit and names the flood, and reading on would only spend wall-clock
/// time (and CPU) until [`STEP_LIMIT`], as the same flood's diagnosis needs only the first lines.
const STEP_LINES_CAP: usize = 2 * crate::builtin::net::QUEUE_CAP;
/// How long a node that wrote a reply may stay silent, writing nothing more and not the idle line,
/// before it is taken for a node that does not speak the step protocol.
const IDLE_AFTER_OUTPUT: Duration = Duration::from_secs(2);

/// Why a run cannot be simulated at all (an environment problem, exit 2), shared by the nodes.
pub type Unsimulable = Arc<Mutex<Option<String>>>;

/// What reading the node's stdout produced.
enum Read1 {
    /// At most [`LINE_CAP`] bytes of a line, and its full length.
    Line(Vec<u8>, LineRead),
    End,
    /// The step's deadline passed.
    Timeout,
    /// Nothing at all for the `quiet` gap asked for: not a byte, let alone a line.
    Quiet,
}

/// Node stdout, read line by line with a wall-clock limit.
struct LineReader {
    stdout: ChildStdout,
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts.
    start: usize,
    /// The kept start of a line over [`LINE_CAP`] and its length so far, while the rest of it
    /// is counted and skipped (as [`process::lines`] does in real time).
    long: Option<(Vec<u8>, u64)>,
    /// Where `read` lands, allocated once: a fresh zeroed 64 KiB array per read cost more than
    /// the read itself.
    chunk: Box<[u8]>,
}

impl LineReader {
    /// Reads `stdout` `chunk` bytes at a time. The pipe is made non-blocking: a node shares the
    /// engine's CPU (`cpu`) and usually answers the moment its input is written, so a read finds
    /// its lines at once, and only an empty pipe costs a `poll` (a system call less per step).
    fn new(stdout: ChildStdout, chunk: usize) -> LineReader {
        if let Ok(flags) = rustix::fs::fcntl_getfl(&stdout) {
            // Left blocking, the reader still works: `poll` comes first then, as it did.
            let _ = rustix::fs::fcntl_setfl(&stdout, flags | rustix::fs::OFlags::NONBLOCK);
        }
        LineReader {
            stdout,
            buf: Vec::new(),
            start: 0,
            long: None,
            chunk: vec![0; chunk].into_boxed_slice(),
        }
    }

    /// The next line, read by `give_up` at the latest, and with no gap longer than `quiet`
    /// between two reads when given. The gap is measured from the last byte, so that a long
    /// line still arriving on a loaded machine is not taken for silence.
    fn next(&mut self, give_up: Instant, quiet: Option<Duration>) -> Read1 {
        loop {
            let unread = &self.buf[self.start..];
            let newline = unread.iter().position(|&b| b == b'\n');
            if let Some((_, len)) = self.long.as_mut() {
                let part = newline.unwrap_or(unread.len());
                *len += part as u64;
                self.start += part;
                if newline.is_some() {
                    self.start += 1;
                    let (kept, len) = self.long.take().unwrap_or_default();
                    let read = LineRead {
                        len,
                        terminated: true,
                    };
                    return Read1::Line(kept, read);
                }
            } else if let Some(i) = newline {
                let line = unread[..i].to_vec();
                self.start += i + 1;
                let read = LineRead {
                    len: i as u64,
                    terminated: true,
                };
                return Read1::Line(line, read);
            } else if unread.len() > LINE_CAP {
                self.long = Some((unread[..LINE_CAP].to_vec(), unread.len() as u64));
                self.start = self.buf.len();
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            match self.stdout.read(&mut self.chunk) {
                Ok(0) => return Read1::End,
                Ok(n) => {
                    self.buf.extend_from_slice(&self.chunk[..n]);
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return Read1::End,
            }
            // Nothing to read yet: wait for the node.
            let left = give_up.saturating_duration_since(Instant::now());
            match quiet {
                Some(gap) if gap < left => {
                    if !readable(&self.stdout, gap) {
                        return Read1::Quiet;
                    }
                }
                _ => {
                    if !readable(&self.stdout, left) {
                        return Read1::Timeout;
                    }
                }
            }
        }
    }
}

/// Whether `pipe` has something to read (or was closed) within `wait`.
fn readable(pipe: &impl AsRawFd, wait: Duration) -> bool {
    let mut fd = libc::pollfd {
        fd: pipe.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let give_up = Instant::now() + wait;
    loop {
        let left = give_up.saturating_duration_since(Instant::now());
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd, living for the duration of the call.
        #[allow(unsafe_code)]
        let n = unsafe { libc::poll(&mut fd, 1, ms) };
        match n {
            0 => return false,
            n if n > 0 => return true,
            // Interrupted by a signal: poll again for what is left.
            _ if left.is_zero() => return false,
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    /// Wrote a bad line: its output is no longer injected, as Maelstrom stops reading.
    Muted,
    /// Stopped answering (or never spoke the protocol): nothing more is written to it.
    Hung,
    /// Exited.
    Dead,
}

/// What to hand the node.
enum Input<'a> {
    Message(&'a Message),
    Tick,
}

/// One simulated node.
pub struct SimNode {
    pub id: String,
    ctx: NodeContext,
    pid: Option<u32>,
    next: watch::Sender<Option<Duration>>,
    unsimulable: Unsimulable,
    inner: Mutex<Inner>,
}

struct Inner {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: LineReader,
    state: State,
    /// The seed, until the first line carries it.
    seed: Option<u64>,
    reported_idle: bool,
    /// An input was written and its answer not read yet.
    in_flight: bool,
    /// The input line being written, kept to spare an allocation per step.
    line: Vec<u8>,
    tail: Arc<Mutex<StderrTail>>,
    stderr_done: Receiver<()>,
    log_path: PathBuf,
    started: Duration,
}

impl std::fmt::Debug for SimNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimNode").field("id", &self.id).finish()
    }
}

/// The running nodes of a simulated run, with their delivery and timer tasks.
#[derive(Debug, Default)]
pub struct SimNodes {
    nodes: Vec<Arc<SimNode>>,
    tasks: Vec<JoinHandle<()>>,
}

impl SimNodes {
    /// Starts node `id` and its tasks; `seed` seeds what the node draws from its context.
    pub fn spawn(
        &mut self,
        ctx: &NodeContext,
        id: &str,
        bin: &Path,
        args: &[String],
        seed: u64,
        unsimulable: &Unsimulable,
    ) -> Result<(), SpawnFailure> {
        let node = Arc::new(start(ctx, id, bin, args, seed, unsimulable.clone())?);
        self.tasks.push(tokio::spawn(deliver(node.clone())));
        self.tasks.push(tokio::spawn(tick(node.clone())));
        self.nodes.push(node);
        Ok(())
    }

    /// Kills every node and waits for it to be gone; then ends whatever they started that
    /// escaped their groups, naming it in a diagnosis (as the real-time teardown does).
    pub fn kill_all(self, ctx: &NodeContext) {
        ctx.tearing_down.store(true, Ordering::SeqCst);
        for task in &self.tasks {
            task.abort();
        }
        let pids: Vec<u32> = self.nodes.iter().filter_map(|n| n.pid).collect();
        process::reaper::kill_groups(&pids);
        // One shared wait for every stderr reader to reach its end (the log's closing note).
        let drained = Instant::now() + Duration::from_millis(300);
        for node in &self.nodes {
            let mut inner = node.inner();
            inner.stdin = None;
            let _ = inner.child.kill();
            let _ = inner.child.wait();
            let left = drained.saturating_duration_since(Instant::now());
            let _ = inner.stderr_done.recv_timeout(left);
            if let Some(pid) = node.pid {
                process::reaper::unregister(pid);
            }
        }
        process::end_leftovers(ctx, &pids);
    }
}

fn start(
    ctx: &NodeContext,
    id: &str,
    bin: &Path,
    args: &[String],
    seed: u64,
    unsimulable: Unsimulable,
) -> Result<SimNode, SpawnFailure> {
    let (log_path, log) = process::log_file(ctx, id)?;
    let mut child = spawn::command(ctx, id, bin, args)
        .as_std_mut()
        .spawn()
        .map_err(|e| spawn::failed_to_start(id, bin, e))?;
    let pid = Some(child.id());
    process::reaper::register(child.id());
    let stdin = child.stdin.take();
    let stdout = LineReader::new(child.stdout.take().expect("piped"), 64 * 1024);
    let tail = Arc::new(Mutex::new(StderrTail::default()));
    let stderr = child.stderr.take().expect("piped");
    let stderr_done = stderr::read_stderr_on_thread(id, stderr, log, tail.clone())
        .map_err(|e| SpawnFailure(format!("cannot start a thread for {id}: {e}")))?;
    let (next, _) = watch::channel(None);
    Ok(SimNode {
        id: id.to_owned(),
        ctx: ctx.clone(),
        pid,
        next,
        unsimulable,
        inner: Mutex::new(Inner {
            child,
            stdin,
            stdout,
            state: State::Running,
            seed: Some(seed),
            reported_idle: false,
            in_flight: false,
            line: Vec::new(),
            tail,
            stderr_done,
            log_path,
            started: ctx.net.clock().now(),
        }),
    })
}

/// Hands the node what the network delivers to it.
async fn deliver(node: Arc<SimNode>) {
    let net = node.ctx.net.clone();
    loop {
        // No deadline: a sleeper per wait would only pile up in the clock's queue.
        match net.recv(&node.id, Duration::MAX).await {
            Delivery::Message(m) => node.step(Input::Message(&m)).await,
            Delivery::Nothing => {}
            Delivery::Gone => return,
        }
    }
}

/// Ticks the node when its next timer is due.
async fn tick(node: Arc<SimNode>) {
    let clock = node.ctx.net.clock().clone();
    let mut next = node.next.subscribe();
    let mut last_tick: Option<Duration> = None;
    loop {
        let due = *next.borrow_and_update();
        let Some(mut due) = due else {
            if next.changed().await.is_err() {
                return;
            }
            continue;
        };
        // A node that keeps naming a time already ticked must not spin time in place.
        if let Some(last) = last_tick.filter(|l| due <= *l) {
            due = last + Duration::from_micros(1);
        }
        let sleep = clock.sleep_until(due);
        tokio::select! {
            biased;
            changed = next.changed() => if changed.is_err() { return },
            () = sleep => {
                last_tick = Some(clock.now());
                node.step(Input::Tick).await;
            }
        }
    }
}

impl SimNode {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands the node one input and handles its output up to its idle line.
    ///
    /// Between writing the input and reading the answer the task yields, so that every other
    /// input due at this instant goes out first and the nodes compute side by side. The answers
    /// are then read in the order the inputs were written — the order the tasks were woken in,
    /// which is deterministic — and the clock cannot move meanwhile: a yielded task is runnable.
    async fn step(&self, input: Input<'_>) {
        {
            let mut inner = self.inner();
            self.finish(&mut inner);
            if !self.send(&mut inner, input) {
                return;
            }
        }
        tokio::task::yield_now().await;
        let mut inner = self.inner();
        self.finish(&mut inner);
    }

    /// Writes one input; false if the node cannot take it.
    fn send(&self, inner: &mut Inner, input: Input<'_>) -> bool {
        if matches!(inner.state, State::Hung | State::Dead) {
            return false;
        }
        let now = self.ctx.net.clock().now().as_nanos();
        // Built in a buffer kept from step to step: this runs for every delivery of a run.
        let mut line = std::mem::take(&mut inner.line);
        line.clear();
        let _ = write!(line, "{{\"sim\":{{\"now_ns\":{now}");
        if let Some(seed) = inner.seed.take() {
            let _ = write!(line, ",\"seed\":{seed}");
        }
        match input {
            Input::Message(m) => {
                line.extend_from_slice(b"},");
                m.write_fields(&mut line);
            }
            Input::Tick => line.extend_from_slice(b",\"tick\":true}}"),
        }
        line.push(b'\n');
        let written = match inner.stdin.as_mut() {
            Some(stdin) => stdin.write_all(&line).and_then(|()| stdin.flush()).is_ok(),
            None => false,
        };
        inner.line = line;
        if !written {
            self.ended(inner);
            return false;
        }
        inner.in_flight = true;
        true
    }

    /// Reads the answer to the input in flight, if any, up to the idle line.
    fn finish(&self, inner: &mut Inner) {
        if !std::mem::take(&mut inner.in_flight) {
            return;
        }
        let started = Instant::now();
        let mut give_up = started + STEP_LIMIT;
        // A slow step's limits are the node's own time, not a busy machine's (`starved`).
        let mut probe = Some(started + starved::PROBE_AFTER);
        let mut starvation = Starvation::new(self.pid);
        let mut answered = false;
        let mut lines = 0;
        loop {
            // Silent for a while after answering, and never idle: not a step-protocol node.
            let quiet = (answered && !inner.reported_idle).then_some(IDLE_AFTER_OUTPUT);
            let deadline = probe.map_or(give_up, |probe| probe.min(give_up));
            match inner.stdout.next(deadline, quiet) {
                Read1::Line(line, read) => {
                    if let Some(next) = idle(&line) {
                        inner.reported_idle = true;
                        // Most steps leave the next timer where it was: the tick task's sleep
                        // for it then stands, rather than being woken to sleep again.
                        self.next.send_if_modified(|due| {
                            let changed = *due != next;
                            *due = next;
                            changed
                        });
                        return;
                    }
                    answered = true;
                    lines += 1;
                    if lines > STEP_LINES_CAP {
                        return self.flooded(inner);
                    }
                    if inner.state == State::Muted {
                        continue;
                    }
                    if let Err((summary, detail)) = stdout::accept(&self.ctx, &self.id, &line, read)
                    {
                        self.ctx.diagnoses.report(
                            format!("stdout {}", self.id),
                            summary,
                            vec![detail, wire::mute_consequence(&self.id)],
                        );
                        inner.state = State::Muted;
                    }
                }
                Read1::End => return self.ended(inner),
                // The probe fired, not the limit: the step is slow, and from now on the time
                // spent waiting for a CPU is counted (once: the probe is gone after this).
                Read1::Timeout if probe.take().is_some() && Instant::now() < give_up => {
                    starvation.start();
                }
                Read1::Timeout => {
                    let grant = starvation.grant();
                    if grant.is_zero() {
                        return self.hung(inner, false);
                    }
                    give_up += grant;
                }
                // A node already muted for a bad line (a huge one, say) is judged by that.
                Read1::Quiet => {
                    if starvation.grant().is_zero() {
                        let unsimulable = inner.state != State::Muted;
                        return self.hung(inner, unsimulable);
                    }
                }
            }
        }
    }

    /// The node stopped answering within the step limit (`unsimulable`: it answered, then fell
    /// silent without the idle line: it does not speak the step protocol).
    fn hung(&self, inner: &mut Inner, unsimulable: bool) {
        inner.state = State::Hung;
        self.next.send_replace(None);
        let id = &self.id;
        if unsimulable {
            let why = format!(
                "{id} answers its input but never reports that it is idle, so --engine sim \
                 cannot drive it: the simulator runs nodes built on the course's `common` crate \
                 (or speaking its step protocol, described in course.md). Grade this node in \
                 real time with --engine builtin."
            );
            self.unsimulable
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(why);
            self.ctx.abort.send_replace(true);
        } else if inner.reported_idle {
            // Busy for seconds on one input: for the network it is a node that stopped
            // answering, as it would be in real time.
            let note = format!(
                "grader: {id} computed for over {} s of wall-clock time on one input; it gets no \
                 more input in this simulated run\n",
                STEP_LIMIT.as_secs()
            );
            let _ = File::options()
                .append(true)
                .open(&inner.log_path)
                .and_then(|mut f| f.write_all(note.as_bytes()));
        }
        // A node that never wrote anything is mute: its requests time out in virtual time.
    }

    /// The node wrote over [`STEP_LINES_CAP`] lines in answer to one input: like a node that
    /// computes past the step limit, it gets no more input, and its log says why.
    fn flooded(&self, inner: &mut Inner) {
        inner.state = State::Hung;
        self.next.send_replace(None);
        let note = format!(
            "grader: {} wrote over {STEP_LINES_CAP} lines in answer to one input; it gets no \
             more input in this simulated run\n",
            self.id
        );
        let _ = File::options()
            .append(true)
            .open(&inner.log_path)
            .and_then(|mut f| f.write_all(note.as_bytes()));
    }

    /// The node closed its stdout: it died (a crash, as the real-time monitor reports it).
    fn ended(&self, inner: &mut Inner) {
        inner.state = State::Dead;
        self.next.send_replace(None);
        if self.ctx.tearing_down.load(Ordering::SeqCst) {
            return;
        }
        let give_up = Instant::now() + Duration::from_secs(2);
        let status = loop {
            match inner.child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if Instant::now() < give_up => {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Ok(None) => break Err("closed its stdout".to_owned()),
                Err(e) => break Err(e.to_string()),
            }
        };
        let status = match status {
            Ok(status) => status,
            // Alive with its stdout closed: mute, as the real-time reader sees it.
            Err(_) => {
                inner.state = State::Hung;
                return;
            }
        };
        let _ = inner.stderr_done.recv_timeout(Duration::from_secs(1));
        let how = process::describe_exit(status);
        let tail = inner.tail.lock().unwrap_or_else(|e| e.into_inner());
        process::report_exit(
            &self.ctx,
            &self.id,
            &how,
            inner.started,
            &tail,
            &inner.log_path,
        );
    }
}

/// The next deadline of an idle line, `None` inside when the node has no timer; `None` outside
/// for any other line.
fn idle(line: &[u8]) -> Option<Option<Duration>> {
    if !line.starts_with(b"{\"sim\"") {
        return None;
    }
    // The exact lines `common` writes, read without building a JSON tree: one per step.
    if let Some(rest) = line.strip_prefix(br#"{"sim":{"idle":true,"next_ns":"#.as_slice()) {
        if rest == b"null}}" {
            return Some(None);
        }
        if let Some(n) = rest
            .strip_suffix(b"}}".as_slice())
            .filter(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
            .and_then(|n| std::str::from_utf8(n).ok()?.parse().ok())
        {
            return Some(Some(Duration::from_nanos(n)));
        }
    }
    let value: serde_json::Value = serde_json::from_slice(line).ok()?;
    let sim = value.get("sim")?;
    if sim.get("idle") != Some(&serde_json::Value::Bool(true)) {
        return None;
    }
    Some(
        sim.get("next_ns")
            .and_then(|n| n.as_u64())
            .map(Duration::from_nanos),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_lines_are_recognised_and_messages_are_not() {
        assert_eq!(
            idle(br#"{"sim":{"idle":true,"next_ns":1500}}"#),
            Some(Some(Duration::from_nanos(1500)))
        );
        assert_eq!(idle(br#"{"sim":{"idle":true,"next_ns":null}}"#), Some(None));
        assert_eq!(idle(br#"{"src":"n1","dest":"c1","body":{}}"#), None);
        assert_eq!(idle(br#"{"sim":"#), None);
        // Off the fast path, still read as JSON (or not at all).
        assert_eq!(
            idle(br#"{"sim": {"next_ns": 7, "idle": true}}"#),
            Some(Some(Duration::from_nanos(7)))
        );
        assert_eq!(idle(br#"{"sim":{"idle":true,"next_ns":+5}}"#), None);
    }

    /// A reader of what `script` writes.
    fn reader(script: &str) -> (Child, LineReader) {
        let mut child = std::process::Command::new("sh")
            .args(["-c", script])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let reader = LineReader::new(child.stdout.take().unwrap(), 64);
        (child, reader)
    }

    #[test]
    fn the_quiet_gap_counts_from_the_last_byte_and_the_deadline_from_the_start() {
        let slow = "printf a; sleep 0.25; printf b; sleep 0.25; printf c; sleep 0.25; \
                    printf d; sleep 0.25; printf 'e\\n'; sleep 5";
        let far = Instant::now() + Duration::from_secs(10);

        // Bytes keep coming, each within the gap, for longer than the gap in all: one line.
        let (mut child, mut r) = reader(slow);
        let quiet = Some(Duration::from_millis(800));
        assert!(matches!(r.next(far, quiet), Read1::Line(l, _) if l == b"abcde"));
        // Then silence.
        let quiet = Some(Duration::from_millis(200));
        assert!(matches!(r.next(far, quiet), Read1::Quiet));
        child.kill().unwrap();
        child.wait().unwrap();

        // A gap wider than the one allowed is silence, even with the line unfinished.
        let (mut child, mut r) = reader(slow);
        assert!(matches!(
            r.next(far, Some(Duration::from_millis(100))),
            Read1::Quiet
        ));
        child.kill().unwrap();
        child.wait().unwrap();

        // The step's deadline holds whatever the gaps.
        let (mut child, mut r) = reader(slow);
        let soon = Instant::now() + Duration::from_millis(450);
        let quiet = Some(Duration::from_millis(1000));
        assert!(matches!(r.next(soon, quiet), Read1::Timeout));
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
