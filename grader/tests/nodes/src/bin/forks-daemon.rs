//! A correct echo node that, at init, starts a helper that escapes its process group
//! (`setsid -f`, a double fork) and one that stays in it; each prints `helper pid N` to stderr.
use std::process::{Command, Stdio};
use test_nodes::{echo_ok, serve};

fn main() {
    serve(|node, msg| match msg.kind() {
        "init" => {
            for script in [
                "setsid -f sh -c 'echo helper pid $$ >&2; exec sleep 600 >/dev/null 2>&1'",
                "sh -c 'echo helper pid $$ >&2; exec sleep 600 >/dev/null 2>&1' &",
            ] {
                let _ = Command::new("sh")
                    .args(["-c", script])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .status();
            }
            node.init_ok(&msg);
        }
        "echo" => echo_ok(node, &msg),
        _ => {}
    });
}
