//! A correct echo node that writes stderr as fast as it can, from a second thread.
use std::io::Write;
use test_nodes::{echo_ok, serve};

pub fn run() {
    std::thread::spawn(|| {
        let line = "debug: ".to_owned() + &"y".repeat(200) + "\n";
        let batch = line.repeat(256);
        let mut err = std::io::stderr().lock();
        while err.write_all(batch.as_bytes()).is_ok() {}
    });
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => echo_ok(node, &msg),
        _ => {}
    });
}
