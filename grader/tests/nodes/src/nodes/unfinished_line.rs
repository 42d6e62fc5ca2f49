//! Answers its first echo, then starts a second reply and never finishes the line (as a node
//! killed mid-write leaves it): the cut-off line at teardown must not count against it.
use test_nodes::{echo_ok, serve, write_raw};

pub fn run() {
    let mut echoes = 0;
    serve(|node, msg| match msg.kind() {
        "init" => node.init_ok(&msg),
        "echo" => {
            echoes += 1;
            if echoes == 1 {
                echo_ok(node, &msg);
            } else {
                write_raw(format!(r#"{{"src":"{}","dest":"{}","bo"#, node.id, msg.src).as_bytes());
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        _ => {}
    });
}
