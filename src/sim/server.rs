//! The node's threads: the accept loop, the story teller, and the fault schedules.
//!
//! Threads, no async: one accept loop, one story thread, a thread per HTTP connection (which
//! becomes a websocket client's reader) and a writer per websocket client (`client`).

use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use fastrand::Rng;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::api::serve;
use super::client::Hub;
use super::node::{loopback, Node};
use super::oracle::{Log, REQUESTS};
use super::state::State;
use super::store::Store;
use super::story::{Beat, Story, OPENING};
use super::{SimAuth, SimOptions};
use crate::cli::Generation;
use crate::exit::Failure;

/// A running simulated node. Dropping it stops it too.
pub struct SimHandle {
    addr: SocketAddr,
    banner: String,
    url: String,
    shared: Arc<Node>,
    threads: Vec<JoinHandle<()>>,
}

impl SimHandle {
    /// The address actually bound (the real port when asked for port 0).
    #[cfg(test)]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The websocket URL a client on this machine should use.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Waits until the listener is open (with `up_before`, once the story has run ahead);
    /// false if it is not open within `timeout`, or the node stops.
    pub fn wait_listening(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        let mut run = self.shared.state.lock();
        while !run.listening {
            if run.stopping || Instant::now() >= until {
                return false;
            }
            run = self.shared.state.wait(run, Some(until));
        }
        true
    }

    /// The stderr line's text: where it listens and how the story is told.
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// Ends the node as `obtail sim` does at Ctrl-C or `--duration`: the story stops, every
    /// client gets a close frame (1001, going away), and the server threads end. Returns how
    /// many clients were connected.
    pub fn stop(mut self) -> usize {
        self.shutdown()
    }

