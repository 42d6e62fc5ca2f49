//! A correct echo node that writes invalid UTF-8 to stderr with every message: the grader must
//! drain stderr as bytes, so the node never dies of a broken pipe.
use std::io::Write;
use test_nodes::{echo_ok, serve};

pub fn run() {
    serve(|node, msg| {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"got \xff\xfe\xc3 a message\n");
        match msg.kind() {
            "init" => node.init_ok(&msg),
            "echo" => echo_ok(node, &msg),
            _ => {}
        }
    });
}
