//! Live nodes as a `Source`: one thread per node URL connects, reads and reconnects, and
//! sends its frames and status lines over one channel to the main thread, which merges them.
//!
//! Status lines (stderr) start with the local time: a failed attempt or a lost connection
//! says why and when the next try is; `connected` is printed only after such a line, so a
//! quiet start stays quiet; a reconnect says how long the node was away and what was read
//! back over REST (`flow`).

mod auth;
mod backoff;
mod connect;
mod flow;
pub mod recover;
pub mod rest;
mod session;
mod tls;
mod url;

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
use crate::stats::Stats;

use auth::AuthOptions;
use backoff::{Backoff, HEALTHY};
use connect::{connect, AttemptError, Target};
use flow::{Flow, FlowShared, OVERHEAD, RECOVER_MAX, UNRECOVERABLE};
use session::{Ended, Session};
use url::{NodeUrl, DEFAULT_URL};

/// How often blocked waits look at the stop flags, and the longest gap between `Idle`s.
const TICK: Duration = Duration::from_millis(100);
/// How long a stopping obtail waits for node threads to send their close frames.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// What node threads tell the main thread.
pub enum Msg {
    Frame(OwnedFrame),
    /// A status line for stderr, without the `obtail: ` prefix.
    Note(String),
    /// A node thread's last word as obtail stops (frames it dropped): printed even then,
    /// when other notes are not.
    Last(String),
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
    /// Bytes of frames in the channel (`--buffer` bounds it; node threads drop beyond).
    queued: Arc<AtomicUsize>,
    /// Frames node threads dropped or found doubled, for `--stats`.
    tally: Arc<Mutex<Stats>>,
}

/// Per-thread settings of the read loop.
#[derive(Clone, Copy)]
struct Liveness {
    ping_interval: Duration,
    ping_timeout: Duration,
    reconnect: bool,
    max_backoff: Duration,
    recover: bool,
    /// `--since`: `Some(None)` for all.
    since: Option<Option<crate::frame::Stamp>>,
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
            max_backoff: s.max_backoff,
            recover: s.recover,
            since: s.since.map(|d| d.map(flow::ago)),
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
        };
        let nodes = targets.len();
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
            idle_reported: false,
            stop,
            interrupted,
            nodes,
            first_failure: None,
            queued,
            tally,
        })
    }

    /// What node threads counted: frames dropped while the queue was full, and doubles.
    pub fn stats(&self) -> Stats {
        self.tally.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Asks node threads to close, and waits a little for them to do it.
    fn shutdown(&mut self) {
        if self.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        let until = Instant::now() + STOP_GRACE;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            // Frames are left; what node threads say as they stop (drops) is printed.
            match self.rx.recv_timeout(left.min(TICK)) {
                Err(RecvTimeoutError::Disconnected) => return,
                Ok(Msg::Last(line)) => warn_line(&line),
                _ => {}
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
                    self.queued
                        .fetch_sub(f.bytes.len() + OVERHEAD, Ordering::AcqRel);
                    self.idle_reported = false;
                    return Ok(Next::Frame(self.current.insert(f).borrow()));
                }
                Msg::Note(line) | Msg::Last(line) => warn_line(&line),
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
    let urls = if urls.is_empty() { &default[..] } else { urls };
    let parsed = urls
        .iter()
        .map(|u| {
            NodeUrl::parse(u)
                .map_err(|why| Failure::usage(format!("bad URL '{}': {why}", redact(u))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let tls = if parsed.iter().any(|u| u.secure) {
        if s.insecure {
            warn("-k/--insecure: the node's TLS certificate is not verified");
        }
        Some(tls::client_config(s.cacert.as_deref(), s.insecure)?)
    } else {
        None
    };
    let mut auth = AuthOptions::resolve(s, env)?;
    let mut targets = Vec::with_capacity(parsed.len());
    for url in parsed {
        targets.push(Target {
            auth: auth.for_node(&url)?,
            shown: url.shown().into(),
            tls: url.secure.then(|| tls.clone()).flatten(),
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

/// One node's life: connect, read, and reconnect after a backoff until told to stop; after
/// every reconnect, read back what the gap hid.
fn run_node(target: Target, live: Liveness, shared: FlowShared) {
    let (tx, stop) = (shared.tx.clone(), shared.stop.clone());
    let shown = target.shown.clone();
    let note = |line: String| tx.send(Msg::Note(stamped(&shown, &line))).is_ok();
    let mut flow = Flow::new(target, shared);
    let mut backoff = Backoff::new(live.max_backoff);
    let mut troubled = false;
    let mut started = false;
    let mut baseline_failed = Vec::new();
    // When the last connection was lost, and the `Seen` mark then.
    let mut lost: Option<(Instant, crate::frame::Stamp, u64)> = None;
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if !started && live.since.is_none() && live.recover {
            baseline_failed = flow.baseline();
        }
        let (clean, reason) = match connect(&flow.target, TICK) {
            Ok(mut ws) => {
                if let Some((when, at, mark)) = lost.take() {
                    let down = human(when.elapsed());
                    let line = if live.recover {
                        let report = flow.recover(mark, Some(at), RECOVER_MAX);
                        format!(
                            "connected again after {down}; {}; {UNRECOVERABLE}",
                            report.words()
                        )
                    } else {
                        format!(
                            "connected again after {down}; events sent in the gap are not \
                             recovered (--no-recover)"
                        )
                    };
                    if !note(line) {
                        return;
                    }
                } else if troubled && !note("connected".into()) {
                    return;
                }
                if !started {
                    started = true;
                    flow.start(live.since, std::mem::take(&mut baseline_failed));
                }
                let began = Instant::now();
                let mut session = Session {
                    source: &shown,
                    ping_interval: live.ping_interval,
                    ping_timeout: live.ping_timeout,
                    flow: &mut flow,
                    stop: &stop,
                };
                let ended = session.run(&mut ws);
                if began.elapsed() >= HEALTHY {
                    backoff.reset();
                }
                lost = Some((Instant::now(), chrono::Utc::now(), flow.mark()));
                match ended {
                    Ended::Stopped => {
                        flow.finish();
                        return;
                    }
                    Ended::Closed => (true, "the node closed the connection".to_string()),
                    Ended::Lost(why) => (false, why),
                }
            }
            Err(AttemptError::Fatal(failure)) => {
                let _ = tx.send(Msg::Fatal(failure));
                return;
            }
            Err(AttemptError::Retry(why)) => (false, why),
        };
        if !live.reconnect {
            let reason = format!("{shown}: {reason}");
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

/// A status line about a node: local time, the node, what happened.
fn stamped(shown: &str, line: &str) -> String {
    format!(
        "{} {shown}: {line}",
        chrono::Local::now().format("%H:%M:%S")
    )
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

/// A URL for an error message, with any password replaced.
fn redact(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => {
            let info = &url[start..start + at];
            let user = info.split(':').next().unwrap_or("");
            let hidden = if info.contains(':') { ":***" } else { "" };
            format!("{}{user}{hidden}{}", &url[..start], &url[start + at..])
        }
        None => url.to_string(),
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

    #[test]
    fn passwords_are_redacted_from_bad_urls() {
        assert_eq!(redact("ftp://u:pw@h:1/ws"), "ftp://u:***@h:1/ws");
        assert_eq!(redact("u:p@w@h"), "u:***@h");
        assert_eq!(redact("ws://h:1/a@b"), "ws://h:1/a@b");
    }
}
