//! Reads recorded frames: a stream of JSON values, compact or pretty over many lines, in any
//! mix, or lines written by `--record` (whose time and source it restores).
//!
//! Memory stays flat: the buffer holds at most one frame (bounded by `--max-frame-size`) plus
//! one read's worth of bytes. A line that is not JSON becomes its own frame (classified
//! `invalid` later) and reading goes on with the next line.

use std::borrow::Cow;
use std::io::{self, Read};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::classify::{classify_leading, skim};
use crate::exit::{Failure, Stop};
use crate::frame::{self, Frame, Stamp};
use crate::kind::Kind;
use crate::source::{Next, Source};

const READ_SIZE: usize = 1 << 20;
/// How much of an oversized frame is kept to show in its report.
const PREVIEW: usize = 120;

pub struct Replay {
    reader: Box<dyn Read>,
    label: String,
    max_frame: usize,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    idle_reported: bool,
    scan: Scan,
    skipping: Option<Skip>,
    /// The kind of the frame `locate` just found, when finding it meant reading it, and
    /// whether that reading validated it.
    hint: Option<(Kind<'static>, bool)>,
    /// When the last read returned: the receive time of every frame it brought.
    read_time: Stamp,
}

/// An oversized frame being thrown away.
struct Skip {
    size: usize,
    preview: Vec<u8>,
    /// A `{`/`[` value (ends at its closing bracket) rather than a line (ends at newline).
    bracketed: bool,
}

/// Resumable state of the search for the end of a `{`/`[` value.
#[derive(Default, Clone, Copy)]
struct Scan {
    pos: usize,
    depth: usize,
    in_string: bool,
    line_start: bool,
}

enum Found {
    /// A bracketed value ends at this offset from `start`.
    Value(usize),
    /// Not a value: report the first line (up to this offset) and go on after it.
    BrokenLine(usize),
    NeedMore,
}

impl Replay {
    pub fn new(reader: Box<dyn Read>, label: String, max_frame: usize) -> Self {
        Replay {
            reader,
            label,
            max_frame: max_frame.max(1),
            buf: vec![0; READ_SIZE],
            start: 0,
            end: 0,
            eof: false,
            idle_reported: false,
            scan: Scan::default(),
            skipping: None,
            hint: None,
            read_time: chrono::Utc::now(),
        }
    }

    /// Opens a file, or stdin for `-`.
    pub fn open(path: &std::path::Path, max_frame: usize) -> Result<Self, Failure> {
        if path.as_os_str() == "-" {
            return Ok(Self::new(Box::new(io::stdin()), "stdin".into(), max_frame));
        }
        let file = std::fs::File::open(path).map_err(|e| {
            Failure::runtime(format!("cannot read {}: {}", path.display(), io_reason(&e)))
        })?;
        Ok(Self::new(
            Box::new(file),
            path.display().to_string(),
            max_frame,
        ))
    }

