//! The real thing: stdin and stdout, a wall clock, and a tokio current-thread loop around a [`Driver`].
//!
//! Maelstrom writes one JSON message per line to the node's stdin and reads its replies from stdout,
//! so stdout must carry nothing but messages: every line is flushed as soon as it is written, and all
//! diagnostics go to stderr (Maelstrom keeps them in `node-logs/`).

use std::io::Write;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

use crate::{Driver, Node};

/// Runs node `N` until stdin closes, then returns `Ok(())`. Call it from `main`:
///
/// ```no_run
/// # struct MyNode;
/// # impl common::Node for MyNode {
/// #     type Payload = serde_json::Value;
/// #     fn init(_: &common::Init, _: &mut common::Context<Self>) -> Result<Self, common::Error> { Ok(MyNode) }
/// #     fn handle(&mut self, _: common::Message<serde_json::Value>, _: &mut common::Context<Self>) -> Result<(), common::Error> { Ok(()) }
/// # }
/// fn main() -> anyhow::Result<()> {
///     common::run::<MyNode>()
/// }
/// ```
pub fn run<N: Node>() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the tokio runtime")?;
    runtime.block_on(serve::<N>())
}

async fn serve<N: Node>() -> anyhow::Result<()> {
    let start = Instant::now();
    let mut driver = Driver::<N>::new();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let stdout = std::io::stdout();
    loop {
        let wake = driver.next_deadline().map(|deadline| start + deadline);
        let output = tokio::select! {
            line = lines.next_line() => match line.context("could not read stdin")? {
                Some(line) => driver.receive(&line, start.elapsed()),
                None => return Ok(()),
            },
            () = sleep_until(wake) => driver.tick(start.elapsed()),
        };
        let mut out = stdout.lock();
        for line in output {
            writeln!(out, "{line}").context("could not write to stdout")?;
            out.flush().context("could not flush stdout")?;
        }
    }
}

/// Sleeps until `deadline`, or forever when there is none (stdin will wake the loop instead).
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending::<()>().await,
    }
}
