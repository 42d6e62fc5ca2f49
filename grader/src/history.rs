//! The history of a run: every client operation's invocation and completion, in order.
//!
//! This is Jepsen's history model (Maelstrom spec §8.2). The builtin engine records one; a
//! Maelstrom run leaves one in `history.edn`; every checker is a pure function of one.

use std::fmt;

use crate::edn::{self, EdnError};
use crate::value::Value;

/// Whether an entry starts an operation or says how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpType {
    /// The client sent the request.
    Invoke,
    /// It definitely happened.
    Ok,
    /// It definitely did not happen.
    Fail,
    /// Nobody knows whether it happened (a timeout, a crash, an indefinite error).
    Info,
}

impl OpType {
    pub fn keyword(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }

    fn from_keyword(k: &str) -> Option<OpType> {
        Some(match k {
            "invoke" => OpType::Invoke,
            "ok" => OpType::Ok,
            "fail" => OpType::Fail,
            "info" => OpType::Info,
            _ => return None,
        })
    }
}

/// Who performed an operation: a client process (thread `p mod concurrency`) or the nemesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    Client(u64),
    Nemesis,
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Process::Client(p) => write!(f, "{p}"),
            Process::Nemesis => f.write_str(":nemesis"),
        }
    }
}

/// One history entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// Dense position in the history, from 0.
    pub index: usize,
    /// Nanoseconds since the run's time origin.
    pub time: u64,
    pub kind: OpType,
    pub process: Process,
    /// The operation's function, a keyword name without the colon: `"read"`, `"broadcast"`, …
    pub f: String,
    pub value: Value,
    /// `:error`, present on failed and indeterminate completions.
    pub error: Option<Value>,
    /// `:final? true`, set on the reads of a workload's final phase.
    pub final_read: bool,
    /// Any other keys (`:exception`, …), kept so that nothing read is lost.
    pub extra: Vec<(String, Value)>,
}

impl Op {
    /// A new entry with no error, not final, no extra keys.
    pub fn new(kind: OpType, process: Process, f: &str, value: Value) -> Op {
        Op {
            index: 0,
            time: 0,
            kind,
            process,
            f: f.to_owned(),
            value,
            error: None,
            final_read: false,
            extra: Vec::new(),
        }
    }

    pub fn is_client(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }

    /// Reads one op from an EDN map (a `history.edn` line or a `#jepsen.history.Op{…}` record).
    pub fn from_value(v: &Value) -> Result<Op, HistoryError> {
        let missing = |key: &str| HistoryError::Malformed(format!("no {key} in {v}"));
        let index = v.get("index").and_then(Value::as_int).unwrap_or(-1);
        let time = v
            .get("time")
            .and_then(Value::as_int)
            .ok_or_else(|| missing(":time"))?;
        let kind = v
            .get("type")
            .and_then(Value::as_keyword)
            .and_then(OpType::from_keyword)
            .ok_or_else(|| missing(":type"))?;
        let process = match v.get("process") {
            Some(Value::Int(p)) => Process::Client(u64::try_from(*p).unwrap_or(0)),
            Some(Value::Keyword(k)) if k == "nemesis" => Process::Nemesis,
            _ => return Err(missing(":process")),
        };
        let f = match v.get("f") {
            Some(Value::Keyword(k)) => k.clone(),
            Some(other) => other.to_string(),
            None => return Err(missing(":f")),
        };
        let mut op = Op::new(
            kind,
            process,
            &f,
            v.get("value").cloned().unwrap_or(Value::Nil),
        );
        op.index = usize::try_from(index).unwrap_or(0);
        op.time = u64::try_from(time).unwrap_or(0);
        for (k, val) in v.as_map().unwrap_or_default() {
            match k.as_keyword() {
                Some("index" | "time" | "type" | "process" | "f" | "value") => {}
                Some("error") => op.error = Some(val.clone()),
                Some("final?") => op.final_read = val.as_bool().unwrap_or(false),
                Some(other) => op.extra.push((other.to_owned(), val.clone())),
                None => op.extra.push((k.to_string(), val.clone())),
            }
        }
        Ok(op)
    }

