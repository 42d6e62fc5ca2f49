//! The course's stubs must fail their own snapshot tests until the work is done.
//!
//! The reference solutions run the very same test files in the default `cargo test` and pass;
//! this test proves the other direction: each stub compiles, runs its tests, and fails on an
//! assertion — not on a compile error, which would teach nothing.
//!
//! It tests the course's pristine copies in `grader/tests/stubs/`, never the learner's working
//! files under `challenges/`: once a learner's node works, their tests pass, and the suite must
//! stay green. (`.ci/run` checks that the copies equal `challenges/` in the repository.)

use std::process::Command;

use crate::support::{self, workspace};

#[test]
fn every_stub_compiles_and_fails_its_snapshot_tests() {
    let root = workspace();
    let names = |dir: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir} cannot be read: {e}"))
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("Cargo.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let stubs = names("grader/tests/stubs");
    assert_eq!(
        stubs,
        names("challenges"),
        "every challenge needs its pristine stub in grader/tests/stubs/ (and no other)"
    );

    for stub in &stubs {
        let package = format!("{stub}-stub");
        let out = support::at_low_priority(|| {
            Command::new(env!("CARGO"))
                .args([
                    "test",
                    "-p",
                    &package,
                    "--test",
                    "snapshots",
                    "--no-fail-fast",
                ])
                // With the grader's features, as the other node builds (`Profile::companions`): the
                // stub reuses the dependencies `cargo test` compiled. Only the stub has `snapshots`.
                .args(support::PROFILE.companions(&root))
                .current_dir(&root)
                // Insta told to accept everything: the course's assertion must ignore it, neither
                // passing nor writing a snapshot into the learner's tree.
                .env("INSTA_UPDATE", "always")
                .env("INSTA_FORCE_PASS", "1")
                .output()
                .expect("cargo runs")
        });
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "the {stub} stub passes its own tests: they prove nothing\n{stdout}"
        );
        assert!(
            !stderr.contains("error[E") && stdout.contains("test result: FAILED"),
            "the {stub} stub should compile and fail on assertions, but:\n{stderr}\n{stdout}"
        );
        assert!(
            stdout.contains("differs from the course's snapshot") && !stdout.contains("cargo insta"),
            "the {stub} stub's failures should explain the difference, not suggest re-recording:\n{stdout}"
        );
        let snapshots = root.join("challenges").join(stub).join("tests/snapshots");
        let written: Vec<_> = std::fs::read_dir(&snapshots)
            .map(|dir| {
                dir.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.ends_with(".snap.new") || name.ends_with(".pending-snap"))
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            written.is_empty(),
            "the {stub} stub's tests wrote {written:?} into {}",
            snapshots.display()
        );
    }
}
