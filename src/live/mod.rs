//! Live nodes as a `Source`: one thread per node URL connects, reads and reconnects, and
//! sends its frames and status lines over one channel to the main thread, which merges them.
//!
//! Status lines (stderr) start with the local time: a failed attempt or a lost connection
//! says why and when the next try is; `connected` follows such a line, and marks the first
//! connection when stderr is a terminal or with `-v` (a node may be silent for minutes), so a
//! script's start stays quiet; a reconnect says how long the node was away and what was read
//! back over REST (`flow`).

pub mod answer;
pub mod auth;
mod backoff;
mod connect;
mod flow;
pub mod frames;
mod node;
pub mod recover;
pub mod rest;
mod session;
mod tls;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::{Env, LiveSettings};
use crate::exit::{Failure, Stop};
use crate::frame::OwnedFrame;
use crate::sanitize::escape;
use crate::source::{Next, Source};
use crate::stats::{Col, Stats};

pub use crate::endpoint::url::redact;
use crate::endpoint::url::{self, split_label, NodeUrl, DEFAULT_URL};
use auth::AuthOptions;
pub use connect::Target;
use flow::FlowShared;
use node::run_node;

/// How often blocked waits look at the stop flags, and the longest gap between `Idle`s.
const TICK: Duration = Duration::from_millis(100);
/// How long a stopping obtail waits for node threads to send their close frames.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// What node threads tell the main thread.
pub enum Msg {
    /// Frames from one socket read (or one recovery), oldest first, and the bytes counted
    /// for them in `queued`.
    Frames(Vec<OwnedFrame>, usize),
    /// A status line for stderr, without the `obtail: ` prefix, and when it was made.
    Note(String, Instant),
    /// A node thread's last word as obtail stops (frames it dropped): printed even then,
    /// when other notes are not.
    Last(String),
    /// obtail must stop with this failure (refused auth, untrusted certificate).
    Fatal(Failure),
    /// The node's connection ended and it is not retried (`--no-reconnect`).
    Ended { clean: bool, reason: String },
}

/// The merged stream of every node's frames.
pub struct LiveSource {
    rx: Receiver<Msg>,
    current: Option<OwnedFrame>,
    /// The rest of the batch `current` came from.
    batch: std::vec::IntoIter<OwnedFrame>,
    /// Bytes counted in `queued` for that batch: given back when it is done, so `queued`
    /// never counts less than what is waiting.
    batch_bytes: usize,
    idle_reported: bool,
    /// Tells node threads to close and stop.
    stop: Arc<AtomicBool>,
    /// Set by Ctrl-C.
    interrupted: Arc<AtomicBool>,
    nodes: usize,
    first_failure: Option<String>,
    /// The widest node label (URL or name), for output that lines labels up.
    pub label_width: usize,
    /// Bytes of frames in the channel (`--buffer` bounds it; node threads drop beyond).
    queued: Arc<AtomicUsize>,
    /// Frames node threads dropped or found doubled, for `--stats`.
    tally: Arc<Mutex<Stats>>,
    /// Frames still queued when obtail stopped: never printed, counted at shutdown.
    unprinted: u64,
    /// When obtail decided to stop.
    stopped_at: Option<Instant>,
    /// `-q`.
    quiet: bool,
}

