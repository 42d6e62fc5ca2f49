//! The message flow around the focus: which messages tell the story, laid out as a Lamport
//! diagram (endpoints as lanes, time downwards, one arrow per message), and the same story as a
//! dozen lines for the terminal.
//!
//! Maelstrom's `messages.svg` draws every event from the start and gives up after 10,000; here
//! the selection starts from the evidence, so the diagram stays readable whatever the run's size,
//! and the page says how many messages it leaves out.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value as Json;

use super::focus::Focus;
use super::journal::{Fate, Message};
use crate::history::{History, OpType};
use crate::options::TestOptions;

/// How many messages that merely carry a focus value are drawn (first arrivals at each node are
/// always drawn).
const MAX_CARRIERS: usize = 40;
/// How many messages the wider window draws at most.
const MAX_WINDOW: usize = 400;
/// How many lines the terminal excerpt has at most.
const EXCERPT_LINES: usize = 12;
/// Characters of a body shown on an arrow and in a tooltip.
const LABEL_CHARS: usize = 48;
const TOOLTIP_CHARS: usize = 600;

/// Messages chosen for one diagram, and how many were left out.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    pub messages: Vec<&'a Message>,
    /// Messages of the story (carrying the value, or a focus op's request and reply).
    pub story: BTreeSet<u64>,
    /// The requests and replies of the focus ops: the excerpt always shows these.
    pub of_ops: BTreeSet<u64>,
    pub left_out: usize,
}

/// The messages of the focus: the requests and replies of its ops, the first message carrying a
/// focus value into each endpoint, and the first few others that carried it.
///
/// Replies to other clients are not part of it even when they carry the value: a read that saw
/// the value is not the story of its loss.
pub fn story<'a>(
    focus: &Focus,
    history: &History,
    opts: Option<&TestOptions>,
    messages: &'a [Message],
) -> Selection<'a> {
    let mut chosen: BTreeSet<u64> = BTreeSet::new();
    for &p in &focus.ops {
        chosen.extend(op_messages(history, p, opts, messages));
    }
    let of_ops = chosen.clone();
    let mut carriers = 0;
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut more = 0;
    if !focus.values.is_empty() {
        let texts: Vec<String> = focus.values.iter().map(Json::to_string).collect();
        for m in messages {
            if m.involves_client()
                || !texts.iter().any(|t| m.mentions(t))
                || !focus.values.iter().any(|v| carries(m.body(), v, 0))
                || focus.key.as_ref().is_some_and(|k| !carries(m.body(), k, 0))
            {
                continue;
            }
            let first_here = m.fate == Fate::Delivered && reached.insert(m.dest.as_str());
            if first_here || m.fate != Fate::Delivered || carriers < MAX_CARRIERS {
                if chosen.insert(m.id) {
                    carriers += 1;
                }
            } else if !chosen.contains(&m.id) {
                more += 1;
            }
        }
    }
    let picked: Vec<&Message> = messages.iter().filter(|m| chosen.contains(&m.id)).collect();
    Selection {
        messages: picked,
        story: chosen,
        of_ops,
        left_out: more,
    }
}

/// Every message in the time span of the story (a little before and after), sampled evenly when
/// there are too many; the story's own messages are always kept.
pub fn window<'a>(story: &Selection<'a>, messages: &'a [Message]) -> Selection<'a> {
    let (Some(first), Some(last)) = (
        story.messages.first(),
        story.messages.iter().map(|m| end(m)).reduce(f64::max),
    ) else {
        return Selection::default();
    };
    let (from, to) = (first.sent_ms - 50.0, last + 50.0);
    let inside: Vec<&Message> = messages
        .iter()
        .filter(|m| m.sent_ms >= from && m.sent_ms <= to)
        .collect();
    let others = inside
        .iter()
        .filter(|m| !story.story.contains(&m.id))
        .count();
    let room = MAX_WINDOW.saturating_sub(story.messages.len());
    let step = if others > room {
        others.div_ceil(room.max(1))
    } else {
        1
    };
    let mut kept = Vec::new();
    let mut seen = 0;
    for m in inside {
        if story.story.contains(&m.id) {
            kept.push(m);
            continue;
        }
        if seen % step == 0 {
            kept.push(m);
        }
        seen += 1;
    }
    let left_out = others - (kept.len() - story.messages.len().min(kept.len()));
    Selection {
        messages: kept,
        story: story.story.clone(),
        of_ops: story.of_ops.clone(),
        left_out,
    }
}

