//! Exits at once with status 3, after a word on stderr.
fn main() {
    eprintln!("could not read my configuration, giving up");
    std::process::exit(3);
}
