//! The simulated node: `obtail sim` and the in-process server behind `obtail --demo`.
//!
//! `story` writes the marketplace, `shapes` makes each generation's frames, `node` tells it
//! and keeps the node's database (`store`, with the `orders` book), `api` speaks the node's
//! HTTP, REST (`rest`, `lists`) and websocket (`client`), with `faults` and the sim's own
//! `control`s; `server` runs the threads. This module only turns options into a running server.

mod api;
mod book_control;
mod client;
mod clock;
mod control;
mod faults;
mod frames;
mod hostile;
mod html;
mod http;
mod ids;
mod lists;
mod node;
mod oracle;
mod orders;
mod query;
mod reply;
mod rest;
mod server;
mod shapes;
mod state;
mod store;
mod story;

use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use crate::cli::{Generation, SimArgs};
use crate::exit::{Failure, Stop};

use faults::Fault;
use frames::Recording;

pub use server::SimHandle;

/// What the simulated node requires from clients, as the node's `JSON-API` config would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimAuth {
    None,
    Basic {
        user: String,
        pass: String,
    },
    /// The value of the `OpenBazaar_Auth_Cookie` cookie.
    Cookie(String),
}

/// Everything the simulated node needs to run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// `HOST:PORT` to listen on; port 0 picks a free one.
    pub listen: String,
    pub auth: SimAuth,
    /// PEM certificate chain and private key: serve wss:// and https:// only.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Simulated seconds per wall second; 0 runs as fast as the fastest client reads.
    pub speed: f64,
    pub generation: Generation,
    pub seed: u64,
    /// Stop by itself after this much wall time.
    pub duration: Option<Duration>,
    /// `--frames`: serve this recording to each client instead of the story.
    pub frames: Option<Arc<Recording>>,
    pub looping: bool,
    pub restart_every: Option<Duration>,
    pub down_for: Duration,
    /// `--stall EVERY:FOR`.
    pub stall: Option<(Duration, Duration)>,
    /// `--rest-fault MODE:EVERY:FOR`.
    pub rest_fault: Option<(Fault, Duration, Duration)>,
    /// `--up-before`: the story runs this long before the listener opens.
    pub up_before: Option<Duration>,
    /// `--hostile-chat`: the story has peers who choose hostile chat ids and subjects.
    pub hostile_chat: bool,
    /// Say on stderr when a late listener opens (`obtail sim`; not a node inside obtail).
    pub announce: bool,
}

impl SimOptions {
    /// Options for `--demo`: loopback, ephemeral port, no auth.
    pub fn demo(speed: f64, seed: Option<u64>) -> SimOptions {
        SimOptions {
            listen: "127.0.0.1:0".into(),
            auth: SimAuth::None,
            tls: None,
            speed,
            generation: Generation::V014,
            seed: seed.unwrap_or_else(|| fastrand::u64(..)),
            duration: None,
            frames: None,
            looping: false,
            restart_every: None,
            down_for: Duration::from_secs(1),
            stall: None,
            rest_fault: None,
            up_before: None,
            hostile_chat: false,
            announce: false,
        }
    }
}

/// `obtail sim`: serve until Ctrl-C (exit 130) or `--duration` (exit 0), then close every
/// client cleanly with 1001 and say so on stderr.
pub fn run(args: &SimArgs) -> Result<Stop, Failure> {
    let opts = options(args)?;
    let duration = opts.duration;
    let (tx, rx) = mpsc::channel();
    // If a handler is already installed, Ctrl-C keeps its default meaning: end the process.
    let _ = ctrlc::set_handler(move || {
        let _ = tx.send(());
    });
    let up_before = opts.up_before;
    let handle = start(opts)?;
    match up_before {
        None => eprintln!("obtail sim: listening on {}", handle.banner()),
        Some(d) => eprintln!(
            "obtail sim: up; the story runs for {d:?} before it listens on {}",
            handle.banner()
        ),
    }
    let interrupted = match duration {
        Some(d) => rx.recv_timeout(d).is_ok(),
        None => rx.recv().is_ok(),
    };
    let why = if interrupted {
        "interrupted"
    } else {
        "--duration is over"
    };
    let closed = handle.stop();
    // Not eprintln!: a closed stderr must not turn a clean end into a panic.
    let _ = writeln!(
        std::io::stderr(),
        "obtail sim: {why}; closed {closed} client(s) with 1001 (going away)"
    );
    Ok(if interrupted {
        Stop::Interrupted
    } else {
        Stop::InputEnded
    })
}

