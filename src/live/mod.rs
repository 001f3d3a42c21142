//! Live nodes as a `Source`: one thread per node URL connects, reads and reconnects, and
//! sends its frames and status lines over one channel to the main thread, which merges them.
//!
//! Status lines (stderr): a failed attempt or a lost connection says why and when the next
//! try is; `connected` follows such a line, and marks the first connection when stderr is a
//! terminal or with `-v` (a node may be silent for minutes), so a script's start stays quiet.

pub mod auth;
mod backoff;
mod connect;
pub mod frames;
mod session;
mod tls;
pub mod url;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{Env, LiveSettings};
use crate::exit::{Failure, Stop};
use crate::frame::OwnedFrame;
use crate::sanitize::escape;
use crate::source::{Next, Source};

use auth::AuthOptions;
use backoff::{Backoff, HEALTHY};
use connect::{connect, AttemptError, Target};
use session::{Ended, Session};
pub use url::redact;
use url::{split_label, NodeUrl, DEFAULT_URL};

/// How often blocked waits look at the stop flags, and the longest gap between `Idle`s.
const TICK: Duration = Duration::from_millis(100);
/// Frames queued between the node threads and the pipeline; a full queue makes the node
/// threads wait, so memory stays bounded when stdout is slow.
const QUEUE: usize = 1024;
/// How long a stopping obtail waits for node threads to send their close frames.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// What node threads tell the main thread.
pub enum Msg {
    Frame(OwnedFrame),
    /// A status line for stderr, without the `obtail: ` prefix.
    Note(String),
    /// obtail must stop with this failure (refused auth, untrusted certificate).
    Fatal(Failure),
    /// The node's connection ended and it is not retried (`--no-reconnect`).
    Ended {
        clean: bool,
        reason: String,
    },
}

/// The merged stream of every node's frames.
pub struct LiveSource {
    rx: Receiver<Msg>,
    current: Option<OwnedFrame>,
    idle_reported: bool,
    /// Tells node threads to close and stop.
    stop: Arc<AtomicBool>,
    /// Set by Ctrl-C.
    interrupted: Arc<AtomicBool>,
    nodes: usize,
    first_failure: Option<String>,
    /// The widest node label (URL or name), for output that lines labels up.
    pub label_width: usize,
}

/// Per-thread settings of the read loop.
#[derive(Clone, Copy)]
struct Liveness {
    ping_interval: Duration,
    ping_timeout: Duration,
    reconnect: bool,
    announce: bool,
}

impl LiveSource {
    /// Resolves URLs and credentials (asking for a password here, before any thread starts)
    /// and starts one thread per node.
    pub fn start(
        urls: &[String],
        s: &LiveSettings,
        max_frame: usize,
        env: &Env,
    ) -> Result<Self, Failure> {
        let targets = targets(urls, s, max_frame, env)?;
        let interrupted = catch_ctrl_c();
        let ping_timeout = s.ping_timeout.max(Duration::from_millis(10));
        let liveness = Liveness {
            // A quiet node gets at least one ping before it is declared dead.
            ping_interval: s
                .ping_interval
                .min(ping_timeout / 2)
                .max(Duration::from_millis(5)),
            ping_timeout,
            reconnect: s.reconnect,
            announce: s.announce,
        };
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let nodes = targets.len();
        let label_width = targets
            .iter()
            .map(|t| escape(&t.shown).chars().count())
            .max()
            .unwrap_or(0);
        for target in targets {
            let (tx, stop) = (tx.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("node {}", target.shown))
                .spawn(move || run_node(target, liveness, tx, stop))
                .map_err(|e| Failure::runtime(format!("cannot start a thread: {e}")))?;
        }
        Ok(LiveSource {
            rx,
            current: None,
            idle_reported: false,
            stop,
            interrupted,
            nodes,
            first_failure: None,
            label_width,
        })
    }

