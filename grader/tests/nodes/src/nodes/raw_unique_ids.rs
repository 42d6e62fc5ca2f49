//! A correct unique-ids node: the node id and a counter make every id unique without talking to
//! anyone, so it stays available under partitions.
use test_nodes::{send, serve};

pub fn run() {
    let mut counter = 0u64;
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "generate" => {
            counter += 1;
            let mut body = msg.reply("generate_ok");
            body["id"] = format!("{}-{counter}", node.id).into();
            send(&node.id, &msg.src, body);
        }
        _ => {}
    });
}
