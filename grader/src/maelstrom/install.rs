//! `install-maelstrom`: downloads Maelstrom 0.2.4's release into the per-user cache, checks its
//! pinned SHA-256 before unpacking anything, and unpacks it where discovery looks.
//!
//! `curl` and `tar` do the fetching and unpacking (both ship with macOS and every Linux the
//! course targets); the hash is computed here, so that no `sha256sum`/`shasum` difference
//! matters. Without network the download fails within seconds (connect timeout), and the error
//! says how to install by hand.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::discovery::{FoundVia, Installation, Launcher, Lookup, VERSION_MARKER};

/// The Maelstrom release the course pins (Fly.io tested on 0.2.3; 0.2.4 is the latest).
pub const MAELSTROM_VERSION: &str = "0.2.4";

/// The release tarball: a `maelstrom/` folder with the wrapper, `lib/maelstrom.jar`, docs and
/// demos.
pub const RELEASE_URL: &str =
    "https://github.com/jepsen-io/maelstrom/releases/download/v0.2.4/maelstrom.tar.bz2";

/// SHA-256 of [`RELEASE_URL`]'s file. GitHub publishes no checksum for this release; this value
/// is the one several independent projects pin and verify before unpacking in their own
/// install scripts and CI. It was not recomputed here (this machine cannot reach GitHub
/// releases). If the download does not match, installation stops.
pub const RELEASE_SHA256: &str = "301ec71d6b12af0d765edb413f5cf5aa1046b5609bd4e31376a0b549548e5799";

/// How long to wait for a connection before concluding there is no network.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why installation failed. Every message ends with how to install by hand.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(
        "there is no per-user cache folder (neither XDG_CACHE_HOME nor HOME is set)\n{}",
        manual()
    )]
    NoCacheDir,
    #[error(
        "`{tool}` is needed to install Maelstrom and could not be run: {source}\n{}",
        manual()
    )]
    MissingTool {
        tool: &'static str,
        source: std::io::Error,
    },
    #[error("could not download {url}: {reason}\n{}", manual())]
    Download { url: String, reason: String },
    #[error(
        "the download's SHA-256 is {actual}, not the pinned {expected}: it is not the Maelstrom \
         {MAELSTROM_VERSION} release, so nothing was unpacked\n{}",
        manual()
    )]
    Checksum { expected: String, actual: String },
    #[error("could not unpack the release: {reason}\n{}", manual())]
    Unpack { reason: String },
    #[error("{context}: {source}\n{}", manual())]
    Io {
        context: String,
        source: std::io::Error,
    },
}

/// How to install by hand, shown with every failure.
pub fn manual() -> String {
    let cache = Lookup::from_env().cache_root().map_or_else(
        || "~/.cache/gossip-glomers".to_owned(),
        |p| p.display().to_string(),
    );
    format!(
        "To install Maelstrom {MAELSTROM_VERSION} by hand:\n\
         \x20 1. download {RELEASE_URL}\n\
         \x20 2. check it: sha256sum maelstrom.tar.bz2 (or shasum -a 256) should print {RELEASE_SHA256}\n\
         \x20 3. mkdir -p {cache} && tar -xjf maelstrom.tar.bz2 -C {cache}\n\
         \x20    (or unpack it anywhere and set MAELSTROM=/path/to/maelstrom/maelstrom)"
    )
}

/// Installs Maelstrom 0.2.4 into the per-user cache (`<cache root>/maelstrom`), replacing what
/// is there only once the new copy is verified and unpacked.
pub fn install(lookup: &Lookup) -> Result<Installation, InstallError> {
    let root = lookup.cache_root().ok_or(InstallError::NoCacheDir)?;
    install_from(RELEASE_URL, RELEASE_SHA256, &root)
}

