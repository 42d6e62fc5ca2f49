//! The course's rule that a reply answers its request, checked from a history.
//!
//! Maelstrom records whatever a node replies as the operation's value, and its checkers judge
//! that value without comparing it with what was asked: a `txn_ok` that drops, reorders or
//! rewrites micro-ops is analysed as if it were the transaction sent, and a `poll_ok` may carry
//! keys that were never polled. The course holds a reply to its request. A history keeps both
//! the invocation and the completion, so this check judges the builtin engine's runs and
//! Maelstrom's `history.edn` alike.
//!
//! - txn-rw-register: the completed transaction must carry the request's micro-ops, in order,
//!   with the same function and key; reads may be filled in, writes must keep their value.
//! - kafka: a `poll_ok` may only return keys the client polled. The keys polled are rebuilt per
//!   process as Maelstrom's client keeps them (spec §7.10): an assign replaces them, a poll adds
//!   the keys it returned, and a new process starts with none. A poll that did not complete
//!   `:ok` may have moved them unseen, so that process is not judged again until its next assign.
//!   (`list_committed_offsets_ok` leaves no trace in a history; the builtin client checks it.)

use std::collections::{BTreeSet, HashMap};

use crate::checkers::who;
use crate::history::{History, Op, OpType, Process};
use crate::options::{TestOptions, Workload};
use crate::value::Value;
use crate::verdict::Check;

/// How many offending operations the check lists.
const SHOWN: usize = 8;

/// One completion that does not answer its invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// History index of the completion.
    pub index: usize,
    pub process: Process,
    /// What is wrong, in plain words.
    pub why: String,
}

/// The replies in `history` that do not answer their requests, for the workloads whose replies
/// echo their requests.
pub fn mismatches(opts: &TestOptions, history: &History) -> Vec<Mismatch> {
    match opts.workload {
        Workload::TxnRwRegister => txn_mismatches(history),
        Workload::Kafka => poll_mismatches(history),
        _ => Vec::new(),
    }
}

/// The check, or `None` when every reply answers its request.
pub fn check(opts: &TestOptions, history: &History) -> Option<Check> {
    let found = mismatches(opts, history);
    if found.is_empty() {
        return None;
    }
    let what = match opts.workload {
        Workload::Kafka => "poll replies returned keys that were not polled",
        _ => "transaction replies do not carry the request's micro-ops",
    };
    let mut details: Vec<String> = found
        .iter()
        .take(SHOWN)
        .map(|m| format!("op {} by {}: {}", m.index, who(opts, m.process), m.why))
        .collect();
    if found.len() > SHOWN {
        details.push(format!("… and {} more such replies", found.len() - SHOWN));
    }
    Some(
        Check::invalid(
            "replies",
            format!(
                "{} {what}; a reply must answer its request (the course's rule: Maelstrom \
                 judges whatever the node sent back)",
                found.len()
            ),
        )
        .with_details(details),
    )
}

/// How much of a value a line shows: node output is untrusted and may be huge.
const CLIP: usize = 160;

/// A value as shown in a line, cut at [`CLIP`] characters.
fn clip(v: &impl std::fmt::Display) -> String {
    let text = v.to_string();
    if text.chars().count() <= CLIP {
        text
    } else {
        format!("{}…", text.chars().take(CLIP).collect::<String>())
    }
}

/// The function of a micro-op (`:r`, `"r"`) as plain text.
fn function(mop: &Value) -> Option<&str> {
    let f = mop.as_slice()?.first()?;
    f.as_keyword().or_else(|| f.as_str())
}

fn txn_mismatches(history: &History) -> Vec<Mismatch> {
    let mut found = Vec::new();
    for (invoke, completion) in history.pairs() {
        let Some(done) = completion else { continue };
        if invoke.f != "txn" || done.kind != OpType::Ok {
            continue;
        }
        if let Some(why) = txn_difference(&invoke.value, &done.value) {
            found.push(Mismatch {
                index: done.index,
                process: done.process,
                why,
            });
        }
    }
    found
}

