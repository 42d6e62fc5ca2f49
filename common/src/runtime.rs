//! The real thing: stdin and stdout, a wall clock, and a tokio current-thread loop around a [`Driver`].
//!
//! Maelstrom writes one JSON message per line to the node's stdin and reads its replies from stdout,
//! so stdout must carry nothing but messages: every line is flushed as soon as it is written, and all
//! diagnostics go to stderr (Maelstrom keeps them in `node-logs/`).

use std::io::Write;

use anyhow::Context as _;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, BufReader};
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
    // The first line says whether the grader's simulator drives this node ([`crate::sim`]).
    // std's stdin is buffered process-wide, so tokio's stdin reads on from where this stopped.
    let mut first = String::new();
    if std::io::stdin()
        .read_line(&mut first)
        .context("could not read stdin")?
        == 0
    {
        return Ok(());
    }
    let first = first.trim_end_matches(['\n', '\r']).to_owned();
    if crate::sim::header(&first).is_some() {
        // One write per step: the simulator waits for the whole answer anyway.
        let output = std::io::BufWriter::new(std::io::stdout().lock());
        return crate::sim::serve::<N>(&first, std::io::stdin().lock(), output);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the tokio runtime")?;
    let stdin = BufReader::new(tokio::io::stdin());
    runtime.block_on(serve::<N>(Some(first), stdin, std::io::stdout()))
}

/// The loop itself, over any line source and sink, so that tests can run it without a process.
async fn serve<N: Node>(
    first: Option<String>,
    input: impl AsyncBufRead + Unpin,
    mut output: impl Write,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut driver = Driver::<N>::new();
    let mut lines = input.lines();
    if let Some(first) = first {
        for line in driver.receive(&first, start.elapsed()) {
            writeln!(output, "{line}").context("could not write to stdout")?;
            output.flush().context("could not flush stdout")?;
        }
    }
    loop {
        let wake = driver.next_deadline().map(|deadline| start + deadline);
        let produced = tokio::select! {
            line = lines.next_line() => match line.context("could not read stdin")? {
                Some(line) => driver.receive(&line, start.elapsed()),
                None => return Ok(()),
            },
            () = sleep_until(wake) => driver.tick(start.elapsed()),
        };
        for line in produced {
            writeln!(output, "{line}").context("could not write to stdout")?;
            output.flush().context("could not flush stdout")?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Error, Init, Message};
    use serde::{Deserialize, Serialize};
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Later { delay_ms: u64 },
        LaterOk,
    }

    #[derive(Debug)]
    struct Delayed;

    impl Node for Delayed {
        type Payload = Payload;

        fn init(_init: &Init, _ctx: &mut Context<Self>) -> Result<Self, Error> {
            Ok(Delayed)
        }

        fn handle(&mut self, msg: Message<Payload>, ctx: &mut Context<Self>) -> Result<(), Error> {
            let to = msg.reply_to();
            if let Payload::Later { delay_ms } = msg.body.payload {
                ctx.after(
                    Duration::from_millis(delay_ms),
                    move |_: &mut Delayed, ctx| ctx.reply(&to, Payload::LaterOk),
                );
            }
            Ok(())
        }
    }

    /// The wall-clock loop wakes for timers while stdin is idle, and returns when stdin closes.
    #[test]
    fn timers_fire_while_input_is_idle_and_eof_ends_the_loop() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut output = Vec::new();
        runtime.block_on(async {
            let (mut writer, reader) = tokio::io::duplex(4096);
            let feed = async move {
                let init = r#"{"src":"c0","dest":"n0","body":{"type":"init","node_id":"n0","node_ids":["n0"],"msg_id":1}}"#;
                let later = r#"{"src":"c1","dest":"n0","body":{"type":"later","delay_ms":20,"msg_id":1}}"#;
                writer.write_all(format!("{init}\n{later}\n").as_bytes()).await.unwrap();
                tokio::time::sleep(Duration::from_millis(80)).await;
                drop(writer);
            };
            let (served, ()) = tokio::join!(serve::<Delayed>(None, BufReader::new(reader), &mut output), feed);
            served.unwrap();
        });
        let text = String::from_utf8(output).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].contains(r#""type":"init_ok""#), "{text}");
        assert!(lines[1].contains(r#""type":"later_ok""#), "{text}");
        assert!(lines[1].contains(r#""dest":"c1""#), "{text}");
    }
}
