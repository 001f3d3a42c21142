//! One open connection: reads frames until it ends, sends pings when the line is quiet and
//! declares the connection dead when nothing, not even a pong, comes back in time.
//!
//! obtail never sends a data frame: the node would echo it to every client.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tungstenite::error::{CapacityError, ProtocolError};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Error, Message};

use super::connect::{is_timeout, Ws};
use super::flow::Flow;
use super::human;
use crate::frame::OwnedFrame;
use crate::source::replay::io_reason;

/// How long obtail waits for the node to answer its close frame.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// How a connection ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    /// The node closed it with a close frame.
    Closed,
    /// Dropped, reset, dead or unusable; the reason in words.
    Lost(String),
    /// obtail is stopping (Ctrl-C, count reached): a close frame was sent.
    Stopped,
}

/// The settings and channels a session works with.
pub struct Session<'a> {
    pub source: &'a Arc<str>,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    /// Where frames go: the queue, the dedupe memory, recovery after drops.
    pub flow: &'a mut Flow,
    pub stop: &'a AtomicBool,
}

/// What the read loop remembers between ticks.
struct Line {
    /// When anything last arrived (a frame, a ping, a pong).
    heard: Instant,
    pinged: Instant,
    /// The node sent a close frame: whatever follows is a clean end.
    closing: bool,
}

impl Session<'_> {
    /// Reads until the connection ends. The socket's read timeout is the tick on which pings,
    /// liveness and the stop flag are checked.
    pub fn run(&mut self, ws: &mut Ws) -> Ended {
        let now = Instant::now();
        let mut line = Line {
            heard: now,
            pinged: now,
            closing: false,
        };
        loop {
            let read = if self.stop.load(Ordering::Relaxed) {
                Some(Ended::Stopped)
            } else if let Some(end) = self.keepalive(ws, &mut line) {
                Some(end)
            } else {
                let read = ws.read();
                self.take(read, &mut line)
            };
            if let Some(end) = read {
                if end == Ended::Stopped {
                    close(ws);
                }
                return end;
            }
        }
    }

    /// Pings a quiet connection; ends a dead one.
    fn keepalive(&self, ws: &mut Ws, line: &mut Line) -> Option<Ended> {
        let quiet = line.heard.elapsed();
        if quiet >= self.ping_timeout {
            return Some(Ended::Lost(format!(
                "no traffic and no pong for {}; the connection is dead",
                human(self.ping_timeout)
            )));
        }
        if quiet >= self.ping_interval && line.pinged.elapsed() >= self.ping_interval {
            line.pinged = Instant::now();
            match ws.send(Message::Ping(Default::default())) {
                // Queued; a later read or write flushes it.
                Err(Error::Io(e)) if is_timeout(&e) => {}
                Err(e) => return Some(self.lost(e, line.closing)),
                Ok(()) => {}
            }
        }
        None
    }

    /// Handles one read; `Some` when the connection is over.
    fn take(&mut self, read: Result<Message, Error>, line: &mut Line) -> Option<Ended> {
        let delivered = match read {
            Ok(msg) => {
                line.heard = Instant::now();
                match msg {
                    Message::Text(_) | Message::Binary(_) => {
                        let binary = matches!(msg, Message::Binary(_));
                        self.deliver(msg.into_data().into(), binary, None)
                    }
                    Message::Close(_) => {
                        line.closing = true;
                        true
                    }
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => true,
                }
            }
            Err(Error::Io(e)) if is_timeout(&e) => self.flow.tick(),
            Err(Error::Utf8(_)) => {
                line.heard = Instant::now();
                let defect = "text frame is not valid UTF-8".to_string();
                self.deliver(Vec::new(), false, Some(defect))
            }
            Err(Error::Capacity(CapacityError::MessageTooLong { size, max_size })) => {
                let defect = format!(
                    "frame of {size} bytes is larger than --max-frame-size ({max_size} bytes); \
                     skipped"
                );
                if !self.deliver(Vec::new(), false, Some(defect)) {
                    return Some(Ended::Stopped);
                }
                // tungstenite cannot skip the rest of the frame: the connection is unusable.
                return Some(Ended::Lost(format!(
                    "skipped a frame of {size} bytes (more than --max-frame-size); a \
                     connection cannot resume mid-frame"
                )));
            }
            Err(e) => return Some(self.lost(e, line.closing)),
        };
        (!delivered).then_some(Ended::Stopped)
    }

    /// Hands a frame to the main thread; false when it is gone.
    fn deliver(&mut self, bytes: Vec<u8>, binary: bool, defect: Option<String>) -> bool {
        let frame = OwnedFrame {
            bytes,
            binary,
            time: chrono::Utc::now(),
            source: self.source.clone(),
            defect,
            recovered: false,
        };
        self.flow.live(frame)
    }

    fn lost(&self, e: Error, closing: bool) -> Ended {
        match e {
            Error::ConnectionClosed | Error::AlreadyClosed => Ended::Closed,
            _ if closing => Ended::Closed,
            Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
                Ended::Lost("the node dropped the connection without a close frame".into())
            }
            Error::Io(e) => Ended::Lost(match e.kind() {
                io::ErrorKind::UnexpectedEof => {
                    "the node dropped the connection without a close frame".into()
                }
                io::ErrorKind::ConnectionReset => "connection reset by the node".into(),
                _ => io_reason(&e),
            }),
            other => Ended::Lost(other.to_string()),
        }
    }
}

/// Sends a close frame and waits briefly for the node's answer.
fn close(ws: &mut Ws) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: Default::default(),
    };
    // A failed send shows up again in the reads below, which also flush what is queued.
    let _ = ws.close(Some(frame));
    let until = Instant::now() + CLOSE_GRACE;
    while Instant::now() < until {
        match ws.read() {
            Ok(_) => {}
            Err(Error::Io(e)) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}
