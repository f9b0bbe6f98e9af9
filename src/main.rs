//! The `petition-watch` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    petition_watch::cli::main()
}
