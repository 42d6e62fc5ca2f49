//! The forms results are printed in: `--format text` for people, `json` for scripts (one
//! versioned schema, `grader/schema/grading.schema.json`), `junit` for CI test reporters
//! (GitHub Actions, GitLab), one testcase per level.

pub mod json;
pub mod junit;

use std::str::FromStr;

/// `--format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Json,
    Junit,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            other => Err(format!(
                "unknown format {other:?}: expected text, json or junit"
            )),
        }
    }
}