/// Why `reply` is not `request` completed, if it is not.
fn txn_difference(request: &Value, reply: &Value) -> Option<String> {
    let asked = request.as_slice().unwrap_or_default();
    let Some(got) = reply.as_slice() else {
        return Some(format!(
            "sent {}, the reply's txn was {}",
            clip(request),
            clip(reply)
        ));
    };
    if got.len() != asked.len() {
        return Some(format!(
            "sent {} micro-ops {}, the reply carried {}: {}",
            asked.len(),
            clip(request),
            got.len(),
            clip(reply)
        ));
    }
    for (i, (a, g)) in asked.iter().zip(got).enumerate() {
        let (Some(a3), Some(g3)) = (a.as_slice(), g.as_slice()) else {
            return Some(format!(
                "micro-op {i} of the reply, {}, is not [f key value]",
                clip(g)
            ));
        };
        let same_f = function(a).is_some() && function(a) == function(g);
        let same_key = a3.get(1) == g3.get(1);
        if !same_f || !same_key || g3.len() != 3 {
            return Some(format!(
                "micro-op {i} was {}, the reply has {} in its place (sent {}, got {})",
                clip(a),
                clip(g),
                clip(request),
                clip(reply)
            ));
        }
        if function(a) == Some("w") && a3.get(2) != g3.get(2) {
            return Some(format!(
                "micro-op {i} wrote {}, the reply says it wrote {} (sent {}, got {})",
                clip(a3.get(2).unwrap_or(&Value::Nil)),
                clip(g3.get(2).unwrap_or(&Value::Nil)),
                clip(request),
                clip(reply)
            ));
        }
    }
    None
}

/// What Maelstrom's kafka client of one process knows it polls.
#[derive(Debug, Default)]
struct Polled {
    keys: BTreeSet<Value>,
    /// A poll that did not complete `:ok` may have added keys the history does not show.
    uncertain: bool,
}

fn poll_mismatches(history: &History) -> Vec<Mismatch> {
    let mut clients: HashMap<Process, Polled> = HashMap::new();
    let mut found = Vec::new();
    for (invoke, completion) in history.pairs() {
        let Some(done) = completion else { continue };
        let client = clients.entry(invoke.process).or_default();
        match (invoke.f.as_str(), done.kind) {
            ("assign", OpType::Ok) => {
                client.keys = done
                    .value
                    .as_slice()
                    .unwrap_or_default()
                    .iter()
                    .cloned()
                    .collect();
                client.uncertain = false;
            }
            ("poll", OpType::Ok) => {
                let returned = polled_keys(done);
                if !client.uncertain {
                    let extra: Vec<String> = returned
                        .iter()
                        .filter(|k| !client.keys.contains(*k))
                        .map(Value::to_string)
                        .collect();
                    if !extra.is_empty() {
                        let asked: Vec<String> = client.keys.iter().map(Value::to_string).collect();
                        found.push(Mismatch {
                            index: done.index,
                            process: done.process,
                            why: format!(
                                "polled {{{}}}, the reply also returned key{} {}",
                                clip(&asked.join(" ")),
                                if extra.len() == 1 { "" } else { "s" },
                                clip(&extra.join(", "))
                            ),
                        });
                    }
                }
                client.keys.extend(returned);
            }
            ("poll", _) => client.uncertain = true,
            _ => {}
        }
    }
    found
}

