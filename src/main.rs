//! obtail: tail, classify, filter and print OpenBazaar node events.

mod classify;
mod cli;
mod exit;
mod frame;
mod json;
mod kind;
mod sanitize;
mod sim;
mod source;
mod style;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    // Interim dispatch for `obtail sim`; the lead's main.rs takes this over at merge.
    if let Some(cli::Command::Sim(s)) = &args.command {
        if let Err(e) = sim::run(s) {
            eprintln!("obtail: error: {e}");
            return std::process::ExitCode::from(e.code());
        }
    }
    std::process::ExitCode::SUCCESS
}