    /// Reads more input, keeping the unconsumed bytes. Returns false at EOF.
    fn fill(&mut self) -> io::Result<bool> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_SIZE / 4 {
            let wanted = (self.buf.len() * 2).min(self.max_frame + READ_SIZE);
            self.buf.resize(wanted.max(self.end + READ_SIZE / 4), 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    self.read_time = chrono::Utc::now();
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Finds the next frame's extent in the buffer, or `None` when more input is needed.
    fn locate(&mut self) -> Option<(usize, usize)> {
        let data = self.pending();
        let skip = data
            .iter()
            .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
            .unwrap_or(data.len());
        if skip > 0 {
            self.start += skip;
            self.scan = Scan::default();
        }
        let data = &self.buf[self.start..self.end];
        if data.is_empty() {
            return None;
        }
        if matches!(data[0], b'{' | b'[') {
            // Fast path: one serde pass finds the end and the kind. A value that is broken,
            // or cut by the end of the buffer, goes to the resumable scanner instead.
            if self.scan.pos == 0 {
                let found = skim(data)
                    .map(|(kind, len)| (kind, len, false))
                    .or_else(|| classify_leading(data).map(|(kind, len)| (kind, len, true)));
                if let Some((kind, len, validated)) = found {
                    self.hint = Some((kind.into_owned(), validated));
                    return Some(self.take(len, len));
                }
            }
            return match find_value_end(data, &mut self.scan) {
                Found::Value(len) => Some(self.take(len, len)),
                Found::BrokenLine(len) => Some(self.take_line_at(len)),
                Found::NeedMore if self.eof => {
                    let line = memchr::memchr(b'\n', data).unwrap_or(data.len());
                    Some(self.take_line_at(line))
                }
                Found::NeedMore => None,
            };
        }
        match memchr::memchr(b'\n', data) {
            Some(n) => Some(self.take_line_at(n)),
            None if self.eof => {
                let n = data.len();
                Some(self.take_line_at(n))
            }
            None => None,
        }
    }

    /// Takes `len` bytes as a line frame (without trailing CR/space), consuming the newline.
    fn take_line_at(&mut self, len: usize) -> (usize, usize) {
        let data = self.pending();
        let mut text_len = len;
        while text_len > 0 && matches!(data[text_len - 1], b'\r' | b' ' | b'\t') {
            text_len -= 1;
        }
        let consumed = (len + 1).min(data.len());
        self.take(text_len, consumed)
    }

    fn take(&mut self, len: usize, consumed: usize) -> (usize, usize) {
        let at = self.start;
        self.start += consumed;
        self.scan = Scan::default();
        (at, at + len)
    }

    /// Discards an oversized frame without holding it, until its end is found.
    fn skip_oversized(&mut self) -> io::Result<Option<Skip>> {
        loop {
            let data = &self.buf[self.start..self.end];
            let bracketed = self.skipping.as_ref().is_some_and(|s| s.bracketed);
            let found = if bracketed {
                find_value_end(data, &mut self.scan)
            } else {
                match memchr::memchr(b'\n', data) {
                    Some(n) => Found::BrokenLine(n),
                    None => Found::NeedMore,
                }
            };
            let (done, counted, used) = match found {
                Found::Value(len) => (true, len, len),
                Found::BrokenLine(len) => (true, len, (len + 1).min(data.len())),
                Found::NeedMore => (self.eof, data.len(), data.len()),
            };
            if let Some(skip) = self.skipping.as_mut() {
                if skip.preview.len() < PREVIEW {
                    let room = PREVIEW - skip.preview.len();
                    skip.preview.extend_from_slice(&data[..counted.min(room)]);
                }
                skip.size += counted;
            }
            self.start += used;
            self.scan.pos = self.scan.pos.saturating_sub(used);
            if done {
                self.scan = Scan::default();
                return Ok(self.skipping.take());
            }
            self.start = self.end;
            if !self.fill()? && self.start == self.end {
                self.scan = Scan::default();
                return Ok(self.skipping.take());
            }
        }
    }
}

impl Source for Replay {
    fn next(&mut self) -> Result<Next<'_>, Failure> {
        loop {
            if self.skipping.is_some() {
                if let Some(skip) = self.skip_oversized().map_err(read_failure)? {
                    return Ok(Next::Frame(oversized(skip, self.max_frame, &self.label)));
                }
            }
            if let Some((a, b)) = self.locate() {
                self.idle_reported = false;
                if b - a > self.max_frame {
                    let skip = Skip {
                        size: b - a,
                        preview: self.buf[a..a + PREVIEW].to_vec(),
                        bracketed: false,
                    };
                    return Ok(Next::Frame(oversized(skip, self.max_frame, &self.label)));
                }
                let (kind, kind_validated) = self.hint.take().unzip();
                let bytes = &self.buf[a..b];
                let frame = unwrap_record(bytes).unwrap_or(Frame {
                    bytes: Cow::Borrowed(bytes),
                    binary: false,
                    time: self.read_time,
                    source: Cow::Borrowed(&self.label),
                    defect: None,
                    kind,
                    kind_validated: kind_validated.unwrap_or(false),
                    recovered: false,
                });
                return Ok(Next::Frame(frame));
            }
            if self.end - self.start >= self.max_frame {
                self.skipping = Some(Skip {
                    size: 0,
                    preview: Vec::new(),
                    bracketed: matches!(self.pending().first(), Some(b'{' | b'[')),
                });
                continue;
            }
            if self.eof {
                return Ok(Next::End(Stop::InputEnded));
            }
            if !self.idle_reported {
                self.idle_reported = true;
                return Ok(Next::Idle);
            }
            self.fill().map_err(read_failure)?;
        }
    }
}

fn read_failure(e: io::Error) -> Failure {
    Failure::runtime(format!("cannot read replay input: {}", io_reason(&e)))
}

/// An I/O error in words, without Rust's "(os error N)" suffix.
pub fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

fn oversized(skip: Skip, max: usize, label: &str) -> Frame<'_> {
    let size = skip.size;
    Frame {
        bytes: Cow::Owned(skip.preview),
        binary: false,
        time: chrono::Utc::now(),
        source: Cow::Borrowed(label),
        kind: None,
        kind_validated: false,
        recovered: false,
        defect: Some(format!(
            "frame of {size} bytes is larger than --max-frame-size ({max} bytes); skipped"
        )),
    }
}

/// Scans for the end of a bracketed value, resuming where the last call stopped.
fn find_value_end(data: &[u8], s: &mut Scan) -> Found {
    let len = data.len();
    loop {
        if s.in_string {
            // Keys and values are mostly short: a plain loop beats a SIMD search per string.
            while s.pos < len && !matches!(data[s.pos], b'"' | b'\\' | b'\n') {
                s.pos += 1;
            }
            if s.pos >= len {
                return Found::NeedMore;
            }
            match data[s.pos] {
                b'"' => {
                    s.in_string = false;
                    s.pos += 1;
                }
                b'\\' => {
                    if s.pos + 1 >= len {
                        return Found::NeedMore;
                    }
                    s.pos += 2;
                }
                _ => return broken(data),
            }
            continue;
        }
        let Some(&b) = data.get(s.pos) else {
            return Found::NeedMore;
        };
        let was_line_start = std::mem::replace(&mut s.line_start, false);
        s.pos += 1;
        match b {
            b'"' => s.in_string = true,
            b'{' | b'[' => {
                // A bracket at the start of a line inside an unfinished value is a new value:
                // the one before it was cut short.
                if was_line_start && s.depth > 0 {
                    return broken(data);
                }
                s.depth += 1;
            }
            b'}' | b']' => {
                s.depth = s.depth.saturating_sub(1);
                if s.depth == 0 {
                    return Found::Value(s.pos);
                }
            }
            b'\n' => s.line_start = true,
            _ => {}
        }
    }
}

fn broken(data: &[u8]) -> Found {
    Found::BrokenLine(memchr::memchr(b'\n', data).unwrap_or(data.len()))
}

/// A line written by `--record` or `--envelope`.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    time: Cow<'a, str>,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "present")]
    frame: Option<&'a RawValue>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    base64: Option<String>,
    #[serde(default)]
    error: Option<String>,
    /// Read back over REST after a gap (`"recovered": true`).
    #[serde(default)]
    recovered: bool,
}

/// A member that is there, even as `null` (a recorded frame can be `null`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Restores a recorded frame's time and source; `None` for anything but a record line.
fn unwrap_record(bytes: &[u8]) -> Option<Frame<'_>> {
    if !bytes.starts_with(b"{\"time\":") {
        return None;
    }
    let record = serde_json::from_slice::<Record>(bytes).ok()?;
    let time = frame::parse_time(&record.time)?;
    let (payload, binary): (Cow<[u8]>, bool) = if let Some(raw) = record.frame {
        (Cow::Borrowed(raw.get().as_bytes()), false)
    } else if let Some(text) = record.text {
        (Cow::Owned(text.into_bytes()), false)
    } else if let Some(b64) = record.base64 {
        use base64::Engine;
        let data = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        (Cow::Owned(data), true)
    } else {
        return None;
    };
    Some(Frame {
        bytes: payload,
        binary,
        time,
        source: record.source,
        defect: record.error.filter(|_| record.frame.is_none()),
        kind: None,
        kind_validated: false,
        recovered: record.recovered,
    })
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
