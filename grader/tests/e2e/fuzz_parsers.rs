//! Property tests (proptest, stable toolchain) of every parser that hostile input reaches: the
//! node wire reader (lines, bytes, JSON), the EDN history reader, the Maelstrom results reader and
//! the command line. Inputs are generated from scratch and mutated from real files; the property
//! is that nothing panics and nothing hangs (each execution is timed), plus what each parser
//! promises (a valid message parses back to itself, every byte read is accounted for).
//!
//! `cargo test` runs a short pass (a few seconds); the long run is the `fuzz_parsers` example,
//! which includes this file: `cargo run --release -p grader --example fuzz_parsers -- 10000000`.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value as Json};

use grader::builtin::process::lines::read_line;
use grader::builtin::wire::{describe, parse_line, split_java_lines};

/// What one target's run did.
#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub executions: u64,
    pub slowest: Duration,
}

/// Real Maelstrom files to mutate, when `shared/` is beside the workspace.
fn fixture_seeds() -> Vec<String> {
    let shared = std::env::var_os("GLOMERS_SHARED")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .map(|d| d.join("shared"))
                .find(|d| d.join("fixtures/maelstrom").is_dir())
        });
    let Some(dir) = shared.map(|s| s.join("fixtures/maelstrom")) else {
        eprintln!("fuzz: no shared/fixtures/maelstrom (set GLOMERS_SHARED): embedded seeds only");
        return Vec::new();
    };
    let mut seeds = Vec::new();
    for run in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for file in ["results.edn", "history.edn"] {
            if let Ok(text) = std::fs::read_to_string(run.path().join(file)) {
                // The first few kilobytes: mutations anywhere in them, executions stay fast.
                let cut: String = text.chars().take(4000).collect();
                seeds.push(cut);
            }
        }
    }
    seeds
}

const EDN_SEEDS: &[&str] = &[
    "{:valid? true, :workload {:valid? true, :errors nil}, :stats {:count 10 :ok-count 10}}",
    "{:type :invoke, :f :echo, :value \"x\", :time 1, :process 0, :index 0}\n{:type :ok, :f :echo, :value {:echo \"x\"}, :time 2, :process 0, :index 1}",
    "#jepsen.history.Op{:index 1, :type :ok, :value [0 1]}",
    "{:net {:all {:send-count 4, :msgs-per-op 2.5}} :valid? :unknown #{1 2} [1N 2.5M \\a]}",
];

/// How long each target runs: a number of executions, or (the long run) a time.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    Cases(u32),
    Time(Duration),
}

/// Runs `check` on inputs from `strategy` for `budget`, timing each. A time budget runs rounds
/// of 10 000 cases, each from a fresh random seed, until the time is up.
fn run_target<S: Strategy>(
    target: &'static str,
    budget: Budget,
    strategy: S,
    check: impl Fn(S::Value),
) -> Report {
    let executions = AtomicU64::new(0);
    let slowest = std::sync::Mutex::new(Duration::ZERO);
    // FUZZ_ONLY=edn,cli runs only the targets whose names contain one of the words.
    if let Ok(only) = std::env::var("FUZZ_ONLY") {
        if !only.split(',').any(|w| target.contains(w.trim())) {
            return Report {
                target,
                executions: 0,
                slowest: Duration::ZERO,
            };
        }
    }
    let (cases, until) = match budget {
        Budget::Cases(n) => (n, None),
        Budget::Time(t) => (10_000, Some(Instant::now() + t)),
    };
    loop {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 200,
            ..Config::default()
        });
        let result = runner.run(&strategy, |input| {
            let start = Instant::now();
            check(input);
            let took = start.elapsed();
            executions.fetch_add(1, Ordering::Relaxed);
            let mut s = slowest.lock().unwrap();
            *s = (*s).max(took);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{target}: {e}");
        }
        if until.is_none_or(|u| Instant::now() >= u) {
            break;
        }
    }
    let slowest = *slowest.lock().unwrap();
    Report {
        target,
        executions: executions.into_inner(),
        slowest,
    }
}

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Json::from),
        ".{0,12}".prop_map(Json::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::from),
            prop::collection::btree_map(".{0,6}", inner, 0..6)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// Edits to apply to a text: (position, what, character).
fn edits() -> impl Strategy<Value = Vec<(usize, u8, char)>> {
    let alphabet = prop_oneof![
        prop::sample::select(vec![
            '{', '}', '[', ']', '(', ')', '"', '\\', ':', ',', ' ', '\n', '\r', '#', '1', 'e', '-',
            '.', 'N', 'M', ';', '\u{0}', '\u{fffd}', 'é', '9',
        ]),
        any::<char>(),
    ];
    prop::collection::vec((any::<usize>(), 0u8..4, alphabet), 0..8)
}

fn mutate(seed: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for &(at, what, c) in edits {
        let at = if chars.is_empty() {
            0
        } else {
            at % (chars.len() + 1)
        };
        match what {
            0 => chars.insert(at, c),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            2 if at < chars.len() => chars[at] = c,
            // Cut the text short: truncated files are the commonest damage.
            _ => chars.truncate(at),
        }
    }
    chars.into_iter().collect()
}

fn wire_line(line: &str) {
    for part in split_java_lines(line) {
        if let Err(e) = parse_line(part) {
            let _ = describe("n0", part, &e);
        }
    }
}

fn edn_text(text: &str) {
    if let Ok(v) = grader::edn::parse(text) {
        let _ = grader::maelstrom::results::checks(&v, None, None, None);
        let _ = grader::history::Op::from_value(&v);
        let _ = v.to_string();
    }
    if let Ok(h) = grader::history::History::from_edn(text) {
        let _ = h.to_edn();
        let _ = h.pairs();
    }
}