    /// Asks node threads to close, and waits a little for them to do it.
    fn shutdown(&mut self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        let until = Instant::now() + STOP_GRACE;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            // Draining unblocks threads waiting on a full queue.
            if let Err(RecvTimeoutError::Disconnected) = self.rx.recv_timeout(left.min(TICK)) {
                return;
            }
        }
    }

    /// A node thread finished (only with `--no-reconnect`).
    fn node_ended(&mut self, clean: bool, reason: String) {
        if self.nodes > 1 {
            warn_line(&format!("{reason}; not reconnecting (--no-reconnect)"));
        }
        if !clean && self.first_failure.is_none() {
            self.first_failure = Some(reason);
        }
    }

    /// Every node thread has finished (only with `--no-reconnect`).
    fn all_ended(&mut self) -> Result<Next<'_>, Failure> {
        match self.first_failure.take() {
            Some(reason) => Err(Failure::runtime(reason)),
            None => Ok(Next::End(Stop::InputEnded)),
        }
    }
}

impl Source for LiveSource {
    fn next(&mut self) -> Result<Next<'_>, Failure> {
        loop {
            if self.interrupted.load(Ordering::SeqCst) {
                self.shutdown();
                return Ok(Next::End(Stop::Interrupted));
            }
            let msg = match self.rx.try_recv() {
                Ok(msg) => msg,
                Err(TryRecvError::Disconnected) => return self.all_ended(),
                Err(TryRecvError::Empty) if !self.idle_reported => {
                    self.idle_reported = true;
                    return Ok(Next::Idle);
                }
                Err(TryRecvError::Empty) => match self.rx.recv_timeout(TICK) {
                    Ok(msg) => msg,
                    // The pipeline checks its --timeout deadline between calls.
                    Err(RecvTimeoutError::Timeout) => return Ok(Next::Idle),
                    Err(RecvTimeoutError::Disconnected) => return self.all_ended(),
                },
            };
            match msg {
                Msg::Frame(f) => {
                    self.idle_reported = false;
                    return Ok(Next::Frame(self.current.insert(f).borrow()));
                }
                Msg::Note(line) => warn_line(&line),
                Msg::Fatal(failure) => {
                    self.shutdown();
                    return Err(failure);
                }
                Msg::Ended { clean, reason } => self.node_ended(clean, reason),
            }
        }
    }
}

impl Drop for LiveSource {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Every node's URL, credentials and TLS settings, checked before any thread starts.
fn targets(
    urls: &[String],
    s: &LiveSettings,
    max_frame: usize,
    env: &Env,
) -> Result<Vec<Target>, Failure> {
    let default = [DEFAULT_URL.to_string()];
    let default_url = urls.is_empty();
    let urls = if default_url { &default[..] } else { urls };
    let mut parsed: Vec<(Option<&str>, NodeUrl)> = Vec::with_capacity(urls.len());
    for arg in urls {
        let (label, u) = split_label(arg);
        if let Some(command) = url::near_command(u).filter(|_| label.is_none()) {
            return Err(Failure::usage(format!(
                "'{u}' is neither a command nor a node URL: did you mean '{command}'?"
            )));
        }
        let url = NodeUrl::parse(u)
            .map_err(|why| Failure::usage(format!("bad URL '{}': {why}", redact(u))))?;
        if let Some((_, first)) = parsed.iter().find(|(_, p)| p.request() == url.request()) {
            return Err(Failure::usage(format!(
                "{} is given twice: every event would be printed twice; give each node once",
                first.shown()
            )));
        }
        if let Some(name) = label.filter(|l| parsed.iter().any(|(p, _)| p == &Some(*l))) {
            return Err(Failure::usage(format!(
                "the label '{name}' is given to two nodes: give each its own"
            )));
        }
        parsed.push((label, url));
    }
    let tls = if parsed.iter().any(|(_, u)| u.secure) {
        if s.insecure {
            warn("-k/--insecure: the node's TLS certificate is not verified");
        }
        Some(tls::client_config(s.cacert.as_deref(), s.insecure)?)
    } else {
        None
    };
    let mut auth = AuthOptions::resolve(s, env)?;
    let mut targets = Vec::with_capacity(parsed.len());
    for (label, url) in parsed {
        targets.push(Target {
            auth: auth.for_node(&url)?,
            shown: label.map_or_else(|| url.shown(), str::to_string).into(),
            tls: url.secure.then(|| tls.clone()).flatten(),
            default_url,
            url,
            connect_timeout: s.connect_timeout,
            max_frame,
        });
    }
    Ok(targets)
}

/// A flag Ctrl-C sets, checked on every tick; a second Ctrl-C ends at once, should the
/// polite close hang.
fn catch_ctrl_c() -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    let handler = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    if let Err(e) = handler {
        warn(&format!("cannot catch Ctrl-C: {e}"));
    }
    interrupted
}

