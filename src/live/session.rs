//! One open connection: reads frames until it ends, sends pings when the line is quiet and
//! declares the connection dead when nothing, not even a pong, comes back in time.
//!
//! obtail never sends a data frame: the node would echo it to every client.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tungstenite::error::{CapacityError, ProtocolError};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Error, Message};

use super::connect::{is_timeout, Ws};
use super::flow::Flow;
use super::frames::judge_close;
use super::human;
use crate::exit::io_reason;
use crate::frame::{OwnedFrame, Stamp};

/// How long obtail waits for the node to answer its close frame.
const CLOSE_GRACE: Duration = Duration::from_millis(500);
/// A read tick (100 ms) that took this long means obtail itself did not run (Ctrl-Z, a
/// stopped process, a suspended machine): the node is not to blame for the silence.
const FROZEN: Duration = Duration::from_millis(400);
/// How often the wall clock is read again for frames' times (see `Wall`).
const WALL_EVERY: Duration = Duration::from_secs(1);

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
    wall: Wall,
    /// The socket read before this tick's.
    last_read: Instant,
}

/// Frames' receive times from the monotonic time of the socket read they came in: the wall
/// clock is read once a second rather than once a frame, so a frame's time is never further
/// from the wall clock than the wall clock moves (NTP) in a second.
struct Wall {
    at: Instant,
    utc: Stamp,
}

impl Wall {
    fn now() -> Self {
        Wall {
            at: Instant::now(),
            utc: chrono::Utc::now(),
        }
    }

    fn stamp(&mut self, t: Instant) -> Stamp {
        if t.saturating_duration_since(self.at) >= WALL_EVERY {
            *self = Wall::now();
        }
        let since = |later: Instant, earlier: Instant| {
            chrono::TimeDelta::from_std(later.saturating_duration_since(earlier))
                .unwrap_or_default()
        };
        if t >= self.at {
            self.utc + since(t, self.at)
        } else {
            self.utc - since(self.at, t)
        }
    }
}

