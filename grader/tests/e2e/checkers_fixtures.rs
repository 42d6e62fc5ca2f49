//! Cross-checks the checkers against real Maelstrom output.
//!
//! Each fixture under `shared/fixtures/maelstrom/<folder>/` is one run of the real Maelstrom: its
//! `history.edn`, the `results.edn` Maelstrom's checkers concluded from it, and the command line.
//! For each, the history goes through our checkers with the options read from the command, and
//! what Maelstrom concluded must come out again. The fixtures are third-party data kept outside the
//! repository: the tests skip with a note when they are absent. `GLOMERS_SHARED` points at another
//! copy of the `shared` folder.

use crate::support;

use std::collections::BTreeSet;

use grader::checkers::{self, availability, echo, g_counter, set_full, stats, unique_ids};
use grader::edn;
use grader::history::{History, OpType};
use grader::manifest::Budget;
use grader::netstats::NetStats;
use grader::options::TestOptions;
use grader::value::Value;
use grader::verdict::Validity;

/// One Maelstrom run: its options, history and results.
struct Fixture {
    name: String,
    opts: TestOptions,
    history: History,
    results: Value,
}

/// Loads a fixture, or says why it is skipped.
fn fixture(name: &str) -> Option<Fixture> {
    let dir = support::maelstrom_fixture(name)?;
    let history_path = dir.join("history.edn");
    if !history_path.is_file() {
        eprintln!("skipping {name}: the fixture has no history.edn");
        return None;
    }
    let command = std::fs::read_to_string(dir.join("command.txt")).unwrap();
    let opts = TestOptions::parse(&flags(&command)).unwrap();
    let history = History::from_edn(&std::fs::read_to_string(history_path).unwrap()).unwrap();
    let results = edn::parse(&std::fs::read_to_string(dir.join("results.edn")).unwrap()).unwrap();
    Some(Fixture {
        name: name.to_owned(),
        opts,
        history,
        results,
    })
}

/// The flags of `maelstrom test … --bin BIN …`, without the command and the binary.
fn flags(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut words = command.split_whitespace().peekable();
    while let Some(w) = words.next() {
        match w {
            "maelstrom" | "test" if out.is_empty() => {}
            "--bin" => {
                words.next();
            }
            _ => out.push(w.to_owned()),
        }
    }
    out
}

/// Maelstrom's `:valid?` value.
fn validity(v: Option<&Value>) -> Validity {
    match v {
        Some(Value::Bool(true)) => Validity::Valid,
        Some(Value::Bool(false)) => Validity::Invalid,
        _ => Validity::Unknown,
    }
}

fn int(results: &Value, path: &[&str]) -> i64 {
    results
        .path(path)
        .and_then(Value::as_int)
        .unwrap_or_else(|| panic!("no integer at {path:?}"))
}

/// Collects disagreements so that one run reports them all.
#[derive(Default)]
struct Diffs(Vec<String>);

impl Diffs {
    fn same<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: T, maelstrom: T) {
        if ours != maelstrom {
            self.0
                .push(format!("{what}: ours {ours:?}, Maelstrom {maelstrom:?}"));
        }
    }

    fn finish(self, name: &str) {
        assert!(
            self.0.is_empty(),
            "{name} disagrees with Maelstrom:\n{}",
            self.0.join("\n")
        );
    }
}

/// The stats and availability checks, which every fixture has.
fn compare_common(f: &Fixture, d: &mut Diffs) {
    let s = stats::analyze(&f.history);
    let r = &f.results;
    d.same(
        "stats valid?",
        s.validity(),
        validity(r.path(&["stats", "valid?"])),
    );
    d.same(
        "stats counts (count ok fail info)",
        [s.all.count(), s.all.ok, s.all.fail, s.all.info],
        [
            int(r, &["stats", "count"]) as u64,
            int(r, &["stats", "ok-count"]) as u64,
            int(r, &["stats", "fail-count"]) as u64,
            int(r, &["stats", "info-count"]) as u64,
        ],
    );
    let a = availability::analyze(&f.history, f.opts.availability);
    d.same(
        "availability valid?",
        a.validity,
        validity(r.path(&["availability", "valid?"])),
    );
    let fraction = r
        .path(&["availability", "ok-fraction"])
        .and_then(Value::as_f64)
        .unwrap();
    if (a.ok_fraction - fraction).abs() > 1e-6 {
        d.0.push(format!(
            "ok-fraction: ours {}, Maelstrom {fraction}",
            a.ok_fraction
        ));
    }
    // evaluate() must agree with the per-checker analyses it is made of.
    let checks = checkers::evaluate(
        &f.opts,
        &Budget::default(),
        &f.history,
        &NetStats::default(),
    );
    d.same("evaluate's stats", checks[0].validity, s.validity());
    d.same("evaluate's availability", checks[1].validity, a.validity);
    eprintln!(
        "{}: stats {} ({} ops, {} ok, {} fail, {} info), availability {} (ok fraction {})",
        f.name,
        s.validity(),
        s.all.count(),
        s.all.ok,
        s.all.fail,
        s.all.info,
        a.validity,
        a.ok_fraction
    );
}

