//! Reads recorded frames: a stream of JSON values, compact or pretty over many lines, in any
//! mix, or lines written by `--record` (whose time and source it restores).
//!
//! Memory stays flat: the buffer holds at most one frame (bounded by `--max-frame-size`) plus
//! one read's worth of bytes. A line that is not JSON becomes its own frame (classified
//! `invalid` later) and reading goes on with the next line.

use std::borrow::Cow;
use std::io::{self, Read};

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::classify::{classify_leading, skim};
use crate::exit::{io_reason, Failure, Stop};
use crate::frame::{self, Frame, Stamp};
use crate::kind::Kind;
use crate::source::{Next, Source};

/// Large enough that a read costs little next to the frames it brings; each byte of it is
/// resident for the whole replay (1 MiB put `-f` over 8 MiB of RSS).
const READ_SIZE: usize = 256 << 10;
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
    /// Nothing has been taken from the input yet: a byte-order mark may come first.
    at_start: bool,
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
    /// How many bytes the validating check of a doubtful value last saw, cut short.
    checked: usize,
}

/// What a doubtful value (a bracket opening a line inside it) turned out to be.
#[derive(Clone, Copy)]
enum Doubt {
    /// While skipping an oversized frame, nothing is checked: the line ends it.
    Skipping,
    /// Check the value with a validating pass; `eof` says no more bytes will come, `full`
    /// that no more will be looked at (the input ended, or the frame limit is reached).
    Check { eof: bool, full: bool },
}

