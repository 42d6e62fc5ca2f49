//! A correct echo node that sends itself JSON Maelstrom reads but serde_json's defaults reject:
//! 500 levels of nesting, an integer beyond u64, and 1e400 (Infinity for Java).
use test_nodes::{echo_ok, serve, write_raw};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => {
            node.init_ok(&msg);
            let id = &node.id;
            let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
            write_raw(
                format!(
                    r#"{{"src":"{id}","dest":"{id}","body":{{"type":"note","deep":{deep},"big":123456789012345678901234567890,"inf":1e400}}}}"#
                )
                .as_bytes(),
            );
            write_raw(b"\n");
        }
        "echo" => echo_ok(node, &msg),
        _ => {}
    });
}
