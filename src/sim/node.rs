//! The node itself, shared by every thread: its run state, its clients, its database and its
//! logs, and what it does to them (tell an event, restart, go behind a partition, receive
//! hostile chat).

use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use fastrand::Rng;
use rustls::ServerConfig;
use serde_json::{json, Value};
use tungstenite::Bytes;

use super::client::Hub;
use super::frames::Recording;
use super::oracle::{Log, Sent};
use super::state::{State, BURST_AFTER_RESTART, MAX_WHILE_DOWN};
use super::store::Store;
use super::story::Beat;
use super::{clock, hostile, html, shapes, SimAuth};

pub struct Node {
    pub state: State,
    pub hub: Hub,
    pub store: Mutex<Store>,
    /// `METHOD TARGET` of every `/ob/` request.
    pub requests: Mutex<Log<String>>,
    /// Where on-demand hostile chat comes from (seeded, so a seed gives the same batches).
    pub hostile: Mutex<Rng>,
    pub auth: SimAuth,
    pub tls: Option<Arc<ServerConfig>>,
    /// `--frames`: each client's own playback of this recording, instead of the story.
    pub recording: Option<Arc<Recording>>,
    pub speed: f64,
    pub looping: bool,
    pub addr: SocketAddr,
    pub down_for: Duration,
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn loopback(addr: SocketAddr) -> SocketAddr {
    let mut a = addr;
    if a.ip().is_unspecified() {
        a.set_ip(match a {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    a
}

/// Writes the wall clock into the frame's own time, where it has one (chat and wallet).
fn stamp(frame: &mut Value, at: i64) {
    for key in ["message", "wallet"] {
        if let Some(Value::Object(inner)) = frame.get_mut(key) {
            if inner.contains_key("timestamp") {
                inner.insert("timestamp".into(), clock::local_nanos(at).into());
            }
        }
    }
}

impl Node {
    /// Tells a beat now: stamps it with the wall clock, stores what the node keeps of it and
    /// sends it to every client.
    pub fn deliver(&self, mut beat: Beat) {
        let at = {
            let mut store = lock(&self.store);
            let at = store.tick(clock::now_nanos());
            stamp(&mut beat.frame, at);
            keep(&mut store, &mut beat, at);
            at
        };
        {
            let mut run = self.state.lock();
            if run.down {
                // Told while down: enough once there is a notification to recover.
                run.tell_while_down = if beat.persisted().is_some() {
                    0
                } else {
                    run.tell_while_down.saturating_sub(1)
                };
            }
        }
        if !beat.silent {
            let sent = Sent::of(&beat.frame, at);
            self.hub
                .broadcast(Bytes::from(shapes::render(&beat.frame)), sent);
        }
    }

    /// `n` incoming chat messages with ids and subjects their senders chose, about the
    /// node's orders or direct, each stored raw and sent escaped.
    pub fn hostile_chat(&self, n: usize) {
        let (peers, orders) = {
            let store = lock(&self.store);
            let orders = store.orders.all().rev().take(20).map(|o| o.id.clone());
            (store.chat_peers(), orders.collect::<Vec<_>>())
        };
        for i in 0..n {
            let (mut frame, at) = {
                let mut store = lock(&self.store);
                let mut raw = hostile::message(&mut lock(&self.hostile), i, &peers, &orders);
                let at = store.tick(clock::now_nanos());
                raw["timestamp"] = clock::local_nanos(at).into();
                store.put_chat(&raw, at);
                (json!({ "message": raw }), at)
            };
            html::sanitize(&mut frame);
            self.hub
                .broadcast(Bytes::from(shapes::render(&frame)), Sent::of(&frame, at));
        }
    }

    /// A node restart: every client dropped without a close frame, connections refused for
    /// `--down-for`, then back, telling a few beats at once as a node busy from its first
    /// second does. Beats told while down are stored, so REST lists what the socket could not.
    pub fn restart(&self) {
        {
            let mut run = self.state.lock();
            if run.down || run.stopping || run.ending || !run.listening {
                return;
            }
            run.down = true;
            run.tell_while_down = MAX_WHILE_DOWN;
        }
        self.state.notify();
        self.hub.drop_all();
        // The accept loop blocks in accept(); this wakes it to close the listener.
        let _ = TcpStream::connect_timeout(&loopback(self.addr), Duration::from_secs(1));
        if self.state.sleep_until(Instant::now() + self.down_for) {
            return;
        }
        {
            let mut run = self.state.lock();
            run.down = false;
            run.tell_while_down = 0;
            run.burst = BURST_AFTER_RESTART;
        }
        self.state.notify();
    }

    /// A silent network partition for `length`: clients hear nothing and are answered
    /// nothing meanwhile, and every websocket client is dropped (no close frame) when it ends,
    /// as the node drops a client whose queue filled behind it.
    pub fn partition(self: &Arc<Self>, length: Duration) {
        if !self.state.partition(Instant::now() + length) {
            return;
        }
        self.hub
            .cut_off
            .store(true, std::sync::atomic::Ordering::Release);
        let node = self.clone();
        thread::spawn(move || {
            // A later partition may have pushed the end back.
            loop {
                let end = node.state.lock().partition_end();
                match end {
                    Some(end) if Instant::now() < end && !node.state.sleep_until(end) => {}
                    _ => break,
                }
            }
            node.hub.drop_all();
            node.hub
                .cut_off
                .store(false, std::sync::atomic::Ordering::Release);
            node.state.heal();
        });
    }
}

/// What the node's database keeps of a beat: persisted notifications, chat messages and the
/// order book's changes, raw.
fn keep(store: &mut Store, beat: &mut Beat, at: i64) {
    let secs = clock::secs(at);
    if beat.persisted().is_some() {
        store.put_notification(&html::unsanitized(&beat.frame["notification"]), secs);
    }
    if let Some(m) = beat.frame.get("message") {
        store.put_chat(&html::unsanitized(m), at);
    }
    if let Some(event) = beat.order.take() {
        store.order_event(event, secs);
    }
}
