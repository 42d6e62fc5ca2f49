//! The CI templates shipped in `classroom/` are checked here: they parse as YAML, cover every
//! level once, and every grader command in them is one the grader's own parser accepts.

use std::path::{Path, PathBuf};

use clap::Parser as _;
use yaml_rust2::{Yaml, YamlLoader};

use crate::cli::Cli;
use crate::manifest::{self, LEVELS};

fn template(name: &str) -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../classroom")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", PathBuf::from(&path).display()));
    let mut docs = YamlLoader::load_from_str(&text).expect("valid YAML");
    assert_eq!(docs.len(), 1, "{name}: one document");
    docs.remove(0)
}

/// The grader's arguments in a shell command (`cargo run … -p grader -- ARGS > file`), with the
/// GitHub expressions replaced by what they would be.
fn grader_args(command: &str, level: &str) -> Vec<String> {
    let after = command
        .split_once(" -p grader -- ")
        .unwrap_or_else(|| panic!("not a grader command: {command}"))
        .1;
    let before_redirect = after.split('>').next().unwrap_or_default();
    let expanded = before_redirect
        .replace("${{ matrix.level }}", level)
        .replace("${{ github.repository_owner }}", "student-login");
    assert!(
        !expanded.contains("${{"),
        "unexpanded expression in {command}"
    );
    std::iter::once("grader".to_owned())
        .chain(expanded.split_whitespace().map(str::to_owned))
        .collect()
}

fn accepts(args: &[String]) {
    if let Err(e) = Cli::try_parse_from(args) {
        panic!("the grader rejects {args:?}: {e}");
    }
    assert!(
        manifest::level(&args[1]).is_some(),
        "{args:?}: no such level"
    );
}

#[test]
fn the_actions_workflow_grades_every_level_and_publishes_junit() {
    let w = template("grade-levels.yml");
    let job = &w["jobs"]["grade"];
    let levels: Vec<&str> = job["strategy"]["matrix"]["level"]
        .as_vec()
        .expect("a level matrix")
        .iter()
        .map(|l| l.as_str().expect("levels are strings"))
        .collect();
    let all: Vec<&str> = LEVELS.iter().map(|l| l.id).collect();
    assert_eq!(levels, all);
    assert_eq!(job["strategy"]["fail-fast"].as_bool(), Some(false));
    let steps = job["steps"].as_vec().expect("steps");
    let grading: Vec<&str> = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .filter(|r| r.contains("-p grader"))
        .collect();
    assert_eq!(grading.len(), 1);
    for level in &levels {
        let args = grader_args(grading[0], level);
        accepts(&args);
        assert!(
            args.windows(2).any(|w| w == ["--format", "junit"]),
            "{args:?}"
        );
    }
    let publishes = steps.iter().any(|s| {
        s["uses"].as_str().is_some_and(|u| u.contains("junit"))
            && s["if"].as_str() == Some("always()")
    });
    assert!(
        publishes,
        "the JUnit report is published even when a level fails"
    );
}

#[test]
fn classroom_autograding_has_one_test_and_its_points_per_level() {
    let w = template("classroom.yml");
    let steps = w["jobs"]["run-autograding-tests"]["steps"]
        .as_vec()
        .expect("steps");
    let tests: Vec<&Yaml> = steps
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("classroom-resources/autograding-command-grader"))
        })
        .collect();
    let mut graded = Vec::new();
    let mut points = 0;
    for t in &tests {
        let with = &t["with"];
        let args = grader_args(with["command"].as_str().expect("a command"), "");
        accepts(&args);
        let level = manifest::level(&args[1]).unwrap();
        let name = t["name"].as_str().unwrap_or_default();
        assert!(name.contains(level.title), "{name} is not {}", level.title);
        points += with["max-score"].as_i64().expect("points");
        graded.push(level.id);
    }
    let all: Vec<&str> = LEVELS.iter().map(|l| l.id).collect();
    assert_eq!(graded, all);
    assert_eq!(points, 100);
    let ids: Vec<&str> = tests.iter().filter_map(|t| t["id"].as_str()).collect();
    let reporter = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("autograding-grader-reporter"))
        })
        .expect("a reporter step");
    assert_eq!(
        reporter["with"]["runners"]
            .as_str()
            .map(|r| r.split(',').collect::<Vec<_>>()),
        Some(ids.clone())
    );
    for id in ids {
        let var = format!("{}_RESULTS", id.to_uppercase().replace('-', "_"));
        let value = reporter["env"][var.as_str()].as_str().unwrap_or_default();
        assert_eq!(value, format!("${{{{ steps.{id}.outputs.result }}}}"));
    }
}
