//! A JSON Schema validator for the part of draft 2020-12 that the grader's own schema
//! (`grader/schema/grading.schema.json`) uses, for the tests that hold `--format json` to it.
//!
//! The `jsonschema` crate did this until it was found to cost every fresh `cargo test` about 24 s
//! of compiling on two cores (it brings regex, url and ICU, sixty crates), and to change the
//! features of crates the nodes share, so that `cargo` compiled those a second time. The schema
//! uses fourteen keywords; a keyword outside them is reported as an error, never skipped, so the
//! schema cannot outgrow this file without a test saying so.
//!
//! Shared by the grader's unit tests (`format::json`) and the end-to-end tests.

use serde_json::Value;

/// The keywords understood. Annotations (`title`, `description`, `$schema`, `$id`) check nothing.
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "title",
    "description",
    "type",
    "properties",
    "required",
    "items",
    "$ref",
    "enum",
    "const",
    "minimum",
    "oneOf",
];

/// Every way `doc` breaks `schema`, each as "where: what"; empty when it conforms. `$ref`s are
/// local (`#/$defs/name`) and resolve against `schema` itself.
pub fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, schema, doc, "", &mut out);
    out
}

fn check(root: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let here = if at.is_empty() { "/" } else { at };
    let Some(keywords) = schema.as_object() else {
        if schema != &Value::Bool(true) {
            out.push(format!("{here}: the schema {schema} is not an object"));
        }
        return;
    };
    for (keyword, arg) in keywords {
        if !KEYWORDS.contains(&keyword.as_str()) {
            out.push(format!(
                "{here}: keyword {keyword} is not supported by this validator"
            ));
            continue;
        }
        match keyword.as_str() {
            "$ref" => match arg
                .as_str()
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| root["$defs"].get(name))
            {
                Some(target) => check(root, target, value, at, out),
                None => out.push(format!("{here}: cannot resolve $ref {arg}")),
            },
            "type" => {
                let names: Vec<&str> = match arg {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if !names.iter().any(|name| has_type(value, name)) {
                    out.push(format!("{here}: {value} is not of type {arg}"));
                }
            }
            "enum" if !lists(arg, value) => {
                out.push(format!("{here}: {value} is not one of {arg}"));
            }
            "const" if value != arg => out.push(format!("{here}: {value} is not {arg}")),
            "minimum" => {
                if let (Some(v), Some(min)) = (value.as_f64(), arg.as_f64()) {
                    if v < min {
                        out.push(format!("{here}: {v} is less than the minimum {min}"));
                    }
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for name in arg
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !object.contains_key(name) {
                            out.push(format!("{here}: the property {name} is missing"));
                        }
                    }
                }
            }
            "properties" => {
                if let (Some(object), Some(properties)) = (value.as_object(), arg.as_object()) {
                    for (name, property) in properties {
                        if let Some(v) = object.get(name) {
                            check(root, property, v, &format!("{at}/{name}"), out);
                        }
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    check(root, arg, item, &format!("{at}/{i}"), out);
                }
            }
            "oneOf" => {
                let options = arg.as_array().map_or(&[][..], Vec::as_slice);
                let matching = options
                    .iter()
                    .filter(|option| {
                        let mut theirs = Vec::new();
                        check(root, option, value, at, &mut theirs);
                        theirs.is_empty()
                    })
                    .count();
                if matching != 1 {
                    out.push(format!(
                        "{here}: {value} matches {matching} of oneOf's {} schemas, not one",
                        options.len()
                    ));
                }
            }
            _ => {} // met, an annotation, or $defs (read through $ref)
        }
    }
}

/// Whether the array `options` holds `value`.
fn lists(options: &Value, value: &Value) -> bool {
    options.as_array().is_some_and(|o| o.contains(value))
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}
