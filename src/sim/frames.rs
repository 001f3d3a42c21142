//! `obtail sim --frames`: a recording held in memory and played to each client on its own.
//!
//! The recording is read once with obtail's replay reader (so `--record` lines, NDJSON and
//! the node's pretty frames split exactly as `--replay` splits them) into one buffer; a
//! client's player only walks an index into it, so serving a frame allocates nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::exit::Failure;
use crate::frame::Stamp;
use crate::source::replay::Replay;
use crate::source::{Next, Source};

/// Frames larger than this are left out of a recording (and counted on stderr).
const MAX_FRAME: usize = 256 << 20;

pub struct Recording {
    data: Vec<u8>,
    /// Each frame's end in `data` and when it was sent, from the first frame.
    index: Vec<(usize, Duration)>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Recording({} frames, {} bytes)",
            self.index.len(),
            self.data.len()
        )
    }
}

impl Recording {
    /// Reads the whole recording (`-` for stdin); reports what it had to leave out.
    pub fn load(path: &Path) -> Result<Recording, Failure> {
        let mut replay = Replay::open(path, MAX_FRAME)?;
        let label = if path.as_os_str() == "-" {
            "stdin".to_string()
        } else {
            path.display().to_string()
        };
        let mut rec = Recording {
            data: Vec::new(),
            index: Vec::new(),
        };
        let mut first: Option<Stamp> = None;
        let mut last = Duration::ZERO;
        let mut skipped = Vec::new();
        loop {
            match replay.next()? {
                Next::Frame(f) => {
                    if let Some(why) = &f.defect {
                        skipped.push(why.clone());
                        continue;
                    }
                    // Only `--record` lines carry a time (and a source other than the file):
                    // plain frames have no pace and go out back to back.
                    let at = if f.source.as_ref() != label.as_str() {
                        let t0 = *first.get_or_insert(f.time);
                        (f.time - t0).to_std().unwrap_or(Duration::ZERO).max(last)
                    } else {
                        last
                    };
                    last = at;
                    rec.data.extend_from_slice(&f.bytes);
                    rec.index.push((rec.data.len(), at));
                }
                Next::Idle => {}
                Next::End(_) => break,
            }
        }
        if let Some(why) = skipped.first() {
            eprintln!(
                "obtail sim: --frames {label}: left out {} frame(s) it cannot serve, the first: {why}",
                skipped.len()
            );
        }
        // Held for the whole run: give back what growing it left over.
        rec.data.shrink_to_fit();
        rec.index.shrink_to_fit();
        if rec.index.is_empty() {
            return Err(Failure::usage(format!(
                "--frames {label}: no frames in it (want --record output, NDJSON or pretty JSON frames)"
            )));
        }
        Ok(rec)
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }
}

/// One client's place in the recording.
pub struct Player {
    rec: Arc<Recording>,
    next: usize,
    /// `None` at `--speed 0`: as fast as the client reads.
    speed: Option<f64>,
    looping: bool,
    start: Instant,
    /// The node's stalled time when this pass started: a stall holds the recording back.
    paused_at_start: Duration,
}

/// What the player has for its client now.
pub enum Cue<'a> {
    Frame(&'a [u8]),
    /// The next frame is due at this time.
    Wait(Instant),
    End,
}

impl Player {
    pub fn new(rec: Arc<Recording>, speed: f64, looping: bool, paused: Duration) -> Player {
        Player {
            rec,
            next: 0,
            speed: (speed > 0.0).then_some(speed),
            looping,
            start: Instant::now(),
            paused_at_start: paused,
        }
    }

    /// The next frame if it is due, given the node's total stalled time `paused`.
    pub fn cue(&mut self, now: Instant, paused: Duration) -> Cue<'_> {
        if self.next == self.rec.index.len() {
            if !self.looping {
                return Cue::End;
            }
            self.next = 0;
            self.start = now;
            self.paused_at_start = paused;
        }
        let (end, at) = self.rec.index[self.next];
        if let Some(speed) = self.speed {
            let shift = paused.saturating_sub(self.paused_at_start);
            let due = super::scaled(at, speed)
                .and_then(|d| self.start.checked_add(d + shift))
                .unwrap_or(now + Duration::from_secs(86_400));
            if due > now {
                return Cue::Wait(due);
            }
        }
        let start = match self.next {
            0 => 0,
            i => self.rec.index[i - 1].0,
        };
        self.next += 1;
        Cue::Frame(&self.rec.data[start..end])
    }
}
