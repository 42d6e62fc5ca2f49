//! Making sure no node, and nothing a node started, outlives its run or the grader.
//!
//! Three layers. Every node leads its own process group, killed whole at the end of a run and
//! on SIGINT, SIGTERM or SIGHUP to the grader (a watcher thread turns those into: kill every
//! group, exit 128+signal). A node may still escape its group — `setsid`, a double fork — so on
//! Linux the grader is a child subreaper (such descendants are re-parented to it, not to init),
//! every node is started with a [`TAG`] variable naming its run and node, which its descendants
//! inherit, and after the groups are killed `/proc` is scanned for processes still carrying the
//! run's tag: they are killed, reaped, and named in a diagnosis. Last, `PR_SET_PDEATHSIG` takes
//! a node down with the grader however the grader dies (even SIGKILL), though not its escapees.

use std::collections::BTreeSet;
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

/// The environment variable that marks a node and its descendants:
/// `<grader pid>:<run>:<node id>`. Maelstrom adds no variable; this one is inert.
pub const TAG: &str = "GLOMERS_GRADER_NODE";

/// The tag prefix of every node this grader process started.
pub fn grader_prefix() -> String {
    format!("{}:", std::process::id())
}

/// Process groups (= pids) of live nodes, for the signal watcher.
fn groups() -> std::sync::MutexGuard<'static, BTreeSet<u32>> {
    static GROUPS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn register(pid: u32) {
    groups().insert(pid);
}

pub fn unregister(pid: u32) {
    groups().remove(&pid);
}

fn pid(raw: u32) -> Option<Pid> {
    Pid::from_raw(i32::try_from(raw).ok()?)
}

/// Kills whole process groups (the nodes and anything they started in their group).
pub fn kill_groups(pids: &[u32]) {
    for &p in pids {
        if let Some(p) = pid(p) {
            let _ = rustix::process::kill_process_group(p, Signal::KILL);
        }
    }
}

/// A process found still running with a node's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub pid: u32,
    /// Its command name (`/proc/<pid>/comm`).
    pub name: String,
    /// The node whose tag it carries.
    pub node: String,
}

/// One line of `/proc/<pid>/stat`, as far as needed.
#[derive(Debug)]
struct Stat {
    name: String,
    state: char,
    ppid: u32,
    pgid: u32,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let mut rest = text.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgid = rest.next()?.parse().ok()?;
    Some(Stat {
        name,
        state,
        ppid,
        pgid,
    })
}

/// The value of [`TAG`] in a process's environment, if it has one.
fn tag_of(pid: u32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let key = format!("{TAG}=");
    environ
        .split(|&b| b == 0)
        .find_map(|var| var.strip_prefix(key.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Live (not zombie) processes whose tag starts with `prefix`, with the node id of each.
fn tagged(prefix: &str) -> Vec<(u32, Stat, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let me = std::process::id();
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| p != me)
        .filter_map(|p| {
            let tag = tag_of(p)?;
            let rest = tag.strip_prefix(prefix)?;
            let node = rest.rsplit(':').next().unwrap_or(rest).to_owned();
            let st = stat(p)?;
            (st.state != 'Z' && st.state != 'X').then_some((p, st, node))
        })
        .collect()
}

/// Kills every process still carrying a tag that starts with `prefix`, waits for them to go,
/// reaps what was re-parented to the grader, and returns the processes that had left their
/// node's group. `groups` are the node groups being killed: their members are not reported.
pub fn end_leftovers(prefix: &str, groups: &[u32]) -> Vec<Leftover> {
    let mut found: Vec<Leftover> = Vec::new();
    for _round in 0..40 {
        let alive = tagged(prefix);
        if alive.is_empty() {
            break;
        }
        for (p, st, node) in alive {
            if let Some(pid) = pid(p) {
                let _ = rustix::process::kill_process(pid, Signal::KILL);
            }
            if !groups.contains(&st.pgid) && !found.iter().any(|f| f.pid == p) {
                found.push(Leftover {
                    pid: p,
                    name: st.name.clone(),
                    node,
                });
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    reap_zombies(groups, &found);
    found
}

/// Reaps the grader's dead children that belonged to a node: members of its group re-parented
/// to the grader, and the escapees just killed. (The nodes themselves are tokio's to reap.)
fn reap_zombies(groups: &[u32], found: &[Leftover]) {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let me = std::process::id();
    // A killed process is gone only once the kernel has torn it down, which on a busy machine
    // (a process at low priority, its CPU taken) can take a second or more: one deadline for all.
    let give_up = Instant::now() + REAP_WITHIN;
    for p in entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
    {
        let Some(st) = stat(p) else { continue };
        let ours = st.ppid == me && !groups.contains(&p);
        if ours && (groups.contains(&st.pgid) || found.iter().any(|f| f.pid == p)) {
            reap(p, give_up);
        }
    }
}

/// How long the teardown waits, at most, for the killed processes it reaps to finish dying.
const REAP_WITHIN: Duration = Duration::from_secs(5);

/// Collects the exit status of a re-parented child, so that it leaves no zombie; waits for it
/// to die until `give_up`.
fn reap(p: u32, give_up: Instant) {
    let Some(pid) = pid(p) else { return };
    loop {
        match rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::NOHANG) {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) if Instant::now() < give_up => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => return,
        }
    }
}

/// Makes the grader a child subreaper (Linux), once: descendants whose parent dies are
/// re-parented to the grader instead of init, where the teardown scan finds and reaps them.
pub fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        {
            let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
        }
    });
}