/// When a message stops mattering: its delivery or drop, or its sending when that is unknown.
fn end(m: &Message) -> f64 {
    if m.at_ms.is_finite() {
        m.at_ms
    } else {
        m.sent_ms
    }
}

/// Whether a body carries `value` anywhere but in its bookkeeping fields.
fn carries(body: &Json, value: &Json, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match body {
        Json::Object(map) => map
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "msg_id" | "in_reply_to" | "type" | "node_id"))
            .any(|(_, v)| carries(v, value, depth + 1)),
        Json::Array(items) => items.iter().any(|v| carries(v, value, depth + 1)),
        other => other == value,
    }
}

/// The client request an op made and its reply: the message of the op's type sent by a client
/// while the op was open (to the op's node when there is a choice), and the reply to it.
fn op_messages(
    history: &History,
    position: usize,
    opts: Option<&TestOptions>,
    messages: &[Message],
) -> Vec<u64> {
    let Some(invoke) = history.ops.get(position) else {
        return Vec::new();
    };
    let node = opts.and_then(|o| crate::checkers::node_of(o, invoke.process));
    let done = history.ops[position + 1..]
        .iter()
        .find(|op| op.process == invoke.process && op.kind != OpType::Invoke);
    let from_ms = invoke.time as f64 / 1e6 - 1.0;
    let to_ms = done.map_or(f64::INFINITY, |d| d.time as f64 / 1e6 + 1.0);
    let start = messages.partition_point(|m| m.sent_ms < from_ms);
    let request = messages[start..]
        .iter()
        .take_while(|m| m.sent_ms <= to_ms)
        .filter(|m| m.src.starts_with('c') && m.kind() == invoke.f && request_matches(m, invoke))
        .filter(|m| node.is_none_or(|n| m.dest == n))
        .min_by(|a, b| {
            let d = |m: &Message| (m.sent_ms - invoke.time as f64 / 1e6).abs();
            d(a).total_cmp(&d(b))
        });
    let Some(request) = request else {
        return Vec::new();
    };
    let mut ids = vec![request.id];
    let msg_id = request.body().get("msg_id");
    let at = messages.partition_point(|m| m.sent_ms < request.sent_ms);
    if let Some(reply) = messages[at..]
        .iter()
        .take_while(|m| m.sent_ms <= to_ms + 1000.0)
        .find(|m| {
            m.dest == request.src && msg_id.is_some() && m.body().get("in_reply_to") == msg_id
        })
    {
        ids.push(reply.id);
    }
    ids
}

/// Whether a client message is this op's request: same value where the op has one.
fn request_matches(m: &Message, op: &crate::history::Op) -> bool {
    match op.f.as_str() {
        "broadcast" => m.body().get("message") == Some(&op.value.to_json()),
        "echo" => m.body().get("echo") == Some(&op.value.to_json()),
        "add" => m.body().get("delta") == Some(&op.value.to_json()),
        _ => true,
    }
}

/// `type key=value …` in a few characters: the label on an arrow and in the excerpt.
pub fn label(m: &Message) -> String {
    let mut out = m.kind().to_owned();
    if let Json::Object(map) = m.body() {
        for (k, v) in map {
            if matches!(k.as_str(), "type" | "msg_id" | "in_reply_to") {
                continue;
            }
            out.push(' ');
            out.push_str(k);
            out.push('=');
            out.push_str(&v.to_string());
            if out.chars().count() > LABEL_CHARS {
                break;
            }
        }
    }
    shorten(&out, LABEL_CHARS)
}

/// The whole body, shortened, for a tooltip.
pub fn tooltip(m: &Message) -> String {
    let fate = match (m.fate, &m.why) {
        (Fate::Delivered, _) => format!("delivered at {:.3} s", m.at_ms / 1e3),
        (Fate::Dropped, why) => format!("dropped ({})", why.as_deref().unwrap_or("lost")),
        (Fate::Undelivered, _) => "never delivered".to_owned(),
    };
    let text = format!(
        "#{} {} → {} sent at {:.3} s, {fate}\n{}",
        m.id,
        m.src,
        m.dest,
        m.sent_ms / 1e3,
        m.raw_body
    );
    shorten(&text, TOOLTIP_CHARS)
}

/// At most `max` characters, with an ellipsis when cut; control characters shown as spaces.
pub fn shorten(text: &str, max: usize) -> String {
    let clean = |c: char| if c.is_control() && c != '\n' { ' ' } else { c };
    if text.chars().count() <= max {
        return text.chars().map(clean).collect();
    }
    let mut out: String = text
        .chars()
        .take(max.saturating_sub(1))
        .map(clean)
        .collect();
    out.push('…');
    out
}

