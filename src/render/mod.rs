//! Turns an event into output bytes in the chosen format. Renderers write into a buffer and
//! decide no policy: the format, colors and terminal escaping were settled in `Config`.

pub mod amount;
pub mod fit;
pub mod label;
mod pretty;
mod summary;
pub mod words;

use base64::Engine;

use crate::cli::Format;
use crate::frame::{format_time, Frame};
use crate::json::text::{write_compact, write_indented, write_str};
use crate::json::Value;
use crate::kind::Kind;
use crate::memory::Memory;
use crate::sanitize;
use crate::style::Palette;

pub use pretty::Pretty;

/// What a renderer sees of one event.
pub struct Event<'e, 'a> {
    pub frame: &'e Frame<'a>,
    pub kind: &'e Kind<'a>,
    /// Why an `invalid` frame is invalid.
    pub error: Option<&'e str>,
    /// The frame's content, when the format needs it.
    pub tree: Option<&'e Value<'a>>,
    /// The frame's text compact and escaped, when the validating pass wrote it: reused
    /// rather than made again.
    pub compact: Option<&'e [u8]>,
    /// What the stream taught so far (handles, look-alikes), for pretty output.
    pub memory: Option<&'e Memory>,
}

/// Writes the frame's text compact and escaped, reusing the validating pass's copy.
fn write_frame_compact(ev: &Event, out: &mut Vec<u8>) {
    match ev.compact {
        Some(compact) => out.extend_from_slice(compact),
        None => write_compact(out, &ev.frame.bytes),
    }
}

#[derive(Debug)]
pub struct Renderer {
    pub format: Format,
    pub envelope: bool,
    pub palette: Palette,
    /// Stdout is a terminal: raw output escapes control characters.
    pub terminal: bool,
    pretty: Pretty,
}

impl Renderer {
    pub fn new(
        format: Format,
        envelope: bool,
        palette: Palette,
        terminal: bool,
        show_source: bool,
    ) -> Self {
        Renderer {
            format,
            envelope,
            palette,
            terminal,
            pretty: Pretty::new(show_source, None),
        }
    }

    /// Cuts pretty lines to this many columns (a terminal's width).
    pub fn with_width(mut self, width: Option<usize>) -> Self {
        self.pretty.width = width;
        self
    }

    /// A new width for the lines to come (the terminal was resized).
    pub fn set_width(&mut self, width: Option<usize>) {
        self.pretty.width = width;
    }

    /// Whether the output names peers by the handles the stream pairs with their ids, and
    /// marks the handles and names that imitate others.
    pub fn reads_names(&self) -> bool {
        self.format == Format::Pretty
    }

    /// Pads source labels in pretty lines to `width` characters.
    pub fn pad_sources(&mut self, width: usize) {
        self.pretty.source_width = width;
    }

    /// Whether `render` needs the event's tree.
    pub fn needs_tree(&self) -> bool {
        self.format == Format::Pretty
    }

    pub fn render(&mut self, ev: &Event, out: &mut Vec<u8>) {
        match self.format {
            Format::Pretty => {
                let line = self.pretty.line(
                    ev.frame,
                    ev.kind,
                    ev.error,
                    ev.tree,
                    &self.palette,
                    ev.memory,
                );
                out.extend_from_slice(line.as_bytes());
            }
            Format::Raw => {
                if self.terminal {
                    sanitize::escape_bytes_keep_lines(out, &ev.frame.bytes);
                } else {
                    out.extend_from_slice(&ev.frame.bytes);
                }
                out.push(b'\n');
            }
            Format::Ndjson => {
                self.json_event(ev, out);
                out.push(b'\n');
            }
            Format::Json => {
                let mut compact = Vec::with_capacity(ev.frame.bytes.len() + 128);
                self.json_event(ev, &mut compact);
                write_indented(out, &compact, &self.palette);
                out.push(b'\n');
            }
        }
    }

