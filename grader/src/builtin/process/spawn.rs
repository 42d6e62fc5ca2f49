//! Checking that a node can be started, and starting it so that it dies with the grader.
//!
//! Everything that would keep a node from starting at all — a missing file, a folder, no execute
//! bit, a script whose `#!` line names an interpreter that is not there or ends in a Windows
//! `\r` — is found here, before the run, and said in words, instead of surfacing as the kernel's
//! "No such file or directory" about a file that plainly exists.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use std::process::Stdio;

use tokio::process::Command;

use super::{reaper, NodeContext};

/// Why a node could not be started.
#[derive(Debug)]
pub struct SpawnFailure(pub String);

/// Checks that `bin` can be run, returning its canonical path (Maelstrom's `argv[0]`).
pub fn resolve_binary(bin: &Path) -> Result<PathBuf, SpawnFailure> {
    let shown = bin.display();
    let meta = std::fs::metadata(bin).map_err(|_| {
        SpawnFailure(format!(
            "the node binary {shown} does not exist — did the build succeed, and is the path right?"
        ))
    })?;
    if meta.is_dir() {
        return Err(SpawnFailure(format!(
            "the node binary {shown} is a folder: --bin takes the node's executable"
        )));
    }
    if !meta.is_file() {
        return Err(SpawnFailure(format!(
            "the node binary {shown} is not a file"
        )));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(SpawnFailure(format!(
            "the node binary {shown} is not executable (chmod +x it)"
        )));
    }
    check_interpreter(bin)?;
    std::fs::canonicalize(bin)
        .map_err(|e| SpawnFailure(format!("the node binary {shown} cannot be resolved: {e}")))
}

/// A script's `#!` line must name an interpreter that exists, without a trailing `\r`.
fn check_interpreter(bin: &Path) -> Result<(), SpawnFailure> {
    let shown = bin.display();
    let mut head = Vec::with_capacity(512);
    let Ok(file) = std::fs::File::open(bin) else {
        return Ok(()); // execute-only files cannot be read; the kernel will judge.
    };
    let _ = file.take(512).read_to_end(&mut head);
    let Some(rest) = head.strip_prefix(b"#!") else {
        return Ok(());
    };
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let first = format!("#!{}", line.trim_end_matches('\r'));
    if line.ends_with('\r') {
        return Err(SpawnFailure(format!(
            "the node script {shown} has Windows line endings (CRLF): its first line `{first}` \
             ends in \\r, so the kernel looks for an interpreter whose name ends in \\r — convert \
             the file with dos2unix (or sed -i 's/\\r$//')"
        )));
    }
    let mut words = line.split_whitespace();
    let Some(interpreter) = words.next() else {
        return Err(SpawnFailure(format!(
            "the node script {shown} starts with `#!` but names no interpreter"
        )));
    };
    if !Path::new(interpreter).is_file() {
        return Err(SpawnFailure(format!(
            "the node script {shown} asks for the interpreter {interpreter} (its first line is \
             `{first}`), which does not exist on this machine"
        )));
    }
    if interpreter.ends_with("/env") {
        let program = words.find(|w| !w.starts_with('-'));
        if let Some(program) = program.filter(|p| !p.contains('=')) {
            if !on_path(program) {
                return Err(SpawnFailure(format!(
                    "the node script {shown} runs `{program}` through env (its first line is \
                     `{first}`), but there is no {program} on the PATH"
                )));
            }
        }
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// The command that starts node `id` — in real time and in the simulator alike — with every
/// guarantee that no node outlives the grader: the three pipes, its own process group, the
/// [`reaper::TAG`] its descendants inherit, death with the grader, and (once per process) the
/// grader as child subreaper and its signal watcher.
pub fn command(ctx: &NodeContext, id: &str, bin: &Path, args: &[String]) -> Command {
    reaper::ensure_signal_watcher();
    reaper::become_subreaper();
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(reaper::TAG, format!("{}{id}", ctx.tag_prefix()))
        .kill_on_drop(true)
        .process_group(0);
    die_with_the_grader(&mut cmd);
    cmd
}

/// The error of a node that could not be started from `bin`.
pub fn failed_to_start(id: &str, bin: &Path, e: std::io::Error) -> SpawnFailure {
    SpawnFailure(format!(
        "{id} could not be started from {}: {e}",
        bin.display()
    ))
}

/// On Linux, asks the kernel to SIGKILL the node when the grader dies, however it dies (even
/// SIGKILL), and exits at once if the grader already died between fork and that request.
#[cfg(target_os = "linux")]
pub fn die_with_the_grader(cmd: &mut Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs in the forked child before exec and only calls the
    // async-signal-safe prctl, getppid and _exit.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() as u32 != parent {
                libc::_exit(137);
            }
            Ok(())
        });
    }
}

/// Elsewhere (macOS) there is no parent-death signal: nodes are still killed when dropped, on
/// a signal and at the end of a run; only a grader killed with SIGKILL can leave them behind.
#[cfg(not(target_os = "linux"))]
pub fn die_with_the_grader(_cmd: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
        let f = dir.join(name);
        std::fs::write(&f, text).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        f
    }

    #[test]
    fn missing_and_non_executable_binaries() {
        let e = resolve_binary(Path::new("/nonexistent/node")).unwrap_err();
        assert!(e.0.contains("does not exist"), "{}", e.0);
        let e = resolve_binary(Path::new("/")).unwrap_err();
        assert!(e.0.contains("is a folder"), "{}", e.0);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("node");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        let e = resolve_binary(&f).unwrap_err();
        assert!(e.0.contains("not executable"), "{}", e.0);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(resolve_binary(&f).is_ok());
    }

    #[test]
    fn bad_shebangs_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let crlf = script(dir.path(), "crlf", "#!/bin/sh\r\necho hi\r\n");
        let e = resolve_binary(&crlf).unwrap_err().0;
        assert!(e.contains("Windows line endings (CRLF)"), "{e}");
        let missing = script(dir.path(), "py", "#!/usr/bin/pyhton3\nprint()\n");
        let e = resolve_binary(&missing).unwrap_err().0;
        assert!(
            e.contains("asks for the interpreter /usr/bin/pyhton3") && e.contains("does not exist"),
            "{e}"
        );
        if Path::new("/usr/bin/env").is_file() {
            let env = script(dir.path(), "env", "#!/usr/bin/env no-such-lang-42\n");
            let e = resolve_binary(&env).unwrap_err().0;
            assert!(e.contains("there is no no-such-lang-42 on the PATH"), "{e}");
            let ok = script(dir.path(), "ok", "#!/usr/bin/env sh\n");
            assert!(resolve_binary(&ok).is_ok());
        }
    }
}