impl Session<'_> {
    /// Reads until the connection ends; returns how, and when the node was last heard. The
    /// socket's read timeout is the tick on which pings, liveness and the stop flag are
    /// checked.
    ///
    /// Frames are handed to the main thread in one message per socket read: they gather in
    /// the flow's batch while tungstenite finds whole frames in its buffer, and go before it
    /// next reads the socket (`Stream::hand_over_before_reading`), so no frame waits while
    /// this thread waits on the node. The clock is the time of the last socket read: frames
    /// that came in one read share it, and only a read (or its timeout) moves time on.
    pub fn run(&mut self, ws: &mut Ws) -> (Ended, Instant) {
        let now = Instant::now();
        let mut line = Line {
            heard: now,
            pinged: now,
            closing: false,
            wall: Wall::now(),
            last_read: now,
        };
        loop {
            let read = if self.stop.load(Ordering::Relaxed) {
                Some(Ended::Stopped)
            } else if let Some(end) = self.keepalive(ws, &mut line) {
                Some(end)
            } else {
                let read = ws.read();
                let stream = ws.get_mut();
                let at = stream.read_at();
                self.flow.drained(stream.drained_at());
                let read = read.map(|m| stream.data(m));
                let mut end = self.take(read, at, &mut line, stream.close_payload());
                // A node that never pauses gives no read timeout: the flow's clock still runs.
                if end.is_none() && self.flow.tick_due() && !self.flow.tick() {
                    end = Some(Ended::Stopped);
                }
                if line.closing {
                    answer_close(ws, &end);
                } else if self.flow.holding() {
                    ws.get_mut().hand_over_before_reading();
                }
                end
            };
            if let Some(end) = read {
                // Frames read before the end are printed (or counted, when obtail stops).
                let handed = self.flow.hand_over();
                if end == Ended::Stopped || !handed {
                    close(ws);
                    return (Ended::Stopped, line.heard);
                }
                return (end, line.heard);
            }
        }
    }

    /// Pings a quiet connection; ends a dead one.
    fn keepalive(&self, ws: &mut Ws, line: &mut Line) -> Option<Ended> {
        let now = ws.get_ref().read_at();
        if now.saturating_duration_since(line.last_read) >= FROZEN {
            // obtail was stopped: what the kernel kept meanwhile is read next, and the node
            // gets its ping timeout from now.
            line.heard = line.heard.max(now);
            line.pinged = line.pinged.max(now);
        }
        line.last_read = now;
        let quiet = now.saturating_duration_since(line.heard);
        if quiet >= self.ping_timeout {
            return Some(Ended::Lost(format!(
                "no traffic and no pong for {}; the connection is dead",
                human(self.ping_timeout)
            )));
        }
        if quiet >= self.ping_interval
            && now.saturating_duration_since(line.pinged) >= self.ping_interval
        {
            line.pinged = now;
            match ws.send(Message::Ping(Default::default())) {
                // Queued; a later read or write flushes it.
                Err(Error::Io(e)) if is_timeout(&e) => {}
                Err(e) => return Some(self.lost(e, line.closing)),
                Ok(()) => {}
            }
        }
        None
    }

    /// Handles one read, whose socket read returned at `at`; `Some` when the connection is
    /// over. A data message comes as its payload and whether it was binary.
    fn take(
        &mut self,
        read: Result<Result<(Bytes, bool), Message>, Error>,
        at: Instant,
        line: &mut Line,
        close: Option<&[u8]>,
    ) -> Option<Ended> {
        let delivered = match read {
            Ok(msg) => {
                line.heard = at;
                match msg {
                    Ok((bytes, binary)) => {
                        let time = line.wall.stamp(at);
                        // Copied to its own allocation: a payload shared with tungstenite's
                        // read buffer keeps the whole 16 KiB block alive while queued, and
                        // peak RSS with a full --buffer was 1.6 times the copy's.
                        let bytes = Bytes::copy_from_slice(&bytes);
                        self.deliver(bytes, binary, time, None)
                    }
                    // The closing handshake ends the session: nothing after it is read.
                    Err(Message::Close(_)) => {
                        line.closing = true;
                        return Some(closed(close));
                    }
                    Err(_) => true,
                }
            }
            // Nothing more to read (a hand-over) or a quiet tick: frames read go to the main
            // thread.
            Err(Error::Io(e)) if is_timeout(&e) => self.flow.tick(),
            // Text frames arrive as binary (`TextMarks`), so only a close frame's reason can
            // fail tungstenite's UTF-8 check: a protocol error, and the end all the same.
            Err(Error::Utf8(_)) => {
                line.closing = true;
                return Some(match close {
                    Some(payload) => closed(Some(payload)),
                    None => Ended::Lost(
                        "protocol error: the node sent text that is not UTF-8 \
                                         where RFC 6455 requires it"
                            .into(),
                    ),
                });
            }
            Err(Error::Capacity(CapacityError::MessageTooLong { size, max_size })) => {
                let defect = format!(
                    "frame of {size} bytes is larger than --max-frame-size ({max_size} bytes); \
                     skipped"
                );
                let time = line.wall.stamp(at);
                if !self.deliver(Bytes::new(), false, time, Some(defect)) {
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
    fn deliver(&mut self, bytes: Bytes, binary: bool, time: Stamp, defect: Option<String>) -> bool {
        let frame = OwnedFrame {
            bytes,
            binary,
            time,
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

/// How a session ends on the node's close frame (its payload as sent): cleanly, or, when
/// the frame breaks RFC 6455 (a reserved code, a reason that is not UTF-8), as a protocol
/// error.
fn closed(payload: Option<&[u8]>) -> Ended {
    match judge_close(payload.unwrap_or_default()) {
        Ok(_) => Ended::Closed,
        Err(why) => Ended::Lost(format!("protocol error: {why}")),
    }
}

/// Answers the node's close frame before the connection is dropped: tungstenite queued the
/// echo (1002 for a reserved code); a reason that is not UTF-8 left nothing queued, so 1007
/// says why. Best effort: the node may be gone already.
fn answer_close(ws: &mut Ws, end: &Option<Ended>) {
    if ws.can_write() && matches!(end, Some(Ended::Lost(_))) {
        let frame = CloseFrame {
            code: CloseCode::Invalid,
            reason: Default::default(),
        };
        let _ = ws.close(Some(frame));
    } else {
        let _ = ws.flush();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_times_follow_the_socket_reads() {
        let mut wall = Wall::now();
        let (t0, utc0) = (wall.at, wall.utc);
        let ms = |n| Duration::from_millis(n);
        let delta = |n| chrono::TimeDelta::milliseconds(n);
        assert_eq!(wall.stamp(t0 + ms(5)), utc0 + delta(5));
        assert_eq!(wall.stamp(t0), utc0);
        // A read from before the clock was last read (frames of one read share its time).
        assert_eq!(wall.stamp(t0 - ms(3)), utc0 - delta(3));
        // A second on, the wall clock is read again (it may have been set meanwhile).
        std::thread::sleep(ms(2));
        let later = wall.stamp(t0 + WALL_EVERY);
        assert!(wall.at > t0);
        assert!(later > utc0 + delta(999), "{later} {utc0}");
    }
}