    /// The event as compact JSON: the frame itself, or its envelope; an `invalid` frame is
    /// described rather than dropped, so nothing the node sent is lost.
    fn json_event(&self, ev: &Event, out: &mut Vec<u8>) {
        if !self.envelope {
            if *ev.kind == Kind::Invalid {
                out.extend_from_slice(b"{\"invalid\":{");
                invalid_fields(ev, out);
                out.extend_from_slice(b"}}");
            } else {
                write_frame_compact(ev, out);
            }
            return;
        }
        write_envelope(ev, out);
    }

    /// Prints a value a jq program produced for an event, in place of the frame.
    pub fn render_value(
        &mut self,
        ev: &Event,
        value: &[u8],
        raw_string: Option<&str>,
        out: &mut Vec<u8>,
    ) {
        if let Some(s) = raw_string {
            if self.format != Format::Pretty && !self.envelope {
                if self.terminal {
                    sanitize::escape_bytes_keep_lines(out, s.as_bytes());
                } else {
                    out.extend_from_slice(s.as_bytes());
                }
                out.push(b'\n');
                return;
            }
        }
        match self.format {
            Format::Pretty => {
                let mut line = String::new();
                self.pretty
                    .head(&mut line, ev.frame, ev.kind, &self.palette);
                let head_len = line.len();
                match raw_string {
                    Some(s) => sanitize::escape_into(&mut line, s),
                    None => {
                        let mut compact = Vec::new();
                        write_compact(&mut compact, value);
                        line.push_str(&sanitize::escape(&String::from_utf8_lossy(&compact)));
                    }
                }
                self.pretty.finish(&mut line, head_len, &self.palette);
                out.extend_from_slice(line.as_bytes());
            }
            Format::Json | Format::Ndjson | Format::Raw => {
                let mut compact = Vec::with_capacity(value.len() + 128);
                if self.envelope {
                    envelope_head(ev, &mut compact);
                    compact.extend_from_slice(b"\"frame\":");
                    write_compact(&mut compact, value);
                    compact.push(b'}');
                } else {
                    write_compact(&mut compact, value);
                }
                if self.format == Format::Json {
                    write_indented(out, &compact, &self.palette);
                } else {
                    out.extend_from_slice(&compact);
                }
                out.push(b'\n');
            }
        }
    }
}

/// `{"time":…,"kind":…,"source":…,` (and `"recovered":true,` for an event read back
/// over REST after a gap) — shared by `--envelope` output and `--record` lines.
pub fn envelope_head(ev: &Event, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"time\":\"");
    out.extend_from_slice(format_time(&ev.frame.time).as_bytes());
    out.extend_from_slice(b"\",\"kind\":");
    write_str(out, &ev.kind.name());
    out.extend_from_slice(b",\"source\":");
    write_str(out, &ev.frame.source);
    if ev.frame.recovered {
        out.extend_from_slice(b",\"recovered\":true");
    }
    out.push(b',');
}

/// `"error":…,"text":…` (or `"base64":…` for bytes that are not text).
pub fn invalid_fields(ev: &Event, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\"error\":");
    write_str(out, ev.error.unwrap_or("invalid frame"));
    match std::str::from_utf8(&ev.frame.bytes) {
        Ok(text) if !ev.frame.binary => {
            out.extend_from_slice(b",\"text\":");
            write_str(out, text);
        }
        _ => {
            out.extend_from_slice(b",\"base64\":\"");
            out.extend_from_slice(
                base64::engine::general_purpose::STANDARD
                    .encode(&ev.frame.bytes)
                    .as_bytes(),
            );
            out.push(b'"');
        }
    }
}

/// The envelope of an event: `--envelope` output, and the `--record` line format that
/// `--replay` reads back.
pub fn write_envelope(ev: &Event, out: &mut Vec<u8>) {
    envelope_head(ev, out);
    if *ev.kind == Kind::Invalid {
        invalid_fields(ev, out);
    } else {
        out.extend_from_slice(b"\"frame\":");
        write_frame_compact(ev, out);
    }
    out.push(b'}');
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