    fn shutdown(&mut self) -> usize {
        if self.threads.is_empty() {
            return 0;
        }
        self.shared.state.end();
        let closed = self.shared.hub.close_all(1001);
        self.shared.state.stop();
        // The accept loop blocks in accept(); a connection of our own wakes it.
        let _ = TcpStream::connect_timeout(&loopback(self.addr), Duration::from_secs(1));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.shared.hub.drop_all();
        closed
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

pub(super) fn start(opts: SimOptions, addr: SocketAddr) -> Result<SimHandle, Failure> {
    let tls = match &opts.tls {
        Some((cert, key)) => Some(Arc::new(tls_config(cert, key)?)),
        None => None,
    };
    let listener = TcpListener::bind(addr).map_err(|e| {
        if e.kind() == io::ErrorKind::AddrInUse {
            Failure::runtime(format!(
                "cannot listen on {addr}: address in use; pick another with --listen"
            ))
        } else {
            Failure::runtime(format!("cannot listen on {addr}: {e}"))
        }
    })?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() && opts.auth == SimAuth::None {
        eprintln!("obtail sim: warning: {addr} is reachable from other machines and needs no auth");
    }
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/ws", loopback(addr));
    let banner = format!("{url} ({})", describe(&opts));
    let node = Arc::new(Node {
        state: State::default(),
        hub: Hub::default(),
        store: Mutex::new(Store::default()),
        requests: Mutex::new(Log::new(REQUESTS)),
        hostile: Mutex::new(Rng::with_seed(opts.seed ^ 0x6f62_7461_696c)),
        auth: opts.auth.clone(),
        tls,
        recording: opts.frames.clone(),
        speed: opts.speed,
        looping: opts.looping,
        addr,
        down_for: opts.down_for,
    });
    let mut threads = Vec::new();
    let n = node.clone();
    threads.push(match opts.up_before {
        // The story runs ahead with the port closed; the listener opens when it is time.
        Some(ahead) => {
            drop(listener);
            let banner = opts.announce.then(|| banner.clone());
            let speed = opts.speed;
            thread::spawn(move || open_later(&n, ahead, speed, banner.as_deref()))
        }
        None => {
            node.state.lock().listening = true;
            thread::spawn(move || accept_loop(&n, listener))
        }
    });
    threads.extend(schedules(&node, &opts));
    if opts.frames.is_none() {
        let n = node.clone();
        threads.push(thread::spawn(move || tell(&n, &opts)));
    }
    Ok(SimHandle {
        addr,
        banner,
        url,
        shared: node,
        threads,
    })
}

/// How the story is told: the banner's parenthesis.
fn describe(opts: &SimOptions) -> String {
    let speed = if opts.speed == 0.0 {
        "max".to_string()
    } else {
        format!("{}x", opts.speed)
    };
    let node = match opts.generation {
        Generation::V013 => "0.13",
        Generation::V014 => "0.14",
    };
    let what = match &opts.frames {
        Some(rec) => format!("{} recorded frames", rec.len()),
        None => format!("seed {}", opts.seed),
    };
    format!("{what}, speed {speed}, node {node}")
}

/// The threads that bring faults on a schedule: restarts, stalls, REST faults.
fn schedules(node: &Arc<Node>, opts: &SimOptions) -> Vec<JoinHandle<()>> {
    let mut threads = Vec::new();
    if let Some(every) = opts.restart_every {
        let n = node.clone();
        threads.push(thread::spawn(move || {
            while !n.state.sleep_until(Instant::now() + every) {
                n.restart();
            }
        }));
    }
    if let Some((every, length)) = opts.stall {
        let n = node.clone();
        threads.push(thread::spawn(move || {
            while !n.state.sleep_until(Instant::now() + every) {
                n.state.stall(Some(length));
                if n.state.sleep_until(Instant::now() + length) {
                    return;
                }
            }
        }));
    }
    if let Some((fault, every, length)) = opts.rest_fault {
        let n = node.clone();
        threads.push(thread::spawn(move || {
            while !n.state.sleep_until(Instant::now() + every) {
                n.state.set_fault(Some(fault), Some(length));
                if n.state.sleep_until(Instant::now() + length) {
                    return;
                }
            }
        }));
    }
    threads
}

/// `--up-before`: opens the listener once the story has run for `ahead` (at `--speed 0`,
/// once it has told that much of it), then serves.
fn open_later(node: &Arc<Node>, ahead: Duration, speed: f64, banner: Option<&str>) {
    let stopped = if speed == 0.0 {
        node.state.wait_told_ahead()
    } else {
        node.state.sleep_until(Instant::now() + ahead)
    };
    if stopped {
        return;
    }
    let Some(listener) = listen_again(node) else {
        return;
    };
    node.state.lock().listening = true;
    node.state.notify();
    if let Some(banner) = banner {
        let _ = writeln!(io::stderr(), "obtail sim: listening on {banner}");
    }
    accept_loop(node, listener);
}

fn tls_config(cert: &Path, key: &Path) -> Result<ServerConfig, Failure> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| Failure::usage(format!("--tls-cert {}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(Failure::usage(format!(
            "--tls-cert {}: no certificate in it",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Failure::usage(format!("--tls-key {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| Failure::usage(format!("--tls-cert/--tls-key: {e}")))
}

/// Plays the story: waits for each beat's time, then tells it.
fn tell(node: &Node, opts: &SimOptions) {
    let mut pace = Pace {
        start: Instant::now(),
        last: Duration::ZERO,
        // Running ahead, the story tells at least its opening minute (every kind) before the
        // listener opens, however slow --speed is.
        ahead: opts.up_before.filter(|_| opts.speed > 0.0).map(|d| {
            let opening = OPENING.as_secs_f64() / d.as_secs_f64().max(0.001);
            opts.speed.max(opening)
        }),
    };
    let story = Story::new(opts.seed, opts.generation).with_hostile_chat(opts.hostile_chat);
    for beat in story {
        if !wait_for(node, opts, &mut pace, &beat) {
            return;
        }
        pace.last = beat.at;
        node.deliver(beat);
    }
}

/// Where the story's clock stands against the wall clock.
struct Pace {
    /// The wall time of story time zero.
    start: Instant,
    /// The story time of the last beat told.
    last: Duration,
    /// While the listener is closed (`--up-before`), the story runs at this speed.
    ahead: Option<f64>,
}

impl Pace {
    /// When the beat at story time `at` is due, given the time the node spent stalled.
    fn due(
        &mut self,
        at: Duration,
        speed: f64,
        listening: bool,
        paused: Duration,
    ) -> Option<Instant> {
        if let Some(fast) = self.ahead {
            if !listening {
                return super::scaled(at, fast).and_then(|d| self.start.checked_add(d + paused));
            }
            // Open now: on at --speed from where the story is, with no pause to catch up.
            self.ahead = None;
            let behind = super::scaled(self.last, speed).unwrap_or(Duration::ZERO) + paused;
            self.start = Instant::now()
                .checked_sub(behind)
                .unwrap_or_else(Instant::now);
        }
        super::scaled(at, speed).and_then(|d| self.start.checked_add(d + paused))
    }
}

/// Waits until the beat is due (never while stalled); false when the node stops.
fn wait_for(node: &Node, opts: &SimOptions, pace: &mut Pace, beat: &Beat) -> bool {
    let speed = opts.speed;
    loop {
        // As fast as possible at --speed 0, but no faster than the fastest client reads.
        let room = speed == 0.0 && node.hub.has_room();
        let mut run = node.state.lock();
        if run.stopping {
            return false;
        }
        if run.stalled() {
            drop(node.state.wait(run, None));
            continue;
        }
        if run.down {
            if run.tell_while_down > 0 {
                return true;
            }
            drop(node.state.wait(run, None));
            continue;
        }
        if run.burst > 0 {
            run.burst -= 1;
            return true;
        }
        if speed == 0.0 {
            // Up before its listener at --speed 0, the node tells that much story at once
            // (its opening minute at least), then opens it.
            if let (false, Some(ahead)) = (run.listening, opts.up_before) {
                if beat.at <= ahead.max(OPENING) {
                    return true;
                }
                if !run.told_ahead {
                    run.told_ahead = true;
                    drop(run);
                    node.state.notify();
                    continue;
                }
            }
            if room {
                return true;
            }
            let soon = Instant::now() + Duration::from_millis(2);
            drop(node.state.wait(run, Some(soon)));
            continue;
        }
        let deadline = pace.due(beat.at, speed, run.listening, run.paused());
        match deadline {
            Some(t) if Instant::now() >= t => return true,
            _ => drop(node.state.wait(run, deadline)),
        }
    }
}

fn accept_loop(node: &Arc<Node>, mut listener: TcpListener) {
    loop {
        let conn = listener.accept();
        let down = {
            let run = node.state.lock();
            if run.stopping {
                return;
            }
            run.down
        };
        if down {
            // Down: refuse connections until the restart is over, then listen again.
            drop(conn);
            drop(listener);
            {
                let mut run = node.state.lock();
                while run.down && !run.stopping {
                    run = node.state.wait(run, None);
                }
                if run.stopping {
                    return;
                }
            }
            match listen_again(node) {
                Some(l) => listener = l,
                None => return,
            }
            continue;
        }
        let Ok((tcp, _)) = conn else { continue };
        let n = node.clone();
        thread::spawn(move || {
            let _ = serve(&n, tcp);
        });
    }
}

fn listen_again(node: &Node) -> Option<TcpListener> {
    for _ in 0..100 {
        match TcpListener::bind(node.addr) {
            Ok(l) => return Some(l),
            Err(e) => {
                if node
                    .state
                    .sleep_until(Instant::now() + Duration::from_millis(50))
                {
                    return None;
                }
                if e.kind() != io::ErrorKind::AddrInUse {
                    let _ = writeln!(
                        io::stderr(),
                        "obtail sim: cannot listen again on {}: {e}",
                        node.addr
                    );
                }
            }
        }
    }
    let _ = writeln!(
        io::stderr(),
        "obtail sim: cannot listen again on {}; giving up",
        node.addr
    );
    None
}