/// Per-thread settings of the read loop.
#[derive(Clone, Copy)]
pub(crate) struct Liveness {
    ping_interval: Duration,
    ping_timeout: Duration,
    reconnect: bool,
    announce: bool,
    max_backoff: Duration,
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
        // Before a password prompt: what the node stores while the user types is theirs.
        let started = chrono::Utc::now();
        let targets = targets(urls, s, max_frame, env)?;
        Self::from_targets(targets, s, started)
    }

    /// Starts one thread per node already resolved (`targets`); `started` is when obtail
    /// began (what the node stored since is read back at the first connection).
    pub fn from_targets(
        targets: Vec<Target>,
        s: &LiveSettings,
        started: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, Failure> {
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
            max_backoff: s.max_backoff,
        };
        // Unbounded as a channel, bounded in bytes by `queued`: node threads never wait on
        // the main thread, so a slow stdout never stops the socket being read.
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let queued = Arc::new(AtomicUsize::new(0));
        let tally = Arc::new(Mutex::new(Stats::default()));
        let shared = FlowShared {
            tx,
            queued: queued.clone(),
            cap: s.buffer,
            stop: stop.clone(),
            tally: tally.clone(),
            recover: s.recover,
            rest_timeout: s.connect_timeout,
            since: s.since.map(|d| d.map(flow::ago)),
            started,
            quiet: s.quiet,
        };
        let nodes = targets.len();
        let label_width = targets
            .iter()
            .map(|t| escape(&t.shown).chars().count())
            .max()
            .unwrap_or(0);
        for target in targets {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("node {}", target.shown))
                .spawn(move || run_node(target, liveness, shared))
                .map_err(|e| Failure::runtime(format!("cannot start a thread: {e}")))?;
        }
        drop(shared);
        Ok(LiveSource {
            rx,
            current: None,
            batch: Vec::new().into_iter(),
            batch_bytes: 0,
            idle_reported: false,
            stop,
            interrupted,
            nodes,
            first_failure: None,
            label_width,
            queued,
            tally,
            unprinted: 0,
            stopped_at: None,
            quiet: s.quiet,
        })
    }

    /// What node threads counted: frames dropped while the queue was full, and doubles.
    pub fn stats(&self) -> Stats {
        self.tally.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Stops the node threads; returns how many frames read from the sockets were still
    /// queued, never to be printed (they are in `stats` as queued).
    pub fn stop(&mut self) -> u64 {
        self.shutdown();
        self.unprinted
    }

    /// Asks node threads to close, and waits a little for them to do it. Frames still queued
    /// are not printed but counted, so the books stay whole; what node threads say as they
    /// stop (drops) is printed.
    fn shutdown(&mut self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        self.stopped_at = Some(Instant::now());
        let rest = std::mem::take(&mut self.batch).collect();
        self.left_over(Msg::Frames(rest, 0));
        let until = Instant::now() + STOP_GRACE;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left.min(TICK)) {
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
                Ok(msg) => self.left_over(msg),
            }
        }
        // A node thread still closing: what it has sent so far is in the books too.
        while let Ok(msg) = self.rx.try_recv() {
            self.left_over(msg);
        }
    }

    /// A message met after obtail decided to stop.
    fn left_over(&mut self, msg: Msg) {
        match msg {
            Msg::Frames(frames, _) => {
                self.unprinted += frames.len() as u64;
                if let Ok(mut t) = self.tally.lock() {
                    for f in frames {
                        let kind = flow::kind_of(&f);
                        let col = if f.recovered {
                            Col::Recovered
                        } else {
                            Col::Received
                        };
                        t.add(&f.source, &kind, col, 1);
                        t.add(&f.source, &kind, Col::Queued, 1);
                    }
                }
            }
            Msg::Last(line) => warn_line(&line),
            // A line about what happened before obtail stopped (a reconnect whose read-back
            // just finished) is history too; one about what happened after is not.
            Msg::Note(line, made) if self.stopped_at.is_some_and(|s| made < s) => warn_line(&line),
            Msg::Note(..) => {}
            Msg::Fatal(_) | Msg::Ended { .. } => {}
        }
    }

    /// A node thread finished (only with `--no-reconnect`).
    fn node_ended(&mut self, clean: bool, reason: String) {
        // A failure of the only node is the error obtail ends with; anything else is said.
        if (self.nodes > 1 || clean) && !self.quiet {
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
            if let Some(f) = self.batch.next() {
                return Ok(Next::Frame(self.current.insert(f).borrow()));
            }
            if self.batch_bytes > 0 {
                self.queued.fetch_sub(self.batch_bytes, Ordering::AcqRel);
                self.batch_bytes = 0;
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
                Msg::Frames(frames, bytes) => {
                    self.batch = frames.into_iter();
                    self.batch_bytes = bytes;
                    self.idle_reported = false;
                }
                Msg::Note(line, _) | Msg::Last(line) => warn_line(&line),
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

/// Every node's URL, credentials and TLS settings, checked before any thread starts (and
/// before any REST call: `orders` reads the lists with the targets the socket uses).
pub fn targets(
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
        // A named node of the config file brings its own credentials and certificate.
        let own = s.for_label(label);
        let named = !std::ptr::eq(own, s);
        let node_auth = match named {
            true => AuthOptions::resolve(own, env)?.for_node(&url)?,
            false => auth.for_node(&url)?,
        };
        let node_tls = match named && url.secure {
            true => Some(tls::client_config(own.cacert.as_deref(), own.insecure)?),
            false => url.secure.then(|| tls.clone()).flatten(),
        };
        targets.push(Target {
            auth: node_auth,
            shown: label.map_or_else(|| url.shown(), str::to_string).into(),
            tls: node_tls,
            default_url,
            url,
            connect_timeout: s.connect_timeout,
            max_frame,
        });
    }
    Ok(targets)
}

/// A flag Ctrl-C (or SIGTERM, SIGHUP) sets, checked on every tick; a second one ends at
/// once, should the polite close hang.
fn catch_ctrl_c() -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        unblock::prepare();
        match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
            Ok(mut signals) => {
                let _ = std::thread::Builder::new()
                    .name("signals".into())
                    .spawn(move || {
                        for signal in signals.forever() {
                            if flag.swap(true, Ordering::SeqCst) {
                                std::process::exit(128 + signal);
                            }
                            crate::signal::caught(signal);
                            unblock::start();
                        }
                    });
            }
            Err(e) => warn(&format!("cannot catch Ctrl-C: {e}")),
        }
    }
    #[cfg(not(unix))]
    if let Err(e) = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    }) {
        warn(&format!("cannot catch Ctrl-C: {e}"));
    }
    interrupted
}

