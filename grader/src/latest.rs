//! `runs/<level>/latest`: the newest run folder of a level, so that a learner can open
//! `runs/3b/latest/node-logs/` without copying a timestamp.
//!
//! It is a relative symlink to the run's folder name. Where symlinks cannot be made (Windows
//! without developer mode, some network file systems), it is a small file holding that name
//! instead; [`resolve`] reads either.

use std::io;
use std::path::{Path, PathBuf};

/// The name of the pointer inside a level's folder.
pub const NAME: &str = "latest";

/// Points `<level folder>/latest` at `run_dir` (a folder inside the level folder) and returns the
/// pointer's path. Replaces an older pointer atomically where the platform allows.
pub fn point_at(run_dir: &Path) -> io::Result<PathBuf> {
    let (Some(level_dir), Some(target)) = (run_dir.parent(), run_dir.file_name()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not inside a level folder", run_dir.display()),
        ));
    };
    let latest = level_dir.join(NAME);
    // Made beside the pointer under a name of its own, then renamed over it, so that another
    // grading run never sees a half-written pointer.
    let staging = level_dir.join(format!(
        ".{NAME}-{}-{}",
        std::process::id(),
        target.to_string_lossy()
    ));
    let _ = std::fs::remove_file(&staging);
    if symlink_dir(Path::new(target), &staging).is_err() {
        std::fs::write(&staging, format!("{}\n", target.to_string_lossy()))?;
    }
    if let Err(e) = replace(&staging, &latest) {
        let _ = std::fs::remove_file(&staging);
        return Err(e);
    }
    Ok(latest)
}

/// The run folder `<level folder>/latest` points at, if there is one.
pub fn resolve(level_dir: &Path) -> Option<PathBuf> {
    let latest = level_dir.join(NAME);
    let target = match std::fs::read_link(&latest) {
        Ok(target) => target,
        Err(_) => PathBuf::from(std::fs::read_to_string(&latest).ok()?.trim()),
    };
    let dir = level_dir.join(target);
    dir.is_dir().then_some(dir)
}

/// `rename` replaces a file or symlink, but not a folder: a `latest` folder a learner made by hand
/// is left alone and reported.
fn replace(from: &Path, to: &Path) -> io::Result<()> {
    if to.is_dir() && !to.is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is a folder, not the grader's pointer", to.display()),
        ));
    }
    std::fs::rename(from, to)
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

#[cfg(not(any(unix, windows)))]
fn symlink_dir(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no symlinks"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_the_newest_run_and_moves_on() {
        let dir = tempfile::tempdir().unwrap();
        let level = dir.path().join("3b");
        let first = level.join("20261203T070000.000");
        let second = level.join("20261203T070100.000");
        std::fs::create_dir_all(&first).unwrap();
        std::fs::create_dir_all(&second).unwrap();
        std::fs::write(second.join("verdict.txt"), "PASS").unwrap();

        let latest = point_at(&first).unwrap();
        assert_eq!(latest, level.join("latest"));
        assert_eq!(resolve(&level), Some(first.clone()));
        point_at(&second).unwrap();
        assert_eq!(resolve(&level), Some(second));
        // Through the pointer, as a learner would open it.
        let text = std::fs::read_to_string(level.join("latest/verdict.txt")).unwrap();
        assert_eq!(text, "PASS");
        let leftovers: Vec<_> = std::fs::read_dir(&level)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn reads_a_pointer_file_where_symlinks_are_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("20261203T070000.000")).unwrap();
        std::fs::write(dir.path().join(NAME), "20261203T070000.000\n").unwrap();
        assert_eq!(
            resolve(dir.path()),
            Some(dir.path().join("20261203T070000.000"))
        );
    }

    #[test]
    fn leaves_a_hand_made_latest_folder_alone() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("20261203T070000.000");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::create_dir_all(dir.path().join(NAME).join("mine")).unwrap();
        assert!(point_at(&run).is_err());
        assert!(dir.path().join("latest/mine").is_dir());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