enum Found {
    /// A bracketed value ends at this offset from `start`.
    Value(usize),
    /// Not a value: report the first line (up to this offset) and go on after it.
    BrokenLine(usize),
    /// While skipping: the frame ended with the newline that ended the previous read.
    EndedBefore,
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
            at_start: true,
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
        if self.at_start {
            // A UTF-8 byte-order mark (editors on Windows write one) is not part of a frame.
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let data = self.pending();
            if data.len() < BOM.len() && BOM.starts_with(data) && !self.eof {
                return None;
            }
            if data.starts_with(BOM) {
                self.start += BOM.len();
            }
            self.at_start = false;
        }
        let data = self.pending();
        let skip = data
            .iter()
            .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
            .unwrap_or(data.len());
        if skip > 0 {
            self.start += skip;
            self.scan = Scan::default();
        }
        // Nothing past the frame limit is looked at: whether a frame is oversized must not
        // depend on how much the last read happened to bring.
        let limit = self.max_frame.saturating_add(1);
        let seen_end = self.end.min(self.start.saturating_add(limit));
        let data = &self.buf[self.start..seen_end];
        // No more bytes will come for this frame: the input ended within the limit.
        let eof = self.eof && seen_end == self.end;
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
            let full = eof || data.len() == limit;
            let doubt = Doubt::Check { eof, full };
            return match find_value_end(data, &mut self.scan, doubt) {
                Found::Value(len) => Some(self.take(len, len)),
                Found::BrokenLine(len) => Some(self.take_line_at(len)),
                // A value cut short by the end of the input is one frame, however many
                // lines it had.
                // (`EndedBefore` only comes while skipping.)
                Found::NeedMore | Found::EndedBefore if eof => {
                    let len = data.len();
                    Some(self.take_line_at(len))
                }
                Found::NeedMore | Found::EndedBefore => None,
            };
        }
        match memchr::memchr(b'\n', data) {
            Some(n) => Some(self.take_line_at(n)),
            None if eof => {
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
        while text_len > 0 && matches!(data[text_len - 1], b'\r' | b'\n' | b' ' | b'\t') {
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
                find_value_end(data, &mut self.scan, Doubt::Skipping)
            } else {
                match memchr::memchr(b'\n', data) {
                    Some(n) => Found::BrokenLine(n),
                    None => Found::NeedMore,
                }
            };
            let (done, counted, used) = match found {
                Found::Value(len) => (true, len, len),
                Found::BrokenLine(len) => (true, len, (len + 1).min(data.len())),
                Found::EndedBefore => (true, 0, 0),
                // A backslash ending the bytes read in a string stays, to escape the next
                // read's first byte (a quote there must not end the string).
                Found::NeedMore if bracketed && !self.eof => {
                    let used = self.scan.pos.min(data.len());
                    (false, used, used)
                }
                Found::NeedMore => (self.eof, data.len(), data.len()),
            };
            if let Some(skip) = self.skipping.as_mut() {
                if matches!(found, Found::EndedBefore) {
                    // That newline was counted with the previous read; it is no part of it.
                    skip.size = skip.size.saturating_sub(1);
                }
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
                    // Its kind is no hint for the frame after it.
                    self.hint = None;
                    let frame = self.buf.get(a..b).unwrap_or_default();
                    let skip = Skip {
                        size: b - a,
                        preview: frame.get(..PREVIEW).unwrap_or(frame).to_vec(),
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
            if self.end - self.start > self.max_frame {
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

fn oversized(skip: Skip, max: usize, label: &str) -> Frame<'_> {
    let size = skip.size;
    let mut preview = skip.preview;
    preview.truncate(PREVIEW);
    // Whitespace at its end depends on where reads ended; it says nothing anyway.
    while preview.last().is_some_and(u8::is_ascii_whitespace) {
        preview.pop();
    }
    // A character cut by the preview's end is left out rather than shown as bad bytes.
    if let Err(e) = std::str::from_utf8(&preview) {
        if e.error_len().is_none() {
            preview.truncate(e.valid_up_to());
        }
    }
    Frame {
        bytes: Cow::Owned(preview),
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
///
/// A bracket opening a line inside an unfinished value usually starts the next value (the
/// one before was cut short), but in a pretty frame indented by zero it is a nested value.
/// The answer must not depend on where reads ended (the fast path sees whole frames), so a
/// validating pass over the value decides: a syntax error means cut short; a value cut by
/// the end of the bytes read so far waits for more.
fn find_value_end(data: &[u8], s: &mut Scan, doubt: Doubt) -> Found {
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
                // A raw newline in a string: the frame was cut there.
                _ => return Found::BrokenLine(s.pos),
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
                    let Doubt::Check { eof, full } = doubt else {
                        // The newline before the bracket ends the cut frame; while skipping,
                        // it may have come with the previous read.
                        return match s.pos.checked_sub(2) {
                            Some(newline) => Found::BrokenLine(newline),
                            None => Found::EndedBefore,
                        };
                    };
                    match check_value(data, s, eof, full) {
                        Some(found) => return found,
                        None => {
                            // Wait for more, and come back to this bracket then.
                            s.pos -= 1;
                            s.line_start = true;
                            return Found::NeedMore;
                        }
                    }
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

/// The validating pass over a doubtful value, when a bracket opens a line inside it: its
/// end, or else a cut frame that ends before that line. `None` while it may still be a
/// value cut by the end of the bytes read so far; it runs again only once those have
/// doubled, so a huge frame trickling in costs linear time, not quadratic, or once no more
/// will be looked at (`full`), so the answer is the one a single read of them gives.
fn check_value(data: &[u8], s: &mut Scan, eof: bool, full: bool) -> Option<Found> {
    if !full && data.len() < s.checked.saturating_mul(2) {
        return None;
    }
    // The bracket was just stepped over, and a newline came before it.
    let bracket = s.pos - 1;
    let cut_before_bracket = Found::BrokenLine(bracket - 1);
    match first_value(data) {
        Ok(len) => Some(Found::Value(len)),
        // serde calls some errors at the end of the bytes syntax errors (`1.` there is an
        // invalid number): they may be a value cut by the end of the bytes read so far.
        Err(e) if (e.is_eof() || near_the_end(data, &e)) && !eof => {
            s.checked = data.len();
            None
        }
        // The input ends inside the value: one cut frame, unless a whole value starts at
        // the bracket (the frame after a cut one).
        Err(e) if e.is_eof() => Some(if first_value(data.get(bracket..)?).is_ok() {
            cut_before_bracket
        } else {
            Found::NeedMore
        }),
        Err(_) => Some(cut_before_bracket),
    }
}

/// Whether a JSON error is at the last bytes of `data`, where the bytes after might change it.
fn near_the_end(data: &[u8], e: &serde_json::Error) -> bool {
    let line_start = match e.line().checked_sub(2) {
        None => 0,
        Some(newlines) => match memchr::memchr_iter(b'\n', data).nth(newlines) {
            Some(n) => n + 1,
            None => return true,
        },
    };
    // `column` counts bytes from 1; the error is at (or after) `line_start + column - 1`.
    line_start.saturating_add(e.column()).saturating_add(2) > data.len()
}

/// The length of the JSON value `data` starts with.
fn first_value(data: &[u8]) -> Result<usize, serde_json::Error> {
    let mut values = serde_json::Deserializer::from_slice(data).into_iter::<IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => Ok(values.byte_offset()),
        Some(Err(e)) => Err(e),
        None => Err(serde::de::Error::custom("no value")),
    }
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
