//! `grader`: see [`grader::cli`].

fn main() -> std::process::ExitCode {
    grader::cli::run()
}