/// Downloads `url` (any URL curl takes, `file://` included), checks `sha256`, and unpacks it
/// into `root`, which must end up holding `maelstrom/`.
pub fn install_from(url: &str, sha256: &str, root: &Path) -> Result<Installation, InstallError> {
    fs::create_dir_all(root).map_err(|source| InstallError::Io {
        context: format!("could not create {}", root.display()),
        source,
    })?;
    let staging =
        Staging::create(root.join(format!(".maelstrom-download-{}", std::process::id())))?;
    let archive = staging.path().join("maelstrom.tar.bz2");
    download(url, &archive)?;
    let actual = sha256_of(&archive).map_err(|source| InstallError::Io {
        context: format!("could not read {}", archive.display()),
        source,
    })?;
    if !actual.eq_ignore_ascii_case(sha256) {
        return Err(InstallError::Checksum {
            expected: sha256.to_owned(),
            actual,
        });
    }
    let unpacked = staging.path().join("unpacked");
    fs::create_dir_all(&unpacked).map_err(|source| InstallError::Io {
        context: format!("could not create {}", unpacked.display()),
        source,
    })?;
    let out = Command::new("tar")
        .arg("-xjf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked)
        .output()
        .map_err(|source| InstallError::MissingTool {
            tool: "tar",
            source,
        })?;
    if !out.status.success() {
        return Err(InstallError::Unpack {
            reason: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    let folder = unpacked.join("maelstrom");
    let jar = folder.join("lib").join("maelstrom.jar");
    if !jar.is_file() {
        return Err(InstallError::Unpack {
            reason: "the archive holds no maelstrom/lib/maelstrom.jar".to_owned(),
        });
    }
    fs::write(
        folder.join(VERSION_MARKER),
        format!("{MAELSTROM_VERSION} sha256:{actual} {url}\n"),
    )
    .map_err(|source| InstallError::Io {
        context: "could not write the version marker".to_owned(),
        source,
    })?;
    let dest = root.join("maelstrom");
    if dest.exists() {
        fs::remove_dir_all(&dest).map_err(|source| InstallError::Io {
            context: format!("could not replace {}", dest.display()),
            source,
        })?;
    }
    fs::rename(&folder, &dest).map_err(|source| InstallError::Io {
        context: format!("could not move Maelstrom into {}", dest.display()),
        source,
    })?;
    let script = dest.join("maelstrom");
    let launcher = if script.is_file() {
        Launcher::Script(script)
    } else {
        Launcher::Jar(dest.join("lib").join("maelstrom.jar"))
    };
    Ok(Installation {
        launcher,
        found_via: FoundVia::Cache,
    })
}

/// A scratch folder beside the destination (so that the final move is a rename), removed
/// whatever happens.
struct Staging(PathBuf);

impl Staging {
    fn create(path: PathBuf) -> Result<Staging, InstallError> {
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).map_err(|source| InstallError::Io {
            context: format!("could not create {}", path.display()),
            source,
        })?;
        Ok(Staging(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn download(url: &str, to: &Path) -> Result<(), InstallError> {
    errln!("Downloading Maelstrom {MAELSTROM_VERSION} from {url} …");
    let out = Command::new("curl")
        .args(["--fail", "--location", "--silent", "--show-error"])
        .arg("--connect-timeout")
        .arg(CONNECT_TIMEOUT.as_secs().to_string())
        // A stalled transfer (under 1 kB/s for 30 s) is given up too.
        .args(["--speed-limit", "1000", "--speed-time", "30"])
        .arg("--output")
        .arg(to)
        .arg(url)
        .output()
        .map_err(|source| InstallError::MissingTool {
            tool: "curl",
            source,
        })?;
    if out.status.success() {
        Ok(())
    } else {
        let reason = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        Err(InstallError::Download {
            url: url.to_owned(),
            reason: if reason.is_empty() {
                format!("curl exited with {}", out.status)
            } else {
                reason
            },
        })
    }
}

/// The SHA-256 of a file, in lower-case hex.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_files() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("abc");
        fs::write(&p, "abc").unwrap();
        assert_eq!(
            sha256_of(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_pinned_hash_is_a_sha256() {
        assert_eq!(RELEASE_SHA256.len(), 64);
        assert!(RELEASE_SHA256.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
