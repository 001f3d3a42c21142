//! obtail: tail, classify, filter and print OpenBazaar node events.

mod app;
mod classify;
mod cli;
mod config;
mod docs;
mod exit;
mod filter;
mod frame;
mod jq;
mod json;
mod kind;
mod live;
mod pipeline;
mod render;
mod sanitize;
mod sim;
mod sink;
mod source;
mod style;
mod units;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::exit::Failure;

/// Parsing frames into jq values allocates a small block per string and object; mimalloc
/// makes that (and freeing them) markedly cheaper than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match app::run(args) {
        Ok(stop) => stop.exit_code(),
        Err(Failure::Report(report)) => {
            let _ = write!(std::io::stderr(), "obtail: error: {report}");
            ExitCode::from(2)
        }
        Err(failure) => {
            let msg = sanitize::escape(&failure.to_string());
            let _ = writeln!(std::io::stderr(), "obtail: error: {msg}");
            ExitCode::from(failure.code())
        }
    }
}