/// Binds, starts the story and the accept loop, and returns at once.
pub fn start(opts: SimOptions) -> Result<SimHandle, Failure> {
    crate::units::check_speed(opts.speed).map_err(|e| Failure::usage(format!("--speed: {e}")))?;
    let addr = resolve(&opts.listen)?;
    server::start(opts, addr)
}

fn options(args: &SimArgs) -> Result<SimOptions, Failure> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        (None, None) => None,
        _ => return Err(Failure::usage("--tls-cert and --tls-key go together")),
    };
    let duration = optional_duration("--duration", &args.duration)?;
    let restart_every = optional_duration("--restart-every", &args.restart_every)?;
    if restart_every.is_some_and(|d| d.is_zero()) {
        return Err(Failure::usage("--restart-every must be longer than 0s"));
    }
    let stall = match &args.stall {
        Some(spec) => Some(every_for("--stall", spec)?),
        None => None,
    };
    let rest_fault = match &args.rest_fault {
        Some(spec) => Some(rest_fault(spec)?),
        None => None,
    };
    let frames = match &args.frames {
        Some(path) => Some(Arc::new(Recording::load(path)?)),
        None => None,
    };
    Ok(SimOptions {
        listen: args.listen.clone(),
        auth: auth(args)?,
        tls,
        speed: args.speed,
        generation: args.generation,
        seed: args.seed.unwrap_or_else(|| fastrand::u64(..)),
        duration,
        frames,
        looping: args.looping,
        restart_every,
        down_for: parse_duration("--down-for", &args.down_for)?,
        stall,
        rest_fault,
        up_before: optional_duration("--up-before", &args.up_before)?,
        hostile_chat: args.hostile_chat,
        announce: true,
    })
}

fn auth(args: &SimArgs) -> Result<SimAuth, Failure> {
    Ok(match (&args.user, &args.cookie) {
        (Some(u), _) => {
            let (user, pass) = u
                .split_once(':')
                .ok_or_else(|| Failure::usage("--user wants USER:PASS"))?;
            SimAuth::Basic {
                user: user.into(),
                pass: pass.into(),
            }
        }
        (None, Some(c)) if c.is_empty() => {
            return Err(Failure::usage("--cookie wants a non-empty value"))
        }
        (None, Some(c)) => SimAuth::Cookie(c.clone()),
        (None, None) => SimAuth::None,
    })
}

fn optional_duration(option: &str, text: &Option<String>) -> Result<Option<Duration>, Failure> {
    text.as_deref()
        .map(|d| parse_duration(option, d))
        .transpose()
}

/// `EVERY:FOR` (e.g. `30s:10s`), EVERY longer than zero.
fn every_for(option: &str, spec: &str) -> Result<(Duration, Duration), Failure> {
    let (every, length) = spec
        .split_once(':')
        .ok_or_else(|| Failure::usage(format!("{option} {spec}: want EVERY:FOR, e.g. 30s:10s")))?;
    let every = parse_duration(option, every)?;
    if every.is_zero() {
        return Err(Failure::usage(format!(
            "{option}: EVERY must be longer than 0s"
        )));
    }
    Ok((every, parse_duration(option, length)?))
}

/// `--rest-fault MODE:EVERY:FOR` (e.g. `hang:30s:5s`).
fn rest_fault(spec: &str) -> Result<(Fault, Duration, Duration), Failure> {
    let bad = |why: String| Failure::usage(format!("--rest-fault {spec}: {why}"));
    let (mode, times) = spec
        .split_once(':')
        .ok_or_else(|| bad("want MODE:EVERY:FOR, e.g. hang:30s:5s".into()))?;
    let fault = Fault::parse(mode).map_err(bad)?.ok_or_else(|| {
        bad(format!(
            "want a mode: {}",
            faults::MODES.trim_end_matches(" or none")
        ))
    })?;
    let (every, length) = every_for("--rest-fault", times)?;
    Ok((fault, every, length))
}

fn resolve(listen: &str) -> Result<SocketAddr, Failure> {
    let bad = || {
        Failure::usage(format!(
            "--listen {listen}: not an address (try 127.0.0.1:4002)"
        ))
    };
    if let Ok(addr) = listen.parse() {
        return Ok(addr);
    }
    listen
        .to_socket_addrs()
        .map_err(|_| bad())?
        .next()
        .ok_or_else(bad)
}

/// A duration option as the rest of obtail reads durations.
fn parse_duration(option: &str, text: &str) -> Result<Duration, Failure> {
    crate::units::parse_duration(text).map_err(|e| Failure::usage(format!("{option}: {e}")))
}

/// Simulated time `at` in wall time at `speed` (> 0); `None` when too far to represent.
fn scaled(at: Duration, speed: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(at.as_secs_f64() / speed).ok()
}

#[cfg(test)]
mod tests;