const CLI_WORDS: &[&str] = &[
    "1",
    "2",
    "3a",
    "3b",
    "3e",
    "6c",
    "9",
    "",
    "list",
    "doctor",
    "explain",
    "clean",
    "install-maelstrom",
    "--solution",
    "--bin",
    "--repeat",
    "--partition",
    "--workspace",
    "--runs-dir",
    "--engine",
    "--keep",
    "--level",
    "0",
    "101",
    "-1",
    "builtin",
    "maelstrom",
    "auto",
    "--",
    "-w",
    "echo",
    "broadcast",
    "--node-count",
    "--time-limit",
    "--rate",
    "--latency",
    "--nemesis",
    "partition",
    "--availability",
    "total",
    "--concurrency",
    "2n",
    "--topology",
    "--help",
    "-h",
    "--version",
    "é",
    "\u{0}",
];

fn cli_args() -> impl Strategy<Value = Vec<String>> {
    let word = prop_oneof![
        4 => prop::sample::select(CLI_WORDS).prop_map(str::to_owned),
        1 => ".{0,10}",
        1 => any::<u32>().prop_map(|n| n.to_string()),
    ];
    prop::collection::vec(word, 0..8)
}

fn cli(args: &[String]) {
    let argv = std::iter::once("grader".to_owned()).chain(args.iter().cloned());
    if let Err(e) = grader::cli::Cli::try_parse_from(argv) {
        let _ = e.render().to_string();
    }
    let _ = grader::options::TestOptions::parse(args);
    for a in args {
        let _ = grader::manifest::level(a);
        let _ = a.parse::<grader::maelstrom::Engine>();
    }
}

/// Every target with `cases` executions each (the stdout reader's with a tenth, it is async),
/// telling `done` about each as it finishes.
pub fn fuzz_all(budget: Budget, done: &mut dyn FnMut(&Report)) -> Vec<Report> {
    let cases = budget;
    let tenth = match budget {
        Budget::Cases(n) => Budget::Cases((n / 10).max(1)),
        time => time,
    };
    let mut seeds: Vec<String> = EDN_SEEDS.iter().map(|s| s.to_string()).collect();
    seeds.extend(fixture_seeds());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut reports = Vec::new();
    let mut finished = |r: Report| {
        done(&r);
        reports.push(r);
    };
    finished(run_target(
        "wire: generated text",
        cases,
        ".{0,200}",
        |s: String| wire_line(&s),
    ));
    finished(run_target(
        "wire: mutated messages",
        cases,
        (
            ".{0,4}",
            ".{0,4}",
            prop::collection::btree_map(".{0,6}", json_value(), 0..6),
            edits(),
        ),
        |(src, dest, body, edits)| {
            let body = Json::Object(body.into_iter().collect());
            let line = json!({"src": src, "dest": dest, "body": body}).to_string();
            if edits.is_empty() {
                // The promise: a valid message parses back to itself.
                let m = parse_line(&line).expect("a valid message parses");
                assert_eq!((m.src, m.dest, m.body), (src, dest, body));
            }
            wire_line(&mutate(&line, &edits));
        },
    ));
    finished(run_target(
        "wire: deep and numeric",
        cases,
        (
            0usize..3000,
            prop::sample::select(vec!["[", "{\"a\":", "[1e400,"]),
            "-?[0-9]{1,400}(\\.[0-9]{0,5})?(e[+-]?[0-9]{1,5})?",
        ),
        |(depth, open, number)| {
            let close = if open == "[" || open == "[1e400," {
                "]"
            } else {
                "}"
            };
            let line = format!(
                r#"{{"src":"n0","dest":"n1","id":{number},"body":{{"x":{}{number}{}}}}}"#,
                open.repeat(depth),
                close.repeat(depth)
            );
            wire_line(&line);
        },
    ));
    finished(run_target(
        "stdout reader: raw bytes",
        tenth,
        (
            prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..600),
            1usize..64,
            1usize..32,
        ),
        |(bytes, cap, capacity)| {
            runtime.block_on(async {
                let mut reader = tokio::io::BufReader::with_capacity(capacity, &bytes[..]);
                let mut buf = Vec::new();
                let mut accounted = 0u64;
                while let Some(read) = read_line(&mut reader, cap, &mut buf).await.unwrap() {
                    assert!(buf.len() <= cap);
                    accounted += read.len + u64::from(read.terminated);
                    wire_line(&String::from_utf8_lossy(&buf));
                }
                assert_eq!(accounted, bytes.len() as u64, "every byte is accounted for");
            });
        },
    ));
    finished(run_target(
        "edn: generated text",
        cases,
        ".{0,200}",
        |s: String| edn_text(&s),
    ));
    finished(run_target(
        "edn: mutated Maelstrom files",
        cases,
        (prop::sample::select(seeds), edits()),
        |(seed, edits)| edn_text(&mutate(&seed, &edits)),
    ));
    finished(run_target("cli: arguments", cases, cli_args(), |args| {
        cli(&args)
    }));
    reports
}

#[test]
fn parsers_survive_generated_and_mutated_input() {
    let started = Instant::now();
    let reports = fuzz_all(Budget::Cases(300), &mut |r| {
        eprintln!(
            "fuzz {}: {} executions, slowest {:?}",
            r.target, r.executions, r.slowest
        );
    });
    for r in &reports {
        assert!(
            r.slowest < Duration::from_secs(2),
            "{} hung: {:?}",
            r.target,
            r.slowest
        );
    }
    eprintln!("fuzz: {:?} in all", started.elapsed());
}
