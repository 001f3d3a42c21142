//! obtail: tail, classify, filter and print OpenBazaar node events.

mod classify;
mod cli;
mod exit;
mod frame;
mod json;
mod kind;
mod sanitize;
mod source;
mod style;

use clap::Parser;

fn main() {
    let _args = cli::Args::parse();
}
