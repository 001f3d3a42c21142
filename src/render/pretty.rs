//! The pretty line: receive time, source (when several nodes feed one stream), kind, summary.
//!
//! The kind column has a fixed width that fits all but the longest dispute-timer names, so the
//! summaries line up while scanning.

use chrono::Local;

use crate::frame::Frame;
use crate::json::Value;
use crate::kind::Kind;
use crate::render::summary::summary;
use crate::render::words::text;
use crate::sanitize;
use crate::style::Palette;

const KIND_WIDTH: usize = 30;
const PREVIEW_MAX: usize = 160;

#[derive(Debug)]
pub struct Pretty {
    /// Show each frame's source (several nodes merged into one stream).
    pub show_source: bool,
}

impl Pretty {
    pub fn new(show_source: bool) -> Self {
        Pretty { show_source }
    }

    /// Writes the time, source and kind columns.
    pub fn head(&mut self, out: &mut String, frame: &Frame, kind: &Kind, p: &Palette) {
        let time = frame.time.with_timezone(&Local).format("%H:%M:%S%.3f");
        out.push_str(&format!("{}{time}{} ", p.time, p.reset));
        if self.show_source {
            out.push_str(&format!(
                "{}[{}]{} ",
                p.dim,
                sanitize::escape(&frame.source),
                p.reset
            ));
        }
        let name = sanitize::escape(&kind.name());
        let pad = KIND_WIDTH.saturating_sub(name.chars().count());
        out.push_str(p.family(kind.family()));
        out.push_str(&name);
        out.push_str(p.reset);
        out.extend(std::iter::repeat_n(' ', pad + 1));
        if frame.recovered {
            // Read back over REST after a gap: its time is the node's, not a receive time.
            out.push_str(p.dim);
            out.push_str("(recovered) ");
            out.push_str(p.reset);
        }
    }

    /// One line for an event: its summary, or for frames that are not events, what they are.
    pub fn line(
        &mut self,
        frame: &Frame,
        kind: &Kind,
        error: Option<&str>,
        tree: Option<&Value>,
        p: &Palette,
    ) -> String {
        let mut out = String::with_capacity(160);
        self.head(&mut out, frame, kind, p);
        match (kind, tree) {
            (Kind::Invalid, _) => {
                out.push_str(p.warn);
                out.push_str(&sanitize::escape(error.unwrap_or("unreadable frame")));
                out.push_str(p.reset);
                if !frame.bytes.is_empty() {
                    out.push_str(": ");
                    out.push_str(&preview(frame, false));
                }
            }
            (Kind::Unknown, _) | (_, None) => out.push_str(&preview(frame, true)),
            (kind, Some(tree)) => out.push_str(&summary(kind, tree, p)),
        }
        out.push('\n');
        out
    }
}

/// The frame's own text on one line, safe and cut short; `json` says it is valid JSON.
fn preview(frame: &Frame, json: bool) -> String {
    if frame.binary {
        let hex: String = frame
            .bytes
            .iter()
            .take(32)
            .map(|b| format!("{b:02x}"))
            .collect();
        let more = if frame.bytes.len() > 32 { "…" } else { "" };
        return format!("{} bytes: {hex}{more}", frame.bytes.len());
    }
    let mut compact = Vec::with_capacity(frame.bytes.len());
    if json {
        crate::json::text::write_compact(&mut compact, &frame.bytes);
    } else {
        compact.extend_from_slice(&frame.bytes);
    }
    text(&String::from_utf8_lossy(&compact), PREVIEW_MAX)
}
