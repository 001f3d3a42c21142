//! One frame as a source delivered it: its bytes, when it arrived and where from.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Datelike, Utc};

use crate::kind::Kind;

/// When a frame was received.
pub type Stamp = DateTime<Utc>;

/// A frame borrowed from its source for one trip through the pipeline.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// The payload exactly as received (for text frames, the text's UTF-8 bytes).
    pub bytes: Cow<'a, [u8]>,
    /// A websocket binary frame (always `invalid`: the node only sends text).
    pub binary: bool,
    pub time: Stamp,
    /// The node URL without credentials, or the replay file.
    pub source: Cow<'a, str>,
    /// Set when the source already knows the frame is unusable (too large, cut short);
    /// such a frame is `invalid` with this reason, and `bytes` holds only a preview.
    pub defect: Option<String>,
    /// The kind, when the source had to read the frame anyway to find where it ends.
    pub kind: Option<Kind<'a>>,
    /// `kind` came from the validating pass; otherwise it is what the kind would be if the
    /// frame is valid JSON, enough to drop it when the filters reject that kind.
    pub kind_validated: bool,
    /// Read back over the node's REST lists after a gap, not received on the socket.
    pub recovered: bool,
}

/// A frame that owns its data, for handing between threads (one per node).
#[derive(Debug, Clone)]
pub struct OwnedFrame {
    /// A live frame's payload, or a recovered row's (taken over without a copy).
    pub bytes: Bytes,
    pub binary: bool,
    pub time: Stamp,
    pub source: Arc<str>,
    pub defect: Option<String>,
    pub recovered: bool,
}

impl OwnedFrame {
    pub fn borrow(&self) -> Frame<'_> {
        Frame {
            bytes: Cow::Borrowed(&self.bytes),
            binary: self.binary,
            time: self.time,
            source: Cow::Borrowed(&self.source),
            defect: self.defect.clone(),
            kind: None,
            kind_validated: false,
            recovered: self.recovered,
        }
    }
}

/// RFC 3339 in UTC with microseconds: the form of `$time`, `--envelope` and `--record`.
pub fn format_time(t: &Stamp) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Reads the time back from a recorded line, in any RFC 3339 offset.
pub fn parse_time(s: &str) -> Option<Stamp> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A node's timestamp for an event, when it is one: an RFC 3339 time from 2000 to 9999.
/// Go's zero time (`0001-01-01T00:00:00Z`, what a node stores for "unset") and the far
/// years a stranger can write (`+275760-09-13T00:00:00Z`) are no time at all: such an event
/// takes its receive time rather than printing, and sorting, as from another age.
pub fn parse_node_time(s: &str) -> Option<Stamp> {
    let t = parse_time(s)?;
    (2000..=9999).contains(&t.year()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_node_times_are_no_times() {
        for s in [
            "0001-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "+275760-09-13T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "soon",
        ] {
            assert_eq!(parse_node_time(s), None, "{s}");
        }
        let t = parse_node_time("2026-12-02T00:45:40Z").unwrap();
        assert_eq!(format_time(&t), "2026-12-02T00:45:40.000000Z");
    }

    #[test]
    fn times_round_trip_through_records() {
        let t = parse_time("2020-11-20T14:01:44.218733-05:00").unwrap();
        assert_eq!(format_time(&t), "2020-11-20T19:01:44.218733Z");
        assert_eq!(parse_time(&format_time(&t)), Some(t));
        assert_eq!(parse_time("yesterday"), None);
    }
}
