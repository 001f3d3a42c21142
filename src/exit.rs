//! The one place where failures become exit codes and one-line messages.
//!
//! Every stage returns a `Failure` (or a pipeline `Outcome`); only `main` turns them into a
//! process exit, so the mapping of CLI.md lives here and nowhere else.

use std::fmt;
use std::process::ExitCode;

/// Why obtail stopped without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The input ended: replay EOF, or the node closed with `--no-reconnect`.
    InputEnded,
    /// `--count` events were printed.
    CountReached,
    /// The reader of stdout went away (`| head -1`): graceful, exit 0.
    ReaderGone,
    /// `--timeout` passed before `--count` was reached.
    TimedOut,
    /// Ctrl-C, SIGTERM or SIGHUP (`signal` says which).
    Interrupted,
    /// A jq program called `halt` / `halt_error` with this exit code.
    Halted(i32),
    /// A replay ended, and the jq program raised an error on every frame it ran on: exit 5,
    /// as jq exits.
    ProgramFailed,
}

/// A failure that ends obtail, with the exit code CLI.md gives it.
#[derive(Debug)]
pub enum Failure {
    /// Bad option, URL or filter program (exit 2).
    Usage(String),
    /// A usage error already rendered for stderr, escaped and maybe colored, over several
    /// lines: the caret report of a filter program that does not compile (exit 2).
    Report(String),
    /// Node unreachable and not retrying, I/O error (exit 1).
    Runtime(String),
    /// The node refused authentication (exit 3).
    AuthRefused(String),
}

impl Failure {
    pub fn usage(msg: impl Into<String>) -> Self {
        Failure::Usage(msg.into())
    }

    pub fn runtime(msg: impl Into<String>) -> Self {
        Failure::Runtime(msg.into())
    }

    pub fn code(&self) -> u8 {
        match self {
            Failure::Usage(_) | Failure::Report(_) => 2,
            Failure::Runtime(_) => 1,
            Failure::AuthRefused(_) => 3,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m)
            | Failure::Report(m)
            | Failure::Runtime(m)
            | Failure::AuthRefused(m) => f.write_str(m),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Runtime(format!("I/O error: {e}"))
    }
}

impl Stop {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Stop::InputEnded | Stop::CountReached | Stop::ReaderGone => ExitCode::SUCCESS,
            Stop::TimedOut => ExitCode::from(4),
            Stop::Interrupted => ExitCode::from(crate::signal::exit_code()),
            Stop::ProgramFailed => ExitCode::from(5),
            // As jq: the code's low 8 bits, as the OS keeps them (`halt_error(-1)` is 255).
            Stop::Halted(code) => ExitCode::from((code & 0xff) as u8),
        }
    }
}

/// An I/O error in words, without Rust's "(os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

/// Says why obtail exits 4 (`--timeout` passed before `-n`): a script's `|| echo` should not
/// be the only witness.
pub fn say_timed_out(stop: Stop, timeout: Option<std::time::Duration>, count: Option<u64>) {
    if let (Stop::TimedOut, Some(timeout), Some(count)) = (stop, timeout, count) {
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!(
                "obtail: --timeout {} passed before -n {count} was reached\n",
                crate::units::spoken(timeout)
            ),
        );
    }
}
