//! `--format junit`: JUnit XML as GitHub Actions' and GitLab's test reporters read it — one
//! `<testcase>` per level, a failing level's `<failure>` message its first diagnosis and its body
//! the full report. A level that could not be graded, or that the machine made inconclusive, is
//! an `<error>`: not the node's failure, but not a pass either.

use std::io::Cursor;

use quick_xml::events::{BytesCData, BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::course::{LevelOutcome, LevelResult};

/// The suite's name, and each test case's class name.
pub const SUITE: &str = "gossip-glomers";

/// The XML document for `results`.
pub fn document(results: &[LevelResult]) -> String {
    let failures = count(results, LevelOutcome::Fail);
    let errors = count(results, LevelOutcome::Error) + count(results, LevelOutcome::Inconclusive);
    let time: f64 = results.iter().map(|r| r.wall.as_secs_f64()).sum();
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    let totals = |mut e: BytesStart<'static>| {
        e.push_attribute(("name", SUITE));
        e.push_attribute(("tests", results.len().to_string().as_str()));
        e.push_attribute(("failures", failures.to_string().as_str()));
        e.push_attribute(("errors", errors.to_string().as_str()));
        e.push_attribute(("time", format!("{time:.3}").as_str()));
        e
    };
    // Writing into memory cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = w.write_event(Event::Start(totals(BytesStart::new("testsuites"))));
    let _ = w.write_event(Event::Start(totals(BytesStart::new("testsuite"))));
    for r in results {
        testcase(&mut w, r);
    }
    let _ = w.write_event(Event::End(BytesEnd::new("testsuite")));
    let _ = w.write_event(Event::End(BytesEnd::new("testsuites")));
    let mut xml = String::from_utf8_lossy(&w.into_inner().into_inner()).into_owned();
    xml.push('\n');
    xml
}

fn count(results: &[LevelResult], outcome: LevelOutcome) -> usize {
    results.iter().filter(|r| r.outcome() == outcome).count()
}

fn testcase(w: &mut Writer<Cursor<Vec<u8>>>, r: &LevelResult) {
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("classname", SUITE));
    case.push_attribute((
        "name",
        format!("level {} · {}", r.level.id, r.level.title).as_str(),
    ));
    case.push_attribute(("time", format!("{:.3}", r.wall.as_secs_f64()).as_str()));
    let outcome = r.outcome();
    if outcome == LevelOutcome::Pass {
        let _ = w.write_event(Event::Empty(case));
        return;
    }
    let _ = w.write_event(Event::Start(case));
    let (tag, kind) = match outcome {
        LevelOutcome::Fail => ("failure", "fail"),
        LevelOutcome::Inconclusive => ("error", "inconclusive"),
        _ => ("error", "error"),
    };
    let mut problem = BytesStart::new(tag);
    let message = r.diagnosis().unwrap_or_default();
    problem.push_attribute((
        "message",
        clean(message.lines().next().unwrap_or("")).as_str(),
    ));
    problem.push_attribute(("type", kind));
    let _ = w.write_event(Event::Start(problem));
    let body: String = match &r.error {
        Some(e) => e.clone(),
        None => r
            .verdicts
            .iter()
            .map(|v| crate::report::render(r.level, v))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let _ = w.write_event(Event::Text(BytesText::new("\n")));
    // CDATA keeps the report readable; a `]]>` inside it (node output) is split safely.
    for piece in BytesCData::escaped(&clean(&body)) {
        let _ = w.write_event(Event::CData(piece));
    }
    let _ = w.write_event(Event::End(BytesEnd::new(tag)));
    let _ = w.write_event(Event::End(BytesEnd::new("testcase")));
}

/// XML 1.0 cannot carry most control characters, even escaped: node output may hold them.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::level;
    use crate::verdict::{Check, EngineName, Verdict};
    use quick_xml::events::Event;
    use quick_xml::Reader;
    use std::time::Duration;

    /// A test case read back: its name, and its failure or error (tag, message, text).
    type Case = (String, Option<(String, String, String)>);

    /// Parses the XML back: the test cases, and the suite's (tests, failures, errors).
    fn parse(xml: &str) -> (Vec<Case>, (u32, u32, u32)) {
        let mut reader = Reader::from_str(xml);
        let mut cases = Vec::new();
        let mut totals = (0, 0, 0);
        let attr = |e: &BytesStart, name: &str| {
            e.try_get_attribute(name)
                .unwrap()
                .map(|a| a.unescape_value().unwrap().into_owned())
                .unwrap_or_default()
        };
        let mut text = String::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                    b"testsuite" => {
                        totals = (
                            attr(&e, "tests").parse().unwrap(),
                            attr(&e, "failures").parse().unwrap(),
                            attr(&e, "errors").parse().unwrap(),
                        )
                    }
                    b"testcase" => cases.push((attr(&e, "name"), None)),
                    tag @ (b"failure" | b"error") => {
                        text.clear();
                        let tag = String::from_utf8_lossy(tag).into_owned();
                        cases.last_mut().unwrap().1 =
                            Some((tag, attr(&e, "message"), String::new()));
                    }
                    _ => {}
                },
                Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
                Event::End(e) if matches!(e.name().as_ref(), b"failure" | b"error") => {
                    cases.last_mut().unwrap().1.as_mut().unwrap().2 = text.clone();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        (cases, totals)
    }

    #[test]
    fn one_testcase_per_level_with_the_first_diagnosis_as_message() {
        let pass = Verdict::new("1", EngineName::Builtin, vec![Check::valid("w", "ok")]);
        let fail = Verdict::new(
            "2",
            EngineName::Builtin,
            vec![Check::invalid("workload", "id 7 handed out twice <\"&]]>")
                .with_details(["node said \u{1b}[31m]]> oops".to_owned()])],
        );
        let results = [
            LevelResult {
                level: level("1").unwrap(),
                verdicts: vec![pass],
                error: None,
                wall: Duration::from_secs(10),
            },
            LevelResult {
                level: level("2").unwrap(),
                verdicts: vec![fail],
                error: None,
                wall: Duration::from_secs(30),
            },
            LevelResult {
                level: level("3a").unwrap(),
                verdicts: vec![],
                error: Some("could not run cargo".into()),
                wall: Duration::ZERO,
            },
        ];
        let xml = document(&results);
        let (cases, totals) = parse(&xml);
        assert_eq!(totals, (3, 1, 1), "{xml}");
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0], ("level 1 · Echo".into(), None));
        let (tag, message, body) = cases[1].1.clone().unwrap();
        assert_eq!(tag, "failure");
        assert_eq!(
            message,
            "FAIL level 2 · Unique ID generation: workload: id 7 handed out twice <\"&]]>"
        );
        assert!(body.contains("node said \u{FFFD}[31m]]> oops"), "{body}");
        assert!(body.contains("Hints:"), "{body}");
        let (tag, message, _) = cases[2].1.clone().unwrap();
        assert_eq!(
            (tag.as_str(), message.as_str()),
            ("error", "could not run cargo")
        );
    }
}
