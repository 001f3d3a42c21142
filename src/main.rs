//! obtail: tail, classify, filter and print OpenBazaar node events.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use obtail::exit::{self, Failure};
use obtail::{app, cli, crash, sanitize};

/// Parsing frames into jq values allocates a small block per string and object; mimalloc
/// makes that (and freeing them) markedly cheaper than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// jaq parses, compiles and runs programs recursively, as it reads `--argjson` values: a
/// long generated program (`.id == "a" or .id == "b" or …`, thousands of terms) overflowed
/// the main thread's 8 MiB stack and aborted. The stack is only reserved, not used.
const STACK_SIZE: usize = 1 << 30;

fn main() -> ExitCode {
    crash::install();
    let args = match cli::Args::try_parse_from(cli::hoist_orders(std::env::args_os().collect())) {
        Ok(args) => args,
        Err(e) => {
            // One prefix for every error obtail prints, clap's included; help and version
            // are not errors.
            if e.use_stderr() {
                let _ = write!(std::io::stderr(), "obtail: ");
            }
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let worker = std::thread::Builder::new()
        .name("main".into())
        .stack_size(STACK_SIZE)
        .spawn({
            let args = args.clone();
            move || {
                crash_for_test();
                finish(app::run(args))
            }
        });
    match worker {
        // The panic hook has printed its line and exited already.
        Ok(worker) => worker
            .join()
            .unwrap_or(ExitCode::from(crash::EXIT_CODE as u8)),
        // Where the big stack cannot be had (a tight `ulimit -v`), run here as before.
        Err(_) => finish(app::run(args)),
    }
}

/// Debug builds only: lets the integration tests check the panic hook end to end.
fn crash_for_test() {
    #[cfg(debug_assertions)]
    if let Ok(msg) = std::env::var("OBTAIL_TEST_PANIC") {
        panic!("{msg}");
    }
}

/// The exit code of a run, after its error (if any) is on stderr.
fn finish(result: Result<exit::Stop, Failure>) -> ExitCode {
    match result {
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
