//! Printing that survives a reader who went away.
//!
//! `println!` and `eprintln!` panic when their stream is closed: after
//! `cargo run -p grader -- 3b 2>&1 | head -3` the pipe is gone after three lines, and the grader's
//! next line used to end it with a panic (exit 101) in the middle of a run, its run folder half
//! written. The grader's own output goes through these macros instead: a line nobody can read is
//! dropped, and the run ends as it would have, with its verdict's exit code.
//!
//! Declared first in `lib.rs` with `#[macro_use]`, so every module can use them by name.

/// `println!` that drops the line when stdout is closed.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that drops the text when stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::write!(::std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that drops the line when stderr is closed.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr(), $($arg)*);
    }};
}
