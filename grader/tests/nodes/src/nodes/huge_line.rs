//! Answers init, then prints one 200 MB line (written in pieces, never held whole).
use test_nodes::{serve, write_raw};

pub fn run() {
    serve(|node, msg| {
        if msg.kind() == "init" {
            node.init_ok(&msg);
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..200 {
                write_raw(&chunk);
            }
            write_raw(b"\n");
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    });
}