/// The keys a completed poll returned: its value is `[[:poll {k [[offset msg] …]}]]`.
fn polled_keys(op: &Op) -> Vec<Value> {
    op.value
        .as_slice()
        .unwrap_or_default()
        .iter()
        .filter_map(|mop| mop.as_slice()?.get(1)?.as_map())
        .flat_map(|m| m.iter().map(|(k, _)| k.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;
    use crate::value::Value as V;

    fn mop(f: &str, k: i64, v: V) -> V {
        V::Vec(vec![V::keyword(f), V::Int(k), v])
    }

    fn txn(mops: Vec<V>) -> V {
        V::Vec(mops)
    }

    fn txn_opts() -> TestOptions {
        TestOptions::parse(&["-w", "txn-rw-register", "--node-count", "1"]).unwrap()
    }

    fn judge(request: V, reply: V) -> Option<Check> {
        let h = history(&[(0, Invoke, 0, "txn", request), (1, Ok, 0, "txn", reply)]);
        check(&txn_opts(), &h)
    }

    fn request() -> V {
        txn(vec![
            mop("r", 1, V::Nil),
            mop("w", 2, V::Int(5)),
            mop("r", 3, V::Nil),
        ])
    }

    #[test]
    fn a_reply_with_reads_filled_in_answers_its_request() {
        let reply = txn(vec![
            mop("r", 1, V::Int(4)),
            mop("w", 2, V::Int(5)),
            mop("r", 3, V::Nil),
        ]);
        assert_eq!(judge(request(), reply), None);
    }

    #[test]
    fn dropped_truncated_reordered_rekeyed_or_rewritten_micro_ops_fail() {
        let cases = [
            (
                "dropped",
                txn(vec![mop("r", 1, V::Int(4)), mop("r", 3, V::Nil)]),
            ),
            ("truncated", txn(vec![mop("r", 1, V::Int(4))])),
            ("empty", txn(vec![])),
            (
                "reordered",
                txn(vec![
                    mop("w", 2, V::Int(5)),
                    mop("r", 1, V::Int(4)),
                    mop("r", 3, V::Nil),
                ]),
            ),
            (
                "other key",
                txn(vec![
                    mop("r", 1, V::Int(4)),
                    mop("w", 7, V::Int(5)),
                    mop("r", 3, V::Nil),
                ]),
            ),
            (
                "write changed",
                txn(vec![
                    mop("r", 1, V::Int(4)),
                    mop("w", 2, V::Int(6)),
                    mop("r", 3, V::Nil),
                ]),
            ),
            (
                "write turned read",
                txn(vec![
                    mop("r", 1, V::Int(4)),
                    mop("r", 2, V::Int(5)),
                    mop("r", 3, V::Nil),
                ]),
            ),
        ];
        for (what, reply) in cases {
            let c = judge(request(), reply).unwrap_or_else(|| panic!("{what} passed"));
            assert_eq!(c.validity, crate::verdict::Validity::Invalid, "{what}");
            assert_eq!(c.name, "replies");
            assert!(
                c.details[0].starts_with("op 1 by process 0 (n0)"),
                "{what}: {c:?}"
            );
        }
    }

    #[test]
    fn a_huge_reply_is_shown_clipped() {
        let reply = txn((0..5000).map(|k| mop("r", k, V::Int(1))).collect());
        let c = judge(request(), reply).unwrap();
        assert!(c.details[0].chars().count() < 800, "{}", c.details[0].len());
    }

    #[test]
    fn failed_and_indeterminate_transactions_are_not_judged() {
        let h = history(&[
            (0, Invoke, 0, "txn", request()),
            (1, Fail, 0, "txn", request()),
            (2, Invoke, 1, "txn", request()),
            (3, Info, 1, "txn", request()),
        ]);
        assert!(mismatches(&txn_opts(), &h).is_empty());
    }

    fn kafka_opts() -> TestOptions {
        TestOptions::parse(&["-w", "kafka", "--node-count", "1"]).unwrap()
    }

    fn keys(ks: &[&str]) -> V {
        V::Vec(ks.iter().map(|k| V::from(*k)).collect())
    }

    fn poll(ks: &[&str]) -> V {
        let msgs = V::Map(
            ks.iter()
                .map(|k| {
                    let pair = V::Vec(vec![V::Int(0), V::Int(1)]);
                    (V::from(*k), V::Vec(vec![pair]))
                })
                .collect(),
        );
        V::Vec(vec![V::Vec(vec![V::keyword("poll"), msgs])])
    }

    fn bare_poll() -> V {
        V::Vec(vec![V::Vec(vec![V::keyword("poll")])])
    }

    #[test]
    fn a_poll_may_return_only_polled_keys() {
        let h = history(&[
            (0, Invoke, 0, "assign", keys(&["1", "2"])),
            (1, Ok, 0, "assign", keys(&["1", "2"])),
            (2, Invoke, 0, "poll", bare_poll()),
            (3, Ok, 0, "poll", poll(&["1"])),
            (4, Invoke, 0, "poll", bare_poll()),
            (5, Ok, 0, "poll", poll(&["2", "3"])),
            // Process 1 never assigned anything: it polls no key at all.
            (6, Invoke, 1, "poll", bare_poll()),
            (7, Ok, 1, "poll", poll(&["1"])),
        ]);
        let found = mismatches(&kafka_opts(), &h);
        let at: Vec<usize> = found.iter().map(|m| m.index).collect();
        assert_eq!(at, [5, 7], "{found:?}");
        assert!(
            found[0].why.contains("polled {\"1\" \"2\"}"),
            "{}",
            found[0].why
        );
        assert!(found[0].why.contains("key \"3\""), "{}", found[0].why);
        let c = check(&kafka_opts(), &h).unwrap();
        assert!(c.summary.starts_with("2 poll replies"), "{}", c.summary);
    }

    #[test]
    fn returned_keys_join_the_poll_and_a_failed_poll_suspends_judgement() {
        let h = history(&[
            (0, Invoke, 0, "assign", keys(&["1"])),
            (1, Ok, 0, "assign", keys(&["1"])),
            (2, Invoke, 0, "poll", bare_poll()),
            (3, Info, 0, "poll", bare_poll()),
            // The lost poll may have added key 5 (its commit failed after the reply came).
            (4, Invoke, 0, "poll", bare_poll()),
            (5, Ok, 0, "poll", poll(&["5"])),
            (6, Invoke, 0, "assign", keys(&["1"])),
            (7, Ok, 0, "assign", keys(&["1"])),
            (8, Invoke, 0, "poll", bare_poll()),
            (9, Ok, 0, "poll", poll(&["1"])),
        ]);
        assert!(mismatches(&kafka_opts(), &h).is_empty());
    }
}
