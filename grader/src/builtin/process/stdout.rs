//! A node's stdout: every line is a message for the network (Maelstrom spec §3.4).
//!
//! [`inject`] is the seam between one line of text and the network — parse, validate, send —
//! and is what any other way of running a node (a simulated one) calls too. [`read_stdout`] feeds
//! it from the pipe, with three defences Maelstrom does not need on a JVM with gigabytes to
//! spare: a line longer than [`LINE_CAP`] is counted, never buffered whole; the unfinished last
//! line of a node killed at teardown is not held against it; bytes that are not UTF-8 are named
//! as such (and decoded lossily, as Java's reader does).

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::process::ChildStdout;

use super::lines::{read_line, LineRead};
use super::NodeContext;
use crate::builtin::net::SendError;
use crate::builtin::wire::{self, parse_line};

/// The longest stdout line the grader reads (Maelstrom has no limit but its heap): 4 MiB, far
/// more than any message of the challenges needs.
pub const LINE_CAP: usize = 4 * 1024 * 1024;

/// Reads `stdout` line by line into the network, going mute for good after a bad line, as
/// Maelstrom's reader does.
pub async fn read_stdout(ctx: NodeContext, id: String, stdout: ChildStdout) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut buf = Vec::new();
    loop {
        let read = match read_line(&mut reader, LINE_CAP, &mut buf).await {
            Ok(Some(read)) => read,
            Ok(None) | Err(_) => break,
        };
        // A node killed at the end of a run in the middle of a write leaves half a line:
        // that is the kill's doing, not evidence against the node (unless it was already
        // over the cap).
        if !read.terminated && !read.cut(LINE_CAP) && ctx.tearing_down.load(Ordering::SeqCst) {
            return;
        }
        if let Err((summary, detail)) = accept(&ctx, &id, &buf, read) {
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
    closed_stdout(&ctx, &id).await;
}

/// One `\n`-terminated chunk of stdout (at most [`LINE_CAP`] bytes of it in `bytes`): the cap,
/// UTF-8, then [`inject`] for each line Java would see. The simulator calls it too.
pub(crate) fn accept(
    ctx: &NodeContext,
    id: &str,
    bytes: &[u8],
    read: LineRead,
) -> Result<(), (String, String)> {
    if read.cut(LINE_CAP) {
        let shown = wire::excerpt(&String::from_utf8_lossy(&bytes[..bytes.len().min(400)]));
        return Err((
            format!(
                "{id} printed a line too long: {}{} bytes (the grader reads lines of up to {} \
                 MiB): `{shown}`",
                if read.terminated { "" } else { "at least " },
                read.len,
                LINE_CAP / (1024 * 1024)
            ),
            "No message of these challenges needs more than a few kilobytes: is something \
             printed without a newline, or a whole data structure on every line?"
                .into(),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(e) => {
            let at = e.valid_up_to();
            let lossy = String::from_utf8_lossy(bytes);
            ctx.diagnoses.report(
                format!("utf8 {id}"),
                format!(
                    "{id} printed bytes that are not valid UTF-8 on stdout (byte 0x{:02x} at \
                     offset {at} of the line): `{}`",
                    bytes[at],
                    wire::excerpt(&lossy)
                ),
                vec![
                    "JSON text is UTF-8. Maelstrom's reader replaces such bytes with U+FFFD (�), \
                     so whatever they meant is lost; the builtin engine does the same."
                        .into(),
                ],
            );
            lossy
        }
    };
    for line in wire::split_java_lines(&text) {
        inject(ctx, id, line)?;
    }
    Ok(())
}

/// A node's stdout ended. If the node is still running a moment later (its exit is diagnosed
/// apart), it closed stdout on purpose or by accident: say so, for its clients will time out.
async fn closed_stdout(ctx: &NodeContext, id: &str) {
    if ctx.tearing_down.load(Ordering::SeqCst) {
        return;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    if ctx.tearing_down.load(Ordering::SeqCst) || *ctx.abort.borrow() {
        return;
    }
    ctx.diagnoses.report(
        format!("stdout-closed {id}"),
        format!("{id} closed its stdout while still running"),
        vec![
            format!(
                "Nothing {id} prints after that can reach the network, so every request to it \
                 times out. Keep stdout open for as long as the node runs."
            ),
            "(A node that merely hangs keeps stdout open; this one closed it.)".into(),
        ],
    );
}

/// Parses one stdout line and sends it; the error is (summary, detail). A message whose `src`
/// is not the sending node is delivered (Maelstrom allows it) but diagnosed.
pub fn inject(ctx: &NodeContext, id: &str, line: &str) -> Result<(), (String, String)> {
    let out = parse_line(line).map_err(|e| (wire::describe(id, line, &e), wire::hint(&e)))?;
    // Only a diagnosis quotes the line: built when one is written, not for every message.
    let shown = || wire::excerpt(line);
    ctx.net
        .send_sized(&out.src, &out.dest, out.body, line.len())
        .map_err(|e| match e {
            SendError::UnknownDest { dest, closed: true } => (
                format!(
                    "{id} sent a message to {dest}, a client that is no longer open: `{}`",
                    shown()
                ),
                format!(
                    "{dest} had stopped waiting (its request timed out, or it was the client \
                     that sent init), so the reply came too late or went to the wrong client."
                ),
            ),
            SendError::UnknownDest { dest, .. } => (
                format!(
                    "{id} sent a message to {dest:?}, which is not a node, client or service of \
                     this test: `{}`",
                    shown()
                ),
                "Node ids come from init's node_ids; clients are the src of the requests.".into(),
            ),
            SendError::UnknownSrc { src } => (
                format!(
                    "{id} sent a message with src {src:?}, which is not a node of this test: \
                     `{}`",
                    shown()
                ),
                "src must be the node's own id, from init's node_id.".into(),
            ),
        })?;
    if out.src != id {
        ctx.diagnoses.report(
            format!("src {id}"),
            format!(
                "{id} sent a message with src {:?}, which is not its own id: `{}`",
                out.src,
                shown()
            ),
            vec![
                "src must be the sending node's own id, from init's node_id: the reply then \
                 looks as if another node had sent it. Maelstrom lets it through; the course \
                 does not."
                    .into(),
            ],
        );
    }
    Ok(())
}
