//! A correct echo node that hangs for good on its 5th message (init included): it never answers
//! it, and reads nothing more. Its pid goes to stderr, so that a test can check it is gone.
use test_nodes::{echo_ok, serve};

pub fn run() {
    eprintln!("node pid {}", std::process::id());
    let mut seen = 0;
    serve(|node, msg| {
        seen += 1;
        if seen == 5 {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
        match msg.kind() {
            "init" => node.init_ok(&msg),
            "echo" => echo_ok(node, &msg),
            _ => {}
        }
    });
}