    /// Appends the op as one EDN map (a `history.edn` line), its keys in Jepsen's order. Written
    /// straight as text, without building a [`Value`] of the op: a history of 40 000 ops is
    /// written in a few milliseconds.
    pub fn write_edn(&self, out: &mut String) {
        let mut int = itoa::Buffer::new();
        out.push_str("{:index ");
        out.push_str(int.format(self.index));
        out.push_str(", :time ");
        out.push_str(int.format(self.time));
        out.push_str(", :type :");
        out.push_str(self.kind.keyword());
        out.push_str(", :process ");
        self.write_process(out);
        out.push_str(", :f :");
        out.push_str(&self.f);
        out.push_str(", :value ");
        self.value.write_edn(out);
        if let Some(e) = &self.error {
            out.push_str(", :error ");
            e.write_edn(out);
        }
        if self.final_read {
            out.push_str(", :final? true");
        }
        for (k, v) in &self.extra {
            out.push_str(", :");
            out.push_str(k);
            out.push(' ');
            v.write_edn(out);
        }
        out.push('}');
    }

    /// Appends the op as one `history.txt` line (see [`Display`](fmt::Display)), without its
    /// newline.
    pub fn write_txt(&self, out: &mut String) {
        self.write_process(out);
        out.push_str("\t:");
        out.push_str(self.kind.keyword());
        out.push_str("\t:");
        out.push_str(&self.f);
        out.push('\t');
        self.value.write_edn(out);
        if let Some(e) = &self.error {
            out.push('\t');
            e.write_edn(out);
        }
    }

    fn write_process(&self, out: &mut String) {
        match self.process {
            Process::Client(p) => out.push_str(itoa::Buffer::new().format(p)),
            Process::Nemesis => out.push_str(":nemesis"),
        }
    }
}

/// One line of `history.txt`: `process TAB :type TAB :f TAB value [TAB error]`.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        self.write_txt(&mut line);
        f.write_str(&line)
    }
}

/// A history that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history line {line}: {source}")]
    Edn { line: usize, source: EdnError },
    #[error("history entry is malformed: {0}")]
    Malformed(String),
}

/// All entries of a run, in the order they happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub ops: Vec<Op>,
}

impl History {
    /// Builds a history from entries, numbering them densely from 0.
    pub fn new(mut ops: Vec<Op>) -> History {
        for (i, op) in ops.iter_mut().enumerate() {
            op.index = i;
        }
        History { ops }
    }