fn quantiles(v: Option<&Value>) -> Option<Vec<(f64, i64)>> {
    let m = v?.as_map()?;
    let mut points: Vec<(f64, i64)> = m
        .iter()
        .map(|(k, v)| (k.as_f64().unwrap(), v.as_int().unwrap()))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Some(points)
}

fn close_quantiles(
    d: &mut Diffs,
    what: &str,
    ours: Option<&set_full::Quantiles>,
    theirs: Option<Vec<(f64, i64)>>,
) {
    match (ours, theirs) {
        (None, None) => {}
        (Some(q), Some(t)) => {
            let close = q.points.len() == t.len()
                && q.points
                    .iter()
                    .zip(&t)
                    .all(|(a, b)| a.0 == b.0 && (a.1 - b.1).abs() <= 1);
            if !close {
                d.0.push(format!("{what}: ours {:?}, Maelstrom {t:?}", q.points));
            }
        }
        (a, b) => d.0.push(format!("{what}: ours {a:?}, Maelstrom {b:?}")),
    }
}

fn broadcast(name: &str) {
    let Some(f) = fixture(name) else { return };
    let mut d = Diffs::default();
    compare_common(&f, &mut d);
    let r = set_full::analyze(&f.history);
    let w = |k: &str| int(&f.results, &["workload", k]) as usize;
    d.same(
        "workload valid?",
        r.maelstrom_validity(),
        validity(f.results.path(&["workload", "valid?"])),
    );
    d.same(
        "counts (attempt stable lost never-read stale)",
        [
            r.attempt_count,
            r.stable_count,
            r.lost_count,
            r.never_read_count,
            r.stale_count,
        ],
        [
            w("attempt-count"),
            w("stable-count"),
            w("lost-count"),
            w("never-read-count"),
            w("stale-count"),
        ],
    );
    let lost: Vec<Value> = f
        .results
        .path(&["workload", "lost"])
        .and_then(Value::as_slice)
        .unwrap()
        .to_vec();
    d.same("lost elements", r.lost.clone(), lost);
    close_quantiles(
        &mut d,
        "stable-latencies",
        r.stable_latencies.as_ref(),
        quantiles(f.results.path(&["workload", "stable-latencies"])),
    );
    close_quantiles(
        &mut d,
        "lost-latencies",
        r.lost_latencies.as_ref(),
        quantiles(f.results.path(&["workload", "lost-latencies"])),
    );
    let worst: Vec<(Value, i64)> = f
        .results
        .path(&["workload", "worst-stale"])
        .and_then(Value::as_slice)
        .unwrap()
        .iter()
        .map(|e| {
            let latency = e.get("stable-latency").and_then(Value::as_int).unwrap();
            (e.get("element").unwrap().clone(), latency)
        })
        .collect();
    let ours: Vec<(Value, i64)> = r
        .worst_stale
        .iter()
        .map(|e| (e.element.clone(), e.stable_latency_ms.unwrap()))
        .collect();
    d.same("worst-stale (element, latency)", ours, worst);
    // Maelstrom never reports repeated values (its filter is inverted); the course does. Count
    // them here independently: ok reads whose list is longer than its set of values.
    d.same("Maelstrom's duplicated-count", w("duplicated-count"), 0);
    let repeating = f
        .history
        .ops
        .iter()
        .filter(|op| op.f == "read" && op.kind == OpType::Ok)
        .filter_map(|op| op.value.as_slice())
        .filter(|items| items.iter().collect::<BTreeSet<_>>().len() < items.len())
        .count();
    d.same(
        "reads with repeated values",
        r.duplicate_reads.len(),
        repeating,
    );
    let course = if repeating > 0 {
        Validity::Invalid
    } else {
        r.maelstrom_validity()
    };
    d.same("course validity", r.validity(), course);
    let check = set_full::report(&r, &f.opts);
    d.same("report validity", check.validity, course);
    eprintln!(
        "{name}: workload {} — attempt {}, stable {}, lost {}, never-read {}, stale {}, \
         stable-latencies {:?}, lost-latencies {:?}, reads with repeated values {}, course \
         verdict {}\n  summary: {}",
        r.maelstrom_validity(),
        r.attempt_count,
        r.stable_count,
        r.lost_count,
        r.never_read_count,
        r.stale_count,
        r.stable_latencies.as_ref().map(|q| &q.points),
        r.lost_latencies.as_ref().map(|q| &q.points),
        repeating,
        check.validity,
        check.summary
    );
    for line in check.details.iter().take(3) {
        eprintln!("  {line}");
    }
    d.finish(name);
}

