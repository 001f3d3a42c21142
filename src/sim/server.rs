//! The node's threads: the accept loop, the story teller, and the fault schedules.
//!
//! Threads, no async: one accept loop, one story thread, a thread per HTTP connection (which
//! becomes a websocket client's reader) and a writer per websocket client (`client`).

use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tungstenite::Bytes;

use super::client::Hub;
use super::frames::Recording;
use super::http::serve;
use super::rest::Store;
use super::state::{State, BURST_AFTER_RESTART, MAX_WHILE_DOWN};
use super::story::{Beat, Story};
use super::{shapes, SimAuth, SimOptions};
use crate::cli::Generation;
use crate::exit::Failure;

/// A running simulated node. Dropping it stops it too.
pub struct SimHandle {
    addr: SocketAddr,
    banner: String,
    url: String,
    shared: Arc<Shared>,
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

/// What every thread of the node shares.
pub(super) struct Shared {
    pub state: State,
    pub hub: Hub,
    pub store: Mutex<Store>,
    pub auth: SimAuth,
    pub tls: Option<Arc<ServerConfig>>,
    /// `--frames`: each client's own playback of this recording, instead of the story.
    pub recording: Option<Arc<Recording>>,
    pub speed: f64,
    pub looping: bool,
    pub addr: SocketAddr,
    pub down_for: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn loopback(addr: SocketAddr) -> SocketAddr {
    let mut a = addr;
    if a.ip().is_unspecified() {
        a.set_ip(match a {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    a
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
    let banner = format!("{url} ({what}, speed {speed}, node {node})");
    let shared = Arc::new(Shared {
        state: State::default(),
        hub: Hub::default(),
        store: Mutex::new(Store::default()),
        auth: opts.auth.clone(),
        tls,
        recording: opts.frames.clone(),
        speed: opts.speed,
        looping: opts.looping,
        addr,
        down_for: opts.down_for,
    });
    let mut threads = Vec::new();
    let s = shared.clone();
    threads.push(thread::spawn(move || accept_loop(&s, listener)));
    if let Some(every) = opts.restart_every {
        let s = shared.clone();
        threads.push(thread::spawn(move || {
            while !s.state.sleep_until(Instant::now() + every) {
                restart(&s);
            }
        }));
    }
    if let Some((every, length)) = opts.stall {
        let s = shared.clone();
        threads.push(thread::spawn(move || {
            while !s.state.sleep_until(Instant::now() + every) {
                s.state.stall(Some(length));
                if s.state.sleep_until(Instant::now() + length) {
                    return;
                }
            }
        }));
    }
    if opts.frames.is_none() {
        let s = shared.clone();
        threads.push(thread::spawn(move || tell(&s, &opts)));
    }
    Ok(SimHandle {
        addr,
        banner,
        url,
        shared,
        threads,
    })
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

/// Plays the story: waits for each beat's time, stores it and sends it to every client.
fn tell(shared: &Shared, opts: &SimOptions) {
    let start = Instant::now();
    for beat in Story::new(opts.seed, opts.generation) {
        if !wait_for(shared, opts.speed, start, &beat) {
            return;
        }
        let persisted = beat.persisted().is_some();
        keep(&mut lock(&shared.store), &beat);
        {
            let mut run = shared.state.lock();
            if run.down {
                // Told while down: enough once there is a notification to recover.
                run.tell_while_down = if persisted {
                    0
                } else {
                    run.tell_while_down.saturating_sub(1)
                };
            }
        }
        if !beat.silent {
            shared
                .hub
                .broadcast(Bytes::from(shapes::render(&beat.frame)));
        }
    }
}

/// Waits until the beat is due (never while stalled); false when the node stops.
fn wait_for(shared: &Shared, speed: f64, start: Instant, beat: &Beat) -> bool {
    let due = super::scaled(beat.at, speed);
    loop {
        // As fast as possible at --speed 0, but no faster than the fastest client reads.
        let room = speed == 0.0 && shared.hub.has_room();
        let mut run = shared.state.lock();
        if run.stopping {
            return false;
        }
        if run.stalled() {
            drop(shared.state.wait(run, None));
            continue;
        }
        if run.down {
            if run.tell_while_down > 0 {
                return true;
            }
            drop(shared.state.wait(run, None));
            continue;
        }
        if run.burst > 0 {
            run.burst -= 1;
            return true;
        }
        if speed == 0.0 {
            if room {
                return true;
            }
            let soon = Instant::now() + Duration::from_millis(2);
            drop(shared.state.wait(run, Some(soon)));
            continue;
        }
        let deadline = due.and_then(|d| start.checked_add(d + run.paused()));
        match deadline {
            Some(t) if Instant::now() >= t => return true,
            _ => drop(shared.state.wait(run, deadline)),
        }
    }
}

/// A node restart: every client dropped without a close frame, connections refused for
/// `--down-for`, then back, telling a few beats at once as a node busy from its first
/// second does. Beats told while down are stored, so REST lists what the socket could not.
pub(super) fn restart(shared: &Shared) {
    {
        let mut run = shared.state.lock();
        if run.down || run.stopping || run.ending {
            return;
        }
        run.down = true;
        run.tell_while_down = MAX_WHILE_DOWN;
    }
    shared.state.notify();
    shared.hub.drop_all();
    // The accept loop blocks in accept(); this wakes it to close the listener.
    let _ = TcpStream::connect_timeout(&loopback(shared.addr), Duration::from_secs(1));
    if shared.state.sleep_until(Instant::now() + shared.down_for) {
        return;
    }
    {
        let mut run = shared.state.lock();
        run.down = false;
        run.tell_while_down = 0;
        run.burst = BURST_AFTER_RESTART;
    }
    shared.state.notify();
}

/// What the node's database keeps of a beat: persisted notifications and chat messages.
fn keep(store: &mut Store, beat: &Beat) {
    if beat.persisted().is_some() {
        store.put_notification(&beat.frame["notification"], beat.at.as_secs());
    }
    if let Some(m) = beat.frame.get("message") {
        store.put_chat(m, beat.at.as_nanos());
    }
}

fn accept_loop(shared: &Arc<Shared>, mut listener: TcpListener) {
    loop {
        let conn = listener.accept();
        let down = {
            let run = shared.state.lock();
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
                let mut run = shared.state.lock();
                while run.down && !run.stopping {
                    run = shared.state.wait(run, None);
                }
                if run.stopping {
                    return;
                }
            }
            match listen_again(shared) {
                Some(l) => listener = l,
                None => return,
            }
            continue;
        }
        let Ok((tcp, _)) = conn else { continue };
        let s = shared.clone();
        thread::spawn(move || {
            let _ = serve(&s, tcp);
        });
    }
}

fn listen_again(shared: &Shared) -> Option<TcpListener> {
    for _ in 0..100 {
        match TcpListener::bind(shared.addr) {
            Ok(l) => return Some(l),
            Err(e) => {
                if shared
                    .state
                    .sleep_until(Instant::now() + Duration::from_millis(50))
                {
                    return None;
                }
                if e.kind() != io::ErrorKind::AddrInUse {
                    let _ = writeln!(
                        io::stderr(),
                        "obtail sim: cannot listen again on {}: {e}",
                        shared.addr
                    );
                }
            }
        }
    }
    let _ = writeln!(
        io::stderr(),
        "obtail sim: cannot listen again on {}; giving up",
        shared.addr
    );
    None
}
