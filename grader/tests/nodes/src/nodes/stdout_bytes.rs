//! A correct echo node that also sends itself a message with invalid UTF-8 in a string.
use test_nodes::{echo_ok, serve, write_raw};

pub fn run() {
    serve(|node, msg| match msg.kind() {
        "init" => {
            node.init_ok(&msg);
            let id = &node.id;
            write_raw(
                format!(r#"{{"src":"{id}","dest":"{id}","body":{{"type":"note","s":""#).as_bytes(),
            );
            write_raw(b"\xff\xfe\"}}\n");
        }
        "echo" => echo_ok(node, &msg),
        _ => {}
    });
}
