//! The learner's stubs must fail their own snapshot tests until the work is done.
//!
//! The reference solutions run the very same test files in the default `cargo test` and pass;
//! this test proves the other direction: each stub under `challenges/` compiles, runs its tests,
//! and fails on an assertion — not on a compile error, which would teach nothing.

use std::path::Path;
use std::process::Command;

#[test]
fn every_stub_compiles_and_fails_its_snapshot_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stubs: Vec<String> = std::fs::read_dir(root.join("challenges"))
        .expect("challenges/ exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    stubs.sort();
    assert!(
        stubs.len() >= 2,
        "expected the challenge stubs, found {stubs:?}"
    );

    for stub in &stubs {
        let out = Command::new(env!("CARGO"))
            .args(["test", "-p", stub, "--no-fail-fast"])
            .current_dir(&root)
            // Never write .snap.new files into the learner's folder from here.
            .env("INSTA_UPDATE", "no")
            .env_remove("INSTA_FORCE_PASS")
            .output()
            .expect("cargo runs");
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
    }
}
