//! A node's stderr: copied to `node-logs/<node>.log`, its last lines kept for a crash report.
//!
//! stderr is bytes, not text: a node may print anything there, and a reader that stopped at the
//! first invalid UTF-8 would leave the node to die of a broken pipe, with a diagnosis claiming it
//! "wrote nothing to stderr". So the pipe is drained as bytes, always to the end, and shown
//! lossily. The log file has a size cap: past it, the rest is counted, not written, and a note at
//! the end says how much was left out.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Mutex};

use tokio::io::BufReader;
use tokio::process::ChildStderr;
use tokio::sync::oneshot;

use super::lines::read_line;

/// How many stderr lines are kept for a crash report (Maelstrom keeps 32).
pub const TAIL: usize = 32;
/// At most this many bytes of one stderr line are kept (in the log and for the report).
pub const LINE_CAP: usize = 16 * 1024;
/// At most this many bytes of stderr go to each node's log file.
pub const LOG_CAP: u64 = 8 * 1024 * 1024;

/// What a node wrote to stderr, as far as a crash report needs it.
#[derive(Debug, Default)]
pub struct StderrTail {
    /// The last [`TAIL`] lines.
    pub lines: VecDeque<String>,
    /// A Rust panic's "panicked at" line and its message, kept even when a long backtrace pushes
    /// them out of `lines`.
    pub panic: Option<Vec<String>>,
    /// Whether the panic message is still being read.
    in_panic: bool,
}

impl StderrTail {
    pub fn push(&mut self, line: String) {
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

/// The log file with its cap.
#[derive(Debug)]
struct CappedLog {
    file: File,
    written: u64,
    cap: u64,
    left_out_bytes: u64,
    left_out_lines: u64,
}

impl CappedLog {
    fn write_line(&mut self, line: &[u8], full_len: u64) {
        let cost = line.len() as u64 + 1;
        if self.left_out_lines > 0 || self.written + cost > self.cap {
            if self.left_out_lines == 0 {
                let _ = writeln!(
                    self.file,
                    "[grader: this log reached its cap of {} MiB; the rest is left out]",
                    self.cap / (1024 * 1024)
                );
            }
            self.left_out_lines += 1;
            self.left_out_bytes += full_len + 1;
            return;
        }
        // A full disk must not stop the reader: the node would block on a full pipe.
        let _ = self.file.write_all(line);
        if full_len > line.len() as u64 {
            let _ = write!(self.file, "… [grader: line cut, {full_len} bytes in all]");
        }
        let _ = self.file.write_all(b"\n");
        let _ = self.file.flush();
        self.written += cost;
    }

    fn finish(&mut self) {
        if self.left_out_lines > 0 {
            let _ = writeln!(
                self.file,
                "[grader: {} more lines ({} bytes) of stderr were left out]",
                self.left_out_lines, self.left_out_bytes
            );
        }
    }
}

/// Drains `stderr` to its end, whatever it holds. `done` fires at the end of the stream.
pub async fn read_stderr(
    stderr: ChildStderr,
    log: File,
    tail: Arc<Mutex<StderrTail>>,
    done: oneshot::Sender<()>,
) {
    drain(stderr, log, LOG_CAP, tail).await;
    let _ = done.send(());
}

/// The same drain on a thread of its own, for a node whose pipes are not the runtime's (the
/// simulator blocks its runtime's thread while a node computes, and a node flooding stderr must
/// not block on a full pipe meanwhile). The receiver gets `()` at the end of the stream.
pub fn read_stderr_on_thread(
    id: &str,
    stderr: std::process::ChildStderr,
    log: File,
    tail: Arc<Mutex<StderrTail>>,
) -> std::io::Result<std::sync::mpsc::Receiver<()>> {
    let (done, finished) = std::sync::mpsc::channel();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    std::thread::Builder::new()
        .name(format!("{id} stderr"))
        .spawn(move || {
            rt.block_on(async move {
                if let Ok(stderr) = ChildStderr::from_std(stderr) {
                    drain(stderr, log, LOG_CAP, tail).await;
                }
            });
            let _ = done.send(());
        })?;
    Ok(finished)
}

async fn drain(
    stderr: impl tokio::io::AsyncRead + Unpin,
    log: File,
    cap: u64,
    tail: Arc<Mutex<StderrTail>>,
) {
    let mut log = CappedLog {
        file: log,
        written: 0,
        cap,
        left_out_bytes: 0,
        left_out_lines: 0,
    };
    let mut reader = BufReader::with_capacity(64 * 1024, stderr);
    let mut buf = Vec::new();
    // An I/O error on a pipe is its end: there is nothing more to read.
    while let Ok(Some(read)) = read_line(&mut reader, LINE_CAP, &mut buf).await {
        log.write_line(&buf, read.len);
        let text = String::from_utf8_lossy(&buf).into_owned();
        tail.lock().unwrap_or_else(|e| e.into_inner()).push(text);
    }
    log.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn invalid_utf8_and_floods_are_drained_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n0.log");
        let mut input = b"before\n\xff\xfe bad bytes\n".to_vec();
        for i in 0..1000 {
            input.extend_from_slice(format!("flood line {i}\n").as_bytes());
        }
        input.extend_from_slice(b"last words");
        let tail = Arc::new(Mutex::new(StderrTail::default()));
        drain(&input[..], File::create(&path).unwrap(), 200, tail.clone()).await;
        let tail = tail.lock().unwrap();
        assert_eq!(tail.lines.back().unwrap(), "last words");
        let log = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned()
        });
        assert!(log.starts_with("before\n"), "{log}");
        assert!(log.len() < 400, "{}", log.len());
        assert!(
            log.contains("[grader: this log reached its cap of 0 MiB")
                && log.contains("more lines (")
                && log.contains("bytes) of stderr were left out]"),
            "{log}"
        );
    }
}
