//! The op timeline, after Jepsen's `timeline.html`: one lane per client process, each op a bar
//! from its invocation to its completion, coloured by how it ended, nemesis periods shaded.
//!
//! Level 2 runs some 27,000 ops; bars that would be narrower than a pixel and end the same way
//! are merged, so the drawing stays small while every failed or indeterminate op keeps its own
//! bar and tooltip.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::history::{History, OpType, Process};

/// At most this many lanes; further processes share lanes (`process mod MAX_LANES`).
const MAX_LANES: u64 = 60;
const WIDTH: f64 = 1100.0;
const LEFT: f64 = 60.0;
const LANE: f64 = 12.0;
const TOP: f64 = 20.0;

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub width: u32,
    pub height: u32,
    pub lanes: Vec<LaneLabel>,
    pub bars: Vec<Bar>,
    pub bands: Vec<Band>,
    pub ticks: Vec<Tick>,
    /// The failing op's bar, drawn on top with a marker.
    pub failing: Option<Bar>,
    pub ops: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LaneLabel {
    pub y: f64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    /// `ok`, `fail`, `info` (or `open` for an op that never completed).
    pub class: &'static str,
    /// A tooltip, for bars that are one op.
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub x: f64,
    pub w: f64,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

/// Periods when a nemesis fault was in force, in milliseconds: from a `start-…` completion to
/// the next `stop-…` invocation (or the end of the run).
pub fn nemesis_periods(history: &History) -> Vec<(f64, f64, String)> {
    let mut periods = Vec::new();
    let mut open: Option<(f64, String)> = None;
    let end = history.ops.last().map_or(0.0, |o| o.time as f64 / 1e6);
    for op in history.ops.iter().filter(|o| o.process == Process::Nemesis) {
        let t = op.time as f64 / 1e6;
        if op.f.starts_with("start") && op.kind != OpType::Invoke && open.is_none() {
            open = Some((t, op.f.trim_start_matches("start-").to_owned()));
        } else if op.f.starts_with("stop") && op.kind == OpType::Invoke {
            if let Some((from, what)) = open.take() {
                periods.push((from, t, what));
            }
        }
    }
    if let Some((from, what)) = open {
        periods.push((from, end, what));
    }
    periods
}

/// Lays out every client op of the history.
pub fn layout(history: &History, failing_op: Option<usize>) -> Timeline {
    let end_ns = history.ops.iter().map(|o| o.time).max().unwrap_or(1).max(1);
    let scale = WIDTH / end_ns as f64;
    let x_of = |t: u64| LEFT + t as f64 * scale;
    let mut lanes: BTreeMap<u64, usize> = BTreeMap::new();
    for op in history.client_ops() {
        if let Process::Client(p) = op.process {
            lanes.entry(p % MAX_LANES).or_default();
        }
    }
    for (i, lane) in lanes.values_mut().enumerate() {
        *lane = i;
    }
    let y_of = |p: Process| match p {
        Process::Client(p) => TOP + lanes.get(&(p % MAX_LANES)).copied().unwrap_or(0) as f64 * LANE,
        Process::Nemesis => TOP,
    };
    let failing_index = failing_op.and_then(|p| history.ops.get(p)).map(|o| o.index);
    let mut bars: Vec<Bar> = Vec::new();
    let mut failing = None;
    // The last bar of each lane, to merge into while ops are sub-pixel and end alike.
    let mut last_of_lane: BTreeMap<u64, usize> = BTreeMap::new();
    let pairs = history.pairs();
    for (inv, done) in &pairs {
        let Process::Client(p) = inv.process else {
            continue;
        };
        let class = match done.map(|d| d.kind) {
            Some(OpType::Ok) => "ok",
            Some(OpType::Fail) => "fail",
            Some(OpType::Info) => "info",
            _ => "open",
        };
        let (x1, x2) = (x_of(inv.time), x_of(done.map_or(end_ns, |d| d.time)));
        let y = y_of(inv.process);
        let title = || {
            let outcome = done.map_or_else(
                || "never completed".to_owned(),
                |d| {
                    let err = d
                        .error
                        .as_ref()
                        .map(|e| format!(" {e}"))
                        .unwrap_or_default();
                    format!(
                        ":{} {}{err}",
                        d.kind.keyword(),
                        super::flow::shorten(&d.value.to_string(), 200)
                    )
                },
            );
            format!(
                "process {} :{} {} → {outcome} ({:.3}–{:.3} s)",
                inv.process,
                inv.f,
                super::flow::shorten(&inv.value.to_string(), 200),
                inv.time as f64 / 1e9,
                done.map_or(end_ns, |d| d.time) as f64 / 1e9
            )
        };
        let bar = Bar {
            x: x1,
            y,
            w: (x2 - x1).max(1.0),
            class,
            title: None,
        };
        if Some(inv.index) == failing_index {
            failing = Some(Bar {
                title: Some(title()),
                ..bar.clone()
            });
        }
        let lane = p % MAX_LANES;
        if let Some(&i) = last_of_lane.get(&lane) {
            let prev = &mut bars[i];
            if class == "ok" && prev.class == "ok" && x1 - (prev.x + prev.w) < 1.0 {
                prev.w = (x2 - prev.x).max(prev.w);
                prev.title = None;
                continue;
            }
        }
        let keep_title = class != "ok" || x2 - x1 >= 4.0;
        bars.push(Bar {
            title: keep_title.then(title),
            ..bar
        });
        last_of_lane.insert(lane, bars.len() - 1);
    }
    let height = TOP + lanes.len().max(1) as f64 * LANE + 24.0;
    let bands = nemesis_periods(history)
        .into_iter()
        .map(|(a, b, what)| Band {
            x: x_of((a * 1e6) as u64),
            w: ((b - a) * 1e6 * scale).max(1.0),
            label: what,
        })
        .collect();
    let secs = end_ns as f64 / 1e9;
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0]
        .into_iter()
        .find(|s| secs / s <= 12.0)
        .unwrap_or(120.0);
    let ticks = (0..=(secs / step) as usize)
        .map(|i| {
            let s = i as f64 * step;
            Tick {
                x: LEFT + s * 1e9 * scale,
                label: format!("{s} s"),
            }
        })
        .collect();
    Timeline {
        width: (LEFT + WIDTH + 20.0) as u32,
        height: height as u32,
        lanes: lanes
            .keys()
            .enumerate()
            .map(|(i, p)| LaneLabel {
                y: TOP + i as f64 * LANE,
                name: p.to_string(),
            })
            .collect(),
        bars,
        bands,
        ticks,
        failing,
        ops: pairs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;
    use crate::value::Value;

    #[test]
    fn sub_pixel_ok_ops_merge_but_a_failure_keeps_its_bar() {
        let mut rows = Vec::new();
        for i in 0..1000u64 {
            rows.push((i * 10, Invoke, 0, "generate", Value::Nil));
            rows.push((i * 10 + 1, Ok, 0, "generate", Value::Int(i as i64)));
        }
        rows.push((10_000, Invoke, 0, "generate", Value::Nil));
        rows.push((10_001, Fail, 0, "generate", Value::Nil));
        let h = history(&rows);
        let t = layout(&h, Some(2000));
        assert!(t.bars.len() < 100, "{} bars", t.bars.len());
        assert!(t.bars.iter().any(|b| b.class == "fail"));
        assert_eq!(t.failing.as_ref().map(|b| b.class), Some("fail"));
        assert_eq!(t.ops, 1001);
    }
}
