//! The simulation step protocol: how `grader --engine sim` drives a node in virtual time.
//!
//! A node process cannot be paused, so the simulator needs the node to say when it has finished
//! reacting to an input. When the engine asks for it — every line it writes then carries a
//! top-level `"sim"` object — the runtime leaves the wall clock and tokio behind and runs the same
//! [`Driver`] step by step:
//!
//! - engine → node, a message: the usual message line plus `"sim":{"now_ns":T}` (the first line
//!   also carries `"seed":S`). The node handles it at virtual time `T` (nanoseconds).
//! - engine → node, a timer: `{"sim":{"now_ns":T,"tick":true}}`, sent once the node's next
//!   deadline is due. The node runs its due timers at time `T`.
//! - node → engine, after every input: its output lines, then
//!   `{"sim":{"idle":true,"next_ns":N}}` (`N` is `null` when no timer is pending).
//!
//! The seed of the first line seeds the node's [`Context::rng`](crate::Context::rng), so that
//! the same run seed gives the node the same random draws.
//!
//! Between an input and its idle line no virtual time passes: a node's computing time counts as
//! zero. A node in another language opts in by doing the same.

use std::io::{BufRead, Write};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use crate::{Driver, Node};

/// The `"sim"` object on every line the engine writes.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// The virtual time of this input, in nanoseconds since the run started.
    pub now_ns: u64,
    /// The seed for the node's randomness (first line only).
    #[serde(default)]
    pub seed: Option<u64>,
    /// A timer tick rather than a message.
    #[serde(default)]
    pub tick: bool,
}

#[derive(Deserialize)]
struct Line {
    sim: Option<Header>,
}

/// The sim header of an input line, if the engine sent one. Unreadable lines have none, unless
/// they start with a readable one.
pub fn header(line: &str) -> Option<Header> {
    // The engine writes the sim object first: read it alone, not the whole line (which the driver
    // reads next anyway).
    if let Some(rest) = line.strip_prefix(r#"{"sim":"#) {
        if let Some(Ok(header)) = serde_json::Deserializer::from_str(rest)
            .into_iter::<Header>()
            .next()
        {
            return Some(header);
        }
    }
    serde_json::from_str::<Line>(line).ok()?.sim
}

/// The line a node writes once it is idle: no output is pending and nothing happens before
/// `next` unless a message arrives.
pub fn idle_line(next: Option<Duration>) -> String {
    match next {
        Some(next) => format!(r#"{{"sim":{{"idle":true,"next_ns":{}}}}}"#, next.as_nanos()),
        None => r#"{"sim":{"idle":true,"next_ns":null}}"#.to_owned(),
    }
}

/// Serves node `N` in virtual time, starting with `first` (which carried the sim request), then
/// every line of `input` until it ends.
pub fn serve<N: Node>(
    first: &str,
    input: impl BufRead,
    mut output: impl Write,
) -> anyhow::Result<()> {
    let mut driver = match header(first).and_then(|h| h.seed) {
        Some(seed) => Driver::<N>::with_seed(seed),
        None => Driver::<N>::new(),
    };
    let mut step = |line: &str, output: &mut dyn Write| -> anyhow::Result<()> {
        let header = header(line).unwrap_or_default();
        let now = Duration::from_nanos(header.now_ns);
        let produced = if header.tick {
            driver.tick(now)
        } else {
            driver.receive(line, now)
        };
        for line in produced {
            writeln!(output, "{line}").context("could not write to stdout")?;
        }
        writeln!(output, "{}", idle_line(driver.next_deadline()))
            .context("could not write to stdout")?;
        output.flush().context("could not flush stdout")
    };
    step(first, &mut output)?;
    for line in input.lines() {
        let line = line.context("could not read stdin")?;
        step(&line, &mut output)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Error, Init, Message};
    use serde::Serialize;

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Payload {
        Later { delay_ms: u64 },
        LaterOk,
        Roll,
        RollOk { value: u64 },
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
            match msg.body.payload {
                Payload::Later { delay_ms } => {
                    ctx.after(
                        Duration::from_millis(delay_ms),
                        move |_: &mut Delayed, ctx| ctx.reply(&to, Payload::LaterOk),
                    );
                }
                Payload::Roll => {
                    use rand::Rng;
                    let value = ctx.rng().gen();
                    ctx.reply(&to, Payload::RollOk { value });
                }
                _ => {}
            }
            Ok(())
        }
    }

    /// Every input is answered by its output and one idle line naming the next timer, and a tick
    /// at that time fires it: no wall clock involved.
    #[test]
    fn each_input_ends_with_an_idle_line_and_ticks_fire_timers() {
        let init = r#"{"sim":{"now_ns":0,"seed":7},"src":"c0","dest":"n0","body":{"type":"init","node_id":"n0","node_ids":["n0"],"msg_id":1}}"#;
        let rest = [
            r#"{"sim":{"now_ns":1000},"src":"c1","dest":"n0","body":{"type":"later","delay_ms":20,"msg_id":1}}"#,
            r#"{"sim":{"now_ns":20001000,"tick":true}}"#,
        ]
        .join("\n");
        let mut output = Vec::new();
        serve::<Delayed>(init, rest.as_bytes(), &mut output).unwrap();
        let text = String::from_utf8(output).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].contains("init_ok"), "{text}");
        assert_eq!(lines[1], idle_line(None));
        assert_eq!(lines[2], r#"{"sim":{"idle":true,"next_ns":20001000}}"#);
        assert!(lines[3].contains("later_ok"), "{text}");
        assert_eq!(lines[4], idle_line(None));
        assert_eq!(
            header(init),
            Some(Header {
                now_ns: 0,
                seed: Some(7),
                tick: false
            })
        );
        assert_eq!(header(r#"{"src":"c0"}"#), None);
        // Anywhere in the line, not only first.
        let late = r#"{"src":"c0","sim":{"now_ns":9,"tick":true}}"#;
        assert_eq!(header(late).map(|h| (h.now_ns, h.tick)), Some((9, true)));
    }

    /// What a node draws from its context is fixed by the seed of the first line.
    #[test]
    fn the_seed_of_the_first_line_seeds_the_node_rng() {
        let roll = |seed: u64| {
            let init = format!(
                r#"{{"sim":{{"now_ns":0,"seed":{seed}}},"src":"c0","dest":"n0","body":{{"type":"init","node_id":"n0","node_ids":["n0"],"msg_id":1}}}}"#
            );
            let rolls =
                r#"{"sim":{"now_ns":5},"src":"c1","dest":"n0","body":{"type":"roll","msg_id":1}}"#;
            let mut output = Vec::new();
            serve::<Delayed>(&init, format!("{rolls}\n{rolls}").as_bytes(), &mut output).unwrap();
            String::from_utf8(output)
                .unwrap()
                .lines()
                .filter(|l| l.contains("roll_ok"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(roll(7).len(), 2);
        assert_eq!(roll(7), roll(7));
        assert_ne!(roll(7), roll(8));
    }
}