/// The story as lines for the terminal: when, who to whom, what, and its fate.
pub fn excerpt(story: &Selection<'_>, total_story: usize) -> Vec<String> {
    let ms = &story.messages;
    let shown: Vec<&Message> = if ms.len() <= EXCERPT_LINES {
        ms.clone()
    } else {
        // The ops' own requests and replies first, then the beginning and the end of the
        // story; drops always matter.
        let mut keep: BTreeSet<usize> = ms
            .iter()
            .enumerate()
            .filter(|(_, m)| story.of_ops.contains(&m.id))
            .map(|(i, _)| i)
            .take(EXCERPT_LINES / 2)
            .collect();
        keep.extend(0..EXCERPT_LINES.saturating_sub(keep.len()) / 2);
        keep.extend(
            ms.iter()
                .enumerate()
                .filter(|(_, m)| m.fate != Fate::Delivered)
                .map(|(i, _)| i)
                .take(2),
        );
        let tail = EXCERPT_LINES.saturating_sub(keep.len());
        keep.extend(ms.len() - tail..ms.len());
        keep.into_iter().map(|i| ms[i]).collect()
    };
    let mut lines: Vec<String> = shown
        .iter()
        .map(|m| {
            let fate = match (m.fate, &m.why) {
                (Fate::Delivered, _) => String::new(),
                (Fate::Dropped, why) => {
                    format!("  ✗ dropped ({})", why.as_deref().unwrap_or("lost"))
                }
                (Fate::Undelivered, _) => "  ✗ never delivered".to_owned(),
            };
            format!(
                "{:>9.3} s  {:>5} → {:<5} {}{fate}",
                m.sent_ms / 1e3,
                shorten(&m.src, 8),
                shorten(&m.dest, 8),
                label(m)
            )
        })
        .collect();
    let hidden = total_story.saturating_sub(shown.len());
    if hidden > 0 {
        lines.push(format!(
            "… {hidden} more messages of this story in report.html"
        ));
    }
    lines
}

/// A Lamport diagram ready for the template: lanes, arrows, shaded partitions, time ticks.
#[derive(Debug, Clone, Serialize)]
pub struct Diagram {
    pub width: u32,
    pub height: u32,
    pub lanes: Vec<Lane>,
    pub arrows: Vec<Arrow>,
    pub bands: Vec<Band>,
    pub ticks: Vec<Tick>,
    pub shown: usize,
    pub left_out: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub x: f64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Arrow {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    /// `delivered`, `dropped` or `undelivered`, plus ` story` for the story's own messages.
    pub class: String,
    pub label: String,
    pub title: String,
    /// Where the label sits (the middle of the arrow).
    pub lx: f64,
    pub ly: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub y: f64,
    pub h: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub y: f64,
    pub label: String,
}

/// The widest gap between lanes; more lanes share about 1,150 pixels, down to the narrowest.
const LANE_GAP: f64 = 130.0;
const MIN_LANE_GAP: f64 = 80.0;
const ROW: f64 = 22.0;
const TOP: f64 = 40.0;
const LEFT: f64 = 90.0;

/// Lays out a selection: clients first, then nodes, then services; one row per distinct event
/// time, so that simultaneous events share a row and the order is exact.
pub fn diagram(sel: &Selection<'_>, partitions: &[(f64, f64)]) -> Diagram {
    let mut names: BTreeSet<(u8, usize, String)> = BTreeSet::new();
    for m in &sel.messages {
        for e in [&m.src, &m.dest] {
            names.insert(lane_order(e));
        }
    }
    let gap = (1150.0 / names.len().max(1) as f64).clamp(MIN_LANE_GAP, LANE_GAP);
    let lanes: Vec<Lane> = names
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, name))| Lane {
            x: LEFT + i as f64 * gap,
            name,
        })
        .collect();
    let x_of = |name: &str| lanes.iter().find(|l| l.name == name).map_or(LEFT, |l| l.x);
    let mut times: Vec<f64> = sel
        .messages
        .iter()
        .flat_map(|m| [m.sent_ms, end(m)])
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
    let y_of = |t: f64| TOP + times.partition_point(|x| *x < t - 1e-6) as f64 * ROW + ROW;
    let bottom = y_of(f64::INFINITY) + ROW;
    let arrows = sel
        .messages
        .iter()
        .map(|m| {
            let (x1, y1) = (x_of(&m.src), y_of(m.sent_ms));
            let (x2, y2) = match m.fate {
                Fate::Undelivered => (x_of(&m.dest), bottom - ROW / 2.0),
                _ => (x_of(&m.dest), y_of(end(m))),
            };
            let (x2, y2) = if m.fate == Fate::Dropped {
                // A dropped message stops half-way, where it was lost.
                (x1 + (x2 - x1) * 0.6, y1 + (y2 - y1) * 0.6)
            } else {
                (x2, y2)
            };
            let mut class = match m.fate {
                Fate::Delivered => "delivered",
                Fate::Dropped => "dropped",
                Fate::Undelivered => "undelivered",
            }
            .to_owned();
            if sel.story.contains(&m.id) {
                class.push_str(" story");
            }
            Arrow {
                x1,
                y1,
                x2,
                y2,
                class,
                label: label(m),
                title: tooltip(m),
                lx: (x1 + x2) / 2.0,
                ly: (y1 + y2) / 2.0 - 3.0,
            }
        })
        .collect();
    let bands = partitions
        .iter()
        .filter_map(|(a, b)| {
            let (ya, yb) = (y_of(*a), y_of(*b));
            (yb > ya).then_some(Band { y: ya, h: yb - ya })
        })
        .collect();
    // A time label at every row where the second changes, and at the first row.
    let mut ticks = Vec::new();
    let mut last_label = String::new();
    for t in &times {
        let label = format!("{:.3} s", t / 1e3);
        if label != last_label {
            ticks.push(Tick {
                y: y_of(*t),
                label: label.clone(),
            });
            last_label = label;
        }
    }
    Diagram {
        width: (LEFT + lanes.len().max(1) as f64 * gap) as u32,
        height: bottom as u32,
        lanes,
        arrows,
        bands,
        ticks,
        shown: sel.messages.len(),
        left_out: sel.left_out,
    }
}

