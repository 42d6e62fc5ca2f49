//! `install-maelstrom` without the internet: a release-shaped tarball served from a `file://`
//! URL is verified and unpacked where discovery finds it; a wrong checksum unpacks nothing; an
//! unreachable server fails within seconds and says how to install by hand.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use grader::maelstrom::discovery::{discover, FoundVia, Launcher, Lookup};
use grader::maelstrom::install::{install_from, sha256_of, InstallError, RELEASE_URL};

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

/// A tarball laid out like the release: `maelstrom/maelstrom` and `maelstrom/lib/maelstrom.jar`.
fn release_like(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("maelstrom/lib")).unwrap();
    std::fs::write(src.join("maelstrom/lib/maelstrom.jar"), "not really a jar").unwrap();
    std::fs::write(src.join("maelstrom/maelstrom"), "#!/usr/bin/env bash\n").unwrap();
    let status = Command::new("chmod")
        .arg("+x")
        .arg(src.join("maelstrom/maelstrom"))
        .status()
        .unwrap();
    assert!(status.success());
    let tarball = dir.join("maelstrom.tar.bz2");
    let status = Command::new("tar")
        .arg("-cjf")
        .arg(&tarball)
        .arg("-C")
        .arg(&src)
        .arg("maelstrom")
        .status()
        .unwrap();
    assert!(status.success());
    tarball
}

#[test]
fn a_verified_tarball_is_unpacked_where_discovery_looks() {
    if !have("curl") || !have("tar") {
        eprintln!("skipped: curl or tar missing");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let tarball = release_like(tmp.path());
    let sha = sha256_of(&tarball).unwrap();
    let lookup = Lookup {
        xdg_cache_home: Some(tmp.path().join("xdg").into()),
        ..Lookup::default()
    };
    let root = lookup.cache_root().unwrap();
    let url = format!("file://{}", tarball.display());

    let installed = install_from(&url, &sha, &root).unwrap();
    let script = root.join("maelstrom/maelstrom");
    assert_eq!(installed.launcher, Launcher::Script(script.clone()));
    assert_eq!(installed.version().as_deref(), Some("0.2.4"));
    let found = discover(&lookup, &tmp.path().join("workspace")).unwrap();
    assert_eq!(found.found_via, FoundVia::Cache);
    assert_eq!(found.launcher, Launcher::Script(script));

    // Installing again replaces the copy, and leaves no staging folder behind.
    install_from(&url, &sha, &root).unwrap();
    let left: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["maelstrom"]);
}

#[test]
fn a_wrong_checksum_unpacks_nothing() {
    if !have("curl") || !have("tar") {
        eprintln!("skipped: curl or tar missing");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let tarball = release_like(tmp.path());
    let root = tmp.path().join("cache");
    let wrong = "0".repeat(64);
    let err = install_from(&format!("file://{}", tarball.display()), &wrong, &root).unwrap_err();
    assert!(matches!(err, InstallError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("nothing was unpacked"), "{err}");
    assert!(!root.join("maelstrom").exists());
}

#[test]
fn no_network_fails_fast_and_says_how_to_install_by_hand() {
    if !have("curl") {
        eprintln!("skipped: curl missing");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    // Port 9 (discard) on localhost refuses connections: as fast as a machine with no network.
    let err = install_from(
        "http://127.0.0.1:9/maelstrom.tar.bz2",
        &"0".repeat(64),
        tmp.path(),
    )
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, InstallError::Download { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("by hand"), "{text}");
    assert!(text.contains(RELEASE_URL), "{text}");
    assert!(text.contains("sha256sum"), "{text}");
}
