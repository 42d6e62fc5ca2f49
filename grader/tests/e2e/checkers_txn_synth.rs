//! The txn checker on generated histories: a correct store passes every model, and each
//! planted anomaly is found among thousands of clean transactions.

use grader::checkers::txn::synth::{self, Injection, SynthOptions};
use grader::checkers::txn::{self, AnomalyKind};
use grader::verdict::Validity;

fn generated(inject: Option<Injection>) -> grader::history::History {
    synth::history(&SynthOptions {
        txns: 5_000,
        inject,
        ..Default::default()
    })
}

#[test]
fn a_correct_store_shows_no_anomaly_at_all() {
    let h = generated(None);
    let a = txn::analyze(&h, &["serializable".to_owned()]);
    assert_eq!(a.kinds().len(), 0, "{:#?}", a.anomalies.first());
    assert_eq!(a.validity, Validity::Valid);
    assert_eq!(a.ok_count, 5_000);
    assert!(a.graph_edges > 5_000);
}

#[test]
fn each_planted_anomaly_is_found_and_named() {
    let cases = [
        (Injection::G0, "read-uncommitted", AnomalyKind::G0),
        (
            Injection::G0Intermediate,
            "read-uncommitted",
            AnomalyKind::G0,
        ),
        (Injection::G1a, "read-committed", AnomalyKind::G1a),
        (Injection::G1b, "read-committed", AnomalyKind::G1b),
        (Injection::G1c, "read-committed", AnomalyKind::G1c),
        (Injection::Internal, "read-atomic", AnomalyKind::Internal),
    ];
    for (inject, model, kind) in cases {
        let h = generated(Some(inject));
        let a = txn::analyze(&h, &[model.to_owned()]);
        assert_eq!(a.validity, Validity::Invalid, "{inject:?}");
        assert!(a.prohibited.contains(&kind), "{inject:?}: {:?}", a.kinds());
        let case = a.of_kind(kind).next().unwrap();
        assert!(
            case.txns
                .iter()
                .all(|t| t.process.to_string() == "4" || t.process.to_string() == "5"),
            "{inject:?} blames the planted transactions only: {:?}",
            case.txns
        );
    }
}

#[test]
fn lagging_reads_break_serializability_but_are_searched_quickly() {
    let h = synth::history(&SynthOptions {
        txns: 5_000,
        stale_reads: 0.05,
        ..Default::default()
    });
    let a = txn::analyze(&h, &["serializable".to_owned()]);
    assert_eq!(a.validity, Validity::Invalid);
    assert!(
        a.kinds().contains(&AnomalyKind::GSingleItem),
        "{:?}",
        a.kinds()
    );
}