/// Ctrl-C while stdout is blocked (a paused pager): the main thread is in a write that would
/// wait for the reader. A signal without SA_RESTART makes that write return, and the sink
/// then gives it up, so the first Ctrl-C ends obtail promptly, with its books.
#[cfg(unix)]
mod unblock {
    use std::sync::OnceLock;
    use std::time::Duration;

    /// The main thread, which writes stdout.
    static MAIN: OnceLock<libc::pthread_t> = OnceLock::new();

    extern "C" fn nothing(_: libc::c_int) {}

    /// On the main thread, before any Ctrl-C. SIGURG is ignored by default, so one sent from
    /// elsewhere changes nothing but an interrupted (and retried) system call.
    pub fn prepare() {
        // SAFETY: a zeroed sigaction is a valid empty one; the handler does nothing, so it
        // is async-signal-safe; pthread_self has no preconditions.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = nothing as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(libc::SIGURG, &sa, std::ptr::null_mut()) == 0 {
                let _ = MAIN.set(libc::pthread_self());
            }
        }
    }

    /// At the first Ctrl-C: until obtail ends, a write to stdout still under way is
    /// interrupted (a write that was about to begin is caught on the next round).
    pub fn start() {
        let Some(&main) = MAIN.get() else {
            return;
        };
        crate::sink::give_up_blocked_writes();
        let _ = std::thread::Builder::new()
            .name("unblock stdout".into())
            .spawn(move || loop {
                if crate::sink::writing() {
                    // SAFETY: `main` is the main thread, alive as long as the process is.
                    unsafe {
                        libc::pthread_kill(main, libc::SIGURG);
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            });
    }
}

/// A status line about a node: local time, the node, what happened.
fn stamped(shown: &str, line: &str) -> String {
    format!(
        "{} {shown}: {line}",
        chrono::Local::now().format("%H:%M:%S")
    )
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
