//! Answers init, then sends itself messages in a tight loop and never reads again: the network
//! must stay bounded and the flood be named.
use test_nodes::{serve, write_raw};

pub fn run() {
    serve(|node, msg| {
        if msg.kind() == "init" {
            node.init_ok(&msg);
            let id = &node.id;
            let pad = "x".repeat(1000);
            let line =
                format!(r#"{{"src":"{id}","dest":"{id}","body":{{"type":"spam","pad":"{pad}"}}}}"#)
                    + "\n";
            let batch = line.repeat(64);
            loop {
                write_raw(batch.as_bytes());
            }
        }
    });
}
