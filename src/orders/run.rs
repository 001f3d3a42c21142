//! `obtail orders` from start to end: the nodes resolved (or the simulated one started), the
//! board read once and printed, or kept current with `--watch`, and what is said at exit.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use super::board::Board;
use super::books::{list_failed, unreadable, Reads};
use super::fetch::{self, Failed};
use super::print::{warn, Printer};
use super::settings::Settings;
use super::state::Role;
use crate::cli::OrdersArgs;
use crate::config::{Env, Input};
use crate::exit::{Failure, Stop};
use crate::live::Target;

/// How long `--demo` waits for its simulated node to tell its first minute.
const DEMO_START: Duration = Duration::from_secs(60);

pub fn run(args: &OrdersArgs) -> Result<Stop, Failure> {
    let s = Settings::resolve(args, Env::from_process())?;
    s.cfg.say_warnings();
    if s.cfg.count == Some(0) {
        return Ok(Stop::CountReached);
    }
    let (urls, sim) = match &s.cfg.input {
        Input::Demo { speed, seed } => {
            let sim = demo(*speed, *seed, s.cfg.quiet)?;
            (vec![sim.url()], Some(sim))
        }
        Input::Live(urls) => (urls.clone(), None),
        Input::Replay(_) => return Err(Failure::usage("obtail orders reads a node, not a file")),
    };
    let targets = crate::live::targets(&urls, &s.cfg.live, s.cfg.max_frame, &s.cfg.env)?;
    let labels: Vec<Arc<str>> = targets.iter().map(|t| t.shown.clone()).collect();
    let mut printer = Printer::new(&s, labels)?;
    let stop = if s.watch {
        super::watch::watch(&s, targets, &mut printer)
    } else {
        once(&s, &targets, &mut printer)
    };
    if let Some(sim) = sim {
        sim.stop();
    }
    let stop = stop?;
    crate::exit::say_timed_out(stop, s.cfg.timeout, s.cfg.count);
    Ok(stop)
}

/// The simulated node, its first minute told (every kind of order it makes), listening.
fn demo(speed: f64, seed: Option<u64>, quiet: bool) -> Result<crate::sim::SimHandle, Failure> {
    let mut opts = crate::sim::SimOptions::demo(speed, seed);
    // The story runs ahead for a second (its opening minute, told fast) before it listens,
    // so the board has orders at once.
    opts.up_before = Some(Duration::from_secs(1));
    let sim = crate::sim::start(opts)?;
    if !sim.wait_listening(DEMO_START) {
        return Err(Failure::runtime("--demo: the simulated node did not start"));
    }
    if !quiet {
        let _ = writeln!(
            std::io::stderr(),
            "obtail: --demo: this is a simulated node, not a real one: {}",
            sim.banner().trim_start_matches("obtail sim: ")
        );
    }
    Ok(sim)
}

/// The board, read once: each node's three lists, then printed. A list the node does not
/// have, or cannot give now, is a warning; a node that gives none is an error.
fn once(s: &Settings, targets: &[Target], printer: &mut Printer) -> Result<Stop, Failure> {
    let timeout = s.cfg.live.connect_timeout;
    let mut board = Board::default();
    let mut stats = Reads::default();
    let mut failures = Vec::new();
    for (node, t) in targets.iter().enumerate() {
        let mut read_any = false;
        for role in Role::ALL {
            stats.lists += 1;
            match fetch::list(t, role, timeout) {
                Ok(listed) => {
                    read_any = true;
                    stats.rows += listed.rows.len() as u64;
                    unreadable(&t.shown, role, listed.unreadable);
                    board.whole_list(node, role, listed.rows, chrono::Utc::now());
                }
                Err(Failed::Refused(why)) => {
                    return Err(Failure::AuthRefused(format!("{}: {why}", t.shown)))
                }
                Err(Failed::Unreachable(why)) if !read_any && role == Role::Sale => {
                    failures.push(format!("{}: {why}", t.shown));
                    break;
                }
                Err(f) => warn(&list_failed(&t.shown, role, &f)),
            }
        }
    }
    if failures.len() == targets.len() {
        return Err(Failure::runtime(failures.join("; ")));
    }
    failures.iter().for_each(|f| warn(f));
    let stop = printer
        .board(&board, chrono::Utc::now())?
        .unwrap_or(Stop::InputEnded);
    stats.print(s.cfg.stats, printer);
    Ok(stop)
}
