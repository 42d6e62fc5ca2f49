//! A correct echo node that, at init, starts a helper that escapes its process group
//! (`setsid -f`, a double fork) and one that stays in it, and prints `helper pid N` to stderr for
//! each before it answers init.
//!
//! Each helper tells the node its pid over a pipe, and the node waits for it: a helper that
//! printed its own pid in the background might not have done so yet when a simulated run (a few
//! milliseconds of wall time) is over and the node's group killed.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use test_nodes::{echo_ok, serve};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => {
            for script in [
                "setsid -f sh -c 'echo $$; exec sleep 600 >/dev/null 2>&1'",
                "sh -c 'echo $$; exec sleep 600 >/dev/null 2>&1' &",
            ] {
                let Ok(mut shell) = Command::new("sh")
                    .args(["-c", script])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                else {
                    continue;
                };
                // The helper holds the pipe until it has written its pid (then `exec` points its
                // stdout elsewhere), so this line is its pid, or nothing if it never started.
                let mut pid = String::new();
                if let Some(out) = shell.stdout.take() {
                    let _ = BufReader::new(out).read_line(&mut pid);
                }
                let _ = shell.wait();
                eprintln!("helper pid {}", pid.trim());
            }
            node.init_ok(&msg);
        }
        "echo" => echo_ok(node, &msg),
        _ => {}
    });
}