/// Clients (`c…`) first, then nodes (`n…`) in numeric order, then services.
fn lane_order(name: &str) -> (u8, usize, String) {
    let number = |s: &str| s[1..].parse::<usize>().ok();
    match name.chars().next() {
        Some('c') if number(name).is_some() => (0, number(name).unwrap_or(0), name.to_owned()),
        Some('n') if number(name).is_some() => (1, number(name).unwrap_or(0), name.to_owned()),
        _ => (2, 0, name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(id: u64, src: &str, dest: &str, t: f64, body: Json) -> Message {
        Message::new(id, src, dest, t, t + 1.0, Fate::Delivered, &body)
    }

    #[test]
    fn carriers_ignore_bookkeeping_fields() {
        assert!(carries(
            &json!({"type": "gossip", "values": [1, 7]}),
            &json!(7),
            0
        ));
        assert!(!carries(
            &json!({"type": "gossip", "msg_id": 7}),
            &json!(7),
            0
        ));
    }

    #[test]
    fn the_story_keeps_first_arrivals_and_the_excerpt_stays_short() {
        let mut ms = vec![msg(
            0,
            "c1",
            "n0",
            0.0,
            json!({"type": "broadcast", "message": 7, "msg_id": 1}),
        )];
        ms.push(msg(
            200,
            "n0",
            "c1",
            0.5,
            json!({"type": "read_ok", "messages": [7]}),
        ));
        for i in 1..100 {
            ms.push(msg(
                i,
                "n0",
                &format!("n{}", i % 5),
                i as f64,
                json!({"type": "gossip", "values": [7]}),
            ));
        }
        let focus = Focus {
            values: vec![json!(7)],
            ..Focus::default()
        };
        let h = History::default();
        let s = story(&focus, &h, None, &ms);
        assert!(s.messages.len() <= MAX_CARRIERS + 5, "{}", s.messages.len());
        assert!(s.left_out > 0);
        let lines = excerpt(&s, s.messages.len() + s.left_out);
        assert!(lines.len() <= EXCERPT_LINES + 1, "{lines:?}");
        assert!(lines[0].contains("n0 → n1"), "{lines:?}");
        assert!(
            !s.story.contains(&200),
            "a read that saw it is not the story"
        );
        let d = diagram(&s, &[]);
        assert_eq!(d.arrows.len(), s.messages.len());
        assert_eq!(d.lanes[0].name, "n0");
    }

    #[test]
    fn labels_are_short_and_clean() {
        let m = msg(
            0,
            "n0",
            "n1",
            0.0,
            json!({"type": "x", "text": "a\u{7}b".repeat(50)}),
        );
        let l = label(&m);
        assert!(l.chars().count() <= LABEL_CHARS);
        assert!(!l.contains('\u{7}'));
    }
}