    /// Reads Maelstrom's `history.edn`: one EDN map per line (a single EDN vector also works).
    pub fn from_edn(text: &str) -> Result<History, HistoryError> {
        let trimmed = text.trim_start();
        let values: Vec<Value> = if trimmed.starts_with('[') {
            match edn::parse(trimmed).map_err(|source| HistoryError::Edn { line: 1, source })? {
                Value::Vec(v) => v,
                other => vec![other],
            }
        } else {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| {
                    edn::parse(l).map_err(|source| HistoryError::Edn {
                        line: i + 1,
                        source,
                    })
                })
                .collect::<Result<_, _>>()?
        };
        let ops = values
            .iter()
            .map(Op::from_value)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(History { ops })
    }

    /// Writes the history as `history.edn`: one EDN map per line.
    pub fn to_edn(&self) -> String {
        let mut out = String::with_capacity(self.ops.len() * 96);
        for op in &self.ops {
            op.write_edn(&mut out);
            out.push('\n');
        }
        out
    }

    /// Writes the history as `history.txt`.
    pub fn to_txt(&self) -> String {
        let mut out = String::with_capacity(self.ops.len() * 48);
        for op in &self.ops {
            op.write_txt(&mut out);
            out.push('\n');
        }
        out
    }

    /// Client entries only (no nemesis).
    pub fn client_ops(&self) -> impl Iterator<Item = &Op> {
        self.ops.iter().filter(|op| op.is_client())
    }

    /// Pairs every client invocation with its completion (`None` when it never completed), in
    /// invocation order. A process has at most one operation outstanding at a time, so the
    /// completion is the next entry of the same process.
    pub fn pairs(&self) -> Vec<(&Op, Option<&Op>)> {
        let mut open: std::collections::HashMap<Process, usize> = Default::default();
        let mut pairs: Vec<(&Op, Option<&Op>)> = Vec::new();
        for op in self.client_ops() {
            if op.kind == OpType::Invoke {
                open.insert(op.process, pairs.len());
                pairs.push((op, None));
            } else if let Some(i) = open.remove(&op.process) {
                pairs[i].1 = Some(op);
            }
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = "\
{:index 0, :time 9439625, :type :invoke, :process 0, :f :read, :value nil}
{:index 1, :time 13726708, :type :ok, :process 0, :f :read, :value [], :final? true}
{:index 2, :time 15000000, :type :info, :process :nemesis, :f :start-partition, :value :majority}
{:index 3, :time 158170542, :type :invoke, :process 1, :f :broadcast, :value 0}
{:index 4, :time 162377875, :type :info, :process 1, :f :broadcast, :value 0, :error :net-timeout}
";

    #[test]
    fn reads_history_lines() {
        let h = History::from_edn(LINES).unwrap();
        assert_eq!(h.ops.len(), 5);
        assert_eq!(h.ops[1].kind, OpType::Ok);
        assert!(h.ops[1].final_read);
        assert_eq!(h.ops[2].process, Process::Nemesis);
        assert_eq!(h.ops[4].error, Some(Value::keyword("net-timeout")));
    }

    #[test]
    fn pairs_invocations_with_their_completions() {
        let h = History::from_edn(LINES).unwrap();
        let pairs = h.pairs();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].1.map(|c| c.index), Some(1));
        assert_eq!(pairs[1].1.map(|c| c.kind), Some(OpType::Info));
    }

    #[test]
    fn round_trips_through_edn() {
        let h = History::from_edn(LINES).unwrap();
        let again = History::from_edn(&h.to_edn()).unwrap();
        assert_eq!(h, again);
    }

    /// The files are written text-first, not through `Value`: they must read back as the same
    /// history and print every kind of value as EDN does.
    #[test]
    fn writes_the_edn_and_txt_lines_byte_for_byte() {
        assert_eq!(History::from_edn(LINES).unwrap().to_edn(), LINES);
        let mut op = Op::new(
            OpType::Fail,
            Process::Client(7),
            "txn",
            Value::Vec(vec![
                Value::Float(2.0),
                Value::Float(0.25),
                Value::BigInt(i128::from(u64::MAX)),
                Value::Int(-3),
                Value::Str("tab\tquote\" é".into()),
                Value::Set(vec![Value::Bool(true), Value::Symbol("sym".into())]),
                Value::Tagged("foo".into(), Box::new(Value::Str("x".into()))),
                Value::keyword_map([("k", Value::Nil)]),
            ]),
        );
        op.index = 12;
        op.time = 34;
        op.error = Some(Value::keyword("abort"));
        op.final_read = true;
        op.extra
            .push(("exception".into(), Value::Str("boom".into())));
        let value =
            r#"[2.0 0.25 18446744073709551615N -3 "tab\tquote\" é" #{true sym} #foo"x" {:k nil}]"#;
        assert_eq!(
            History::new(vec![op.clone(); 2])
                .to_edn()
                .lines()
                .nth(1)
                .unwrap(),
            format!(
                "{{:index 1, :time 34, :type :fail, :process 7, :f :txn, :value {value}, \
                 :error :abort, :final? true, :exception \"boom\"}}"
            )
        );
        assert_eq!(op.to_string(), format!("7\t:fail\t:txn\t{value}\t:abort"));
        let again = History::from_edn(&History::new(vec![op.clone()]).to_edn()).unwrap();
        assert_eq!(again.ops[0].value, op.value);
    }

    #[test]
    fn rejects_an_entry_without_a_type() {
        let err = History::from_edn("{:index 0, :time 1, :process 0, :f :read}").unwrap_err();
        assert!(err.to_string().contains(":type"), "{err}");
    }
}
