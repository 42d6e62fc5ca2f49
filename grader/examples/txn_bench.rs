//! Times the txn-rw-register checker on synthetic histories of 10k, 100k and 1M transactions.
//!
//! `cargo run --release -p grader --example txn_bench [-- SIZES…] [--inject g0|g0i|g1a|g1b|g1c|internal] [--stale P]`
//!
//! `--stale P` makes each read return the previous value with probability P: a lagging replica
//! that breaks serializability everywhere, the worst case for cycle search.
//!
//! Histories come from [`grader::checkers::txn::synth`]: Maelstrom's transaction mix against a
//! correct store with 4 concurrent processes. Generation is timed separately from checking.

use std::time::Instant;

use grader::checkers::txn::{self, synth};

fn main() {
    let mut sizes: Vec<usize> = Vec::new();
    let mut inject = None;
    let mut stale_reads = 0.0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--inject" {
            inject = match args.next().as_deref() {
                Some("g0") => Some(synth::Injection::G0),
                Some("g0i") => Some(synth::Injection::G0Intermediate),
                Some("g1a") => Some(synth::Injection::G1a),
                Some("g1b") => Some(synth::Injection::G1b),
                Some("g1c") => Some(synth::Injection::G1c),
                Some("internal") => Some(synth::Injection::Internal),
                other => {
                    eprintln!("unknown injection {other:?}");
                    std::process::exit(2);
                }
            };
        } else if a == "--stale" {
            stale_reads = args.next().and_then(|p| p.parse().ok()).unwrap_or(0.1);
        } else if let Ok(n) = a.replace('_', "").parse() {
            sizes.push(n);
        }
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000, 1_000_000];
    }
    let models = vec!["read-committed".to_owned()];
    println!(
        "{:>10}  {:>10}  {:>10}  {:>9}  {:>10}  verdict",
        "txns", "generate", "check", "per txn", "edges"
    );
    for n in sizes {
        let opts = synth::SynthOptions {
            txns: n,
            inject,
            stale_reads,
            ..Default::default()
        };
        let t0 = Instant::now();
        let history = synth::history(&opts);
        let generated = t0.elapsed();
        let t1 = Instant::now();
        let analysis = txn::analyze(&history, &models);
        let checked = t1.elapsed();
        println!(
            "{:>10}  {:>8.2} s  {:>8.3} s  {:>6.2} µs  {:>10}  {} {:?}",
            n,
            generated.as_secs_f64(),
            checked.as_secs_f64(),
            checked.as_secs_f64() * 1e6 / n as f64,
            analysis.graph_edges,
            analysis.validity,
            analysis
                .kinds()
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
        );
    }
}
