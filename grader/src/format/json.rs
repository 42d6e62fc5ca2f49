//! `--format json`: one document for a level or for many, described by
//! `grader/schema/grading.schema.json` (its `$defs/verdict` is also the schema of every run
//! folder's `verdict.json`). `schema_version` changes only when a field changes meaning or goes.

use serde_json::{json, Value};

use crate::course::{LevelOutcome, LevelResult};
use crate::verdict::SCHEMA_VERSION;

/// The JSON Schema, as shipped in the repository.
pub const SCHEMA: &str = include_str!("../../schema/grading.schema.json");

/// The document for `results`.
pub fn document(results: &[LevelResult]) -> Value {
    let overall = LevelOutcome::overall(results.iter().map(LevelResult::outcome));
    json!({
        "schema_version": SCHEMA_VERSION,
        "grader_version": env!("CARGO_PKG_VERSION"),
        "outcome": overall,
        "exit_code": overall.exit_code(),
        "levels": results.iter().map(level).collect::<Vec<_>>(),
    })
}

fn level(r: &LevelResult) -> Value {
    json!({
        "level": r.level.id,
        "title": r.level.title,
        "outcome": r.outcome(),
        "wall_seconds": r.wall.as_secs_f64(),
        "error": r.error,
        "diagnosis": r.diagnosis(),
        "runs": r.verdicts.iter().map(|v| v.to_json()).collect::<Vec<_>>(),
    })
}

/// Shared with the end-to-end tests, which hold the CLI's output to the same schema.
#[cfg(test)]
#[path = "../../tests/e2e/json_schema.rs"]
mod json_schema;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level as lvl;
    use crate::verdict::{Check, EngineName, Figure, Stall, Subject, Verdict};
    use std::time::Duration;

    use super::json_schema;

    fn schema() -> Value {
        serde_json::from_str(SCHEMA).expect("the schema is JSON")
    }

    fn errors(schema: &Value, doc: &Value) -> Vec<String> {
        json_schema::errors(schema, doc)
    }

    fn sample() -> Vec<LevelResult> {
        let mut pass = Verdict::new(
            "3d",
            EngineName::Builtin,
            vec![Check::valid("budget", "within")
                .with_figure(Figure::new("msgs-per-op (servers)", "7.4").with_limit("< 30", true))],
        );
        pass.run_dir = Some("runs/3d/x".into());
        pass.seconds = Some(31.2);
        pass.subject = Subject {
            label: Some("ada".into()),
            binary: Some("/b/broadcast".into()),
            workspace: Some("/w".into()),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        };
        let mut stalled = Verdict::new(
            "6b",
            EngineName::Builtin,
            vec![Check::invalid("availability", "3 timed out").with_details(["op 7".to_owned()])],
        );
        stalled.run_label = Some("with partitions".into());
        stalled.stall = Some(Stall {
            lag_ms: 900,
            at_s: 3.5,
        });
        vec![
            LevelResult {
                level: lvl("3d").unwrap(),
                verdicts: vec![pass],
                error: None,
                wall: Duration::from_secs(32),
            },
            LevelResult {
                level: lvl("6b").unwrap(),
                verdicts: vec![stalled],
                error: None,
                wall: Duration::from_secs(40),
            },
            LevelResult {
                level: lvl("1").unwrap(),
                verdicts: vec![],
                error: Some("could not run cargo".into()),
                wall: Duration::ZERO,
            },
        ]
    }

    #[test]
    fn documents_validate_against_the_shipped_schema() {
        let v = schema();
        let doc = document(&sample());
        assert_eq!(errors(&v, &doc), Vec::<String>::new());
        assert_eq!(doc["outcome"], "error");
        assert_eq!(doc["exit_code"], 2);
        assert_eq!(doc["levels"][1]["outcome"], "inconclusive");
        assert_eq!(doc["levels"][0]["runs"][0]["label"], "ada");
        assert_eq!(document(&[])["outcome"], "pass");
    }

    /// The schema is not a rubber stamp: documents with a missing or mistyped field fail it.
    #[test]
    fn the_schema_rejects_what_it_should() {
        let v = schema();
        let good = document(&sample());
        let mut no_version = good.clone();
        no_version.as_object_mut().unwrap().remove("schema_version");
        assert!(!errors(&v, &no_version).is_empty());
        let mut bad_outcome = good.clone();
        bad_outcome["levels"][0]["outcome"] = "maybe".into();
        assert!(!errors(&v, &bad_outcome).is_empty());
        let mut bad_check = good.clone();
        bad_check["levels"][0]["runs"][0]["checks"][0]["validity"] = true.into();
        assert!(!errors(&v, &bad_check).is_empty());
        let mut no_headline = good;
        no_headline["levels"][0]["runs"][0]
            .as_object_mut()
            .unwrap()
            .remove("headline");
        assert!(!errors(&v, &no_headline).is_empty());
        let mut negative = document(&sample());
        negative["levels"][0]["wall_seconds"] = (-1.0).into();
        assert!(!errors(&v, &negative).is_empty());
    }

    /// The schema validator refuses what it cannot check instead of passing it.
    #[test]
    fn a_keyword_the_validator_does_not_know_is_an_error() {
        let schema = serde_json::json!({"type": "string", "pattern": "^a"});
        assert_eq!(
            errors(&schema, &"b".into()),
            ["/: keyword pattern is not supported by this validator"]
        );
        // A schema that is not an object (here the string "string") is an error too.
        assert_eq!(errors(&schema["type"], &Value::Null).len(), 1);
    }

    /// Each run folder's verdict.json is the schema's `verdict`.
    #[test]
    fn a_verdict_json_is_a_schema_verdict() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let mut verdict_schema = schema["$defs"]["verdict"].clone();
        verdict_schema["$defs"] = schema["$defs"].clone();
        let v = verdict_schema;
        for r in sample() {
            for verdict in &r.verdicts {
                assert_eq!(errors(&v, &verdict.to_json()), Vec::<String>::new());
            }
        }
    }
}