fn g_counter(name: &str) {
    let Some(f) = fixture(name) else { return };
    let mut d = Diffs::default();
    compare_common(&f, &mut d);
    let r = g_counter::analyze(&f.history);
    let w = &f.results;
    d.same(
        "workload valid?",
        r.validity(),
        validity(w.path(&["workload", "valid?"])),
    );
    let reads: Vec<Value> = w
        .path(&["workload", "final-reads"])
        .and_then(Value::as_slice)
        .unwrap()
        .to_vec();
    d.same("final reads", r.final_reads.clone(), reads);
    let acceptable: Vec<(i64, i64)> = w
        .path(&["workload", "acceptable"])
        .and_then(Value::as_slice)
        .unwrap()
        .iter()
        .map(|pair| {
            let p = pair.as_slice().unwrap();
            (p[0].as_int().unwrap(), p[1].as_int().unwrap())
        })
        .collect();
    d.same("acceptable", r.acceptable.clone(), acceptable);
    let errors: Vec<usize> = w
        .path(&["workload", "errors"])
        .and_then(Value::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|op| op.get("index").and_then(Value::as_int).unwrap() as usize)
        .collect();
    d.same("bad final reads (indexes)", r.errors.clone(), errors);
    let check = g_counter::report(&r, &f.history);
    eprintln!(
        "{name}: workload {} — final reads {:?}, acceptable {:?}\n  summary: {}",
        r.validity(),
        r.final_reads
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>(),
        r.acceptable,
        check.summary
    );
    d.finish(name);
}

fn echo(name: &str) {
    let Some(f) = fixture(name) else { return };
    let mut d = Diffs::default();
    compare_common(&f, &mut d);
    let r = echo::analyze(&f.history);
    d.same(
        "workload valid?",
        r.validity(),
        validity(f.results.path(&["workload", "valid?"])),
    );
    let errors = f
        .results
        .path(&["workload", "errors"])
        .and_then(Value::as_slice)
        .map_or(0, <[Value]>::len);
    d.same("echo errors", r.errors.len(), errors);
    eprintln!(
        "{name}: workload {} — {} echoes judged, {} errors",
        r.validity(),
        r.judged,
        r.errors.len()
    );
    d.finish(name);
}

fn unique_ids(name: &str) {
    let Some(f) = fixture(name) else { return };
    let mut d = Diffs::default();
    compare_common(&f, &mut d);
    let r = unique_ids::analyze(&f.history);
    let w = |k: &str| int(&f.results, &["workload", k]) as usize;
    d.same(
        "workload valid?",
        r.validity(),
        validity(f.results.path(&["workload", "valid?"])),
    );
    d.same(
        "counts (attempted acknowledged duplicated)",
        [r.attempted, r.acknowledged, r.duplicated.len()],
        [
            w("attempted-count"),
            w("acknowledged-count"),
            w("duplicated-count"),
        ],
    );
    let mut dups: Vec<(Value, usize)> = f
        .results
        .path(&["workload", "duplicated"])
        .and_then(Value::as_map)
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_int().unwrap() as usize))
        .collect();
    dups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    d.same("duplicated ids", r.duplicated.clone(), dups);
    let range = f
        .results
        .path(&["workload", "range"])
        .and_then(Value::as_slice)
        .map(|p| (p[0].clone(), p[1].clone()));
    d.same("range", r.range.clone(), range);
    eprintln!(
        "{name}: workload {} — attempted {}, acknowledged {}, duplicated {}",
        r.validity(),
        r.attempted,
        r.acknowledged,
        r.duplicated.len()
    );
    d.finish(name);
}

#[test]
fn broadcast_3a_valid() {
    broadcast("3a-valid");
}

#[test]
fn broadcast_3a_invalid_lost() {
    broadcast("3a-invalid-lost");
}

#[test]
fn broadcast_3b_valid() {
    broadcast("3b-valid");
}

#[test]
fn broadcast_3b_invalid_lost() {
    broadcast("3b-invalid-lost");
}

#[test]
fn broadcast_3c_valid() {
    broadcast("3c-valid");
}

#[test]
fn broadcast_3d_valid_but_over_msgs_target() {
    broadcast("3d-valid-but-over-msgs-target");
}

#[test]
fn g_counter_4_valid() {
    g_counter("4-valid");
}

#[test]
fn g_counter_4_invalid_final_reads() {
    g_counter("4-invalid-final-reads");
}

#[test]
fn g_counter_4_invalid_stats_workload_true() {
    g_counter("4-invalid-stats-workload-true");
}

#[test]
fn echo_1_valid() {
    echo("1-valid");
}

#[test]
fn echo_1_invalid_stats_timeouts() {
    echo("1-invalid-stats-timeouts");
}

#[test]
fn echo_1_unknown_no_gnuplot() {
    echo("1-unknown-no-gnuplot");
}

#[test]
fn unique_ids_2_valid() {
    unique_ids("2-valid");
}

#[test]
fn unique_ids_2_invalid_empty_string_dupes() {
    unique_ids("2-invalid-empty-string-dupes");
}

#[test]
fn flags_drop_the_command_and_the_binary() {
    assert_eq!(
        flags("maelstrom test -w echo --bin BIN --node-count 1"),
        ["-w", "echo", "--node-count", "1"]
    );
}