/// Installs, once per process, a thread that turns SIGINT, SIGTERM and SIGHUP into: kill every
/// node group and every tagged descendant, then exit 128+signal. The nodes sit in their own
/// process groups, so a terminal's signals do not reach them directly.
pub fn ensure_signal_watcher() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(|| {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(watch_signals());
            });
        // Without the watcher, PR_SET_PDEATHSIG still takes the nodes down with the grader.
        drop(spawned);
    });
}

async fn watch_signals() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return;
    };
    let (code, what) = tokio::select! {
        _ = int.recv() => (130, "interrupted"),
        _ = term.recv() => (143, "terminated (SIGTERM)"),
        _ = hup.recv() => (129, "hung up (SIGHUP)"),
    };
    let pids: Vec<u32> = groups().iter().copied().collect();
    kill_groups(&pids);
    end_leftovers(&grader_prefix(), &pids);
    errln!("\n{what}: stopped the nodes");
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_stat() {
        let st = stat(std::process::id()).unwrap();
        assert!(!st.name.is_empty());
        assert_ne!(st.ppid, 0);
    }

    #[test]
    fn finds_kills_and_names_a_tagged_process_that_left_its_group() {
        if !std::path::Path::new("/proc/self/environ").exists() {
            eprintln!("skipping: needs /proc");
            return;
        }
        become_subreaper();
        let prefix = format!("{}:unit-test-{}:", std::process::id(), line!());
        // `setsid -f` double-forks into a new session: the escape a daemonising node makes.
        let status = std::process::Command::new("setsid")
            .args(["-f", "sleep", "60"])
            .env(TAG, format!("{prefix}n7"))
            .status();
        let Ok(status) = status else {
            eprintln!("skipping: no setsid(1)");
            return;
        };
        assert!(status.success());
        let mut left = Vec::new();
        for _ in 0..100 {
            left = tagged(&prefix);
            // Until it has exec'd, the forked child is still called setsid.
            if left.first().is_some_and(|l| l.1.name == "sleep") {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(left.len(), 1, "the escaped sleep is found by its tag");
        let escaped = left[0].0;
        assert_eq!(
            left[0].1.ppid,
            std::process::id(),
            "re-parented to the subreaper"
        );
        let ended = end_leftovers(&prefix, &[]);
        assert_eq!(
            ended,
            [Leftover {
                pid: escaped,
                name: "sleep".into(),
                node: "n7".into()
            }]
        );
        assert!(
            !std::path::Path::new(&format!("/proc/{escaped}")).exists(),
            "pid {escaped} is gone, reaped"
        );
    }
}