/// One node's life: connect, read, and reconnect after a backoff until told to stop.
fn run_node(target: Target, live: Liveness, tx: SyncSender<Msg>, stop: Arc<AtomicBool>) {
    let note = |line: String| {
        tx.send(Msg::Note(format!("{}: {line}", target.shown)))
            .is_ok()
    };
    let mut backoff = Backoff::default();
    let mut troubled = false;
    let mut reached = false;
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let (clean, reason) = match connect(&target, TICK) {
            Ok(mut ws) => {
                let first = !reached;
                reached = true;
                let told = if troubled {
                    note("connected".into())
                } else if first && live.announce {
                    connected(&tx, &target.shown)
                } else {
                    true
                };
                if !told {
                    return;
                }
                let began = Instant::now();
                let session = Session {
                    source: &target.shown,
                    ping_interval: live.ping_interval,
                    ping_timeout: live.ping_timeout,
                    tx: &tx,
                    stop: &stop,
                };
                let ended = session.run(&mut ws);
                if began.elapsed() >= HEALTHY {
                    backoff.reset();
                }
                match ended {
                    Ended::Stopped => return,
                    Ended::Closed => (true, "the node closed the connection".to_string()),
                    Ended::Lost(why) => (false, why),
                }
            }
            Err(AttemptError::Fatal(failure)) => {
                let _ = tx.send(Msg::Fatal(failure));
                return;
            }
            // Before the node was ever reached, retrying cannot fix a typo.
            Err(AttemptError::Permanent(why)) if !reached => {
                let line = format!("{}: {why}", target.shown);
                let _ = tx.send(Msg::Fatal(Failure::runtime(line)));
                return;
            }
            Err(AttemptError::Permanent(why)) => (false, why),
            Err(AttemptError::Retry(why)) => (false, why),
        };
        if !live.reconnect {
            let reason = format!("{}: {reason}", target.shown);
            let _ = tx.send(Msg::Ended { clean, reason });
            return;
        }
        let delay = backoff.next_delay(fastrand::f64());
        if !note(format!("{reason}; retrying in {}", human(delay))) {
            return;
        }
        troubled = true;
        sleep_unless(&stop, delay);
    }
}

/// `12:00:01 ws://127.0.0.1:4002/ws: connected`, in local time.
fn connected(tx: &SyncSender<Msg>, shown: &str) -> bool {
    let time = chrono::Local::now().format("%H:%M:%S");
    tx.send(Msg::Note(format!("{time} {shown}: connected")))
        .is_ok()
}

fn sleep_unless(stop: &AtomicBool, d: Duration) {
    let until = Instant::now() + d;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep(left.min(TICK));
    }
}

/// A duration as the status lines show it: `250ms`, `1.5s`, `30s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 10_000 && ms % 1000 >= 50 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}s", (ms + 500) / 1000)
    }
}

fn warn(msg: &str) {
    warn_line(&format!("warning: {msg}"));
}

/// One `obtail: ` line on stderr, with network text made safe for a terminal.
fn warn_line(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "obtail: {}", escape(msg));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(human(Duration::from_millis(250)), "250ms");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::from_millis(2020)), "2s");
        assert_eq!(human(Duration::from_secs(30)), "30s");
    }
}
