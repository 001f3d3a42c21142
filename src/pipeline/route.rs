//! How every frame of a run is read: chosen once, from the settings, as a `Route`. Which
//! route a frame takes depends only on the run (kind filters, a program, a recording, content
//! filters), never on the frame, so each frame goes straight down one of three:
//!
//! ```text
//! OnePass   frame ─► validate + classify + compact (one pass) ─► filters ─► output reuses the text
//! Skim      frame ─► skim the kind ─► rejected kind: dropped unread
//!                                  └► kept: validate + compact (one pass; the skim's kind stands)
//! Program   frame ─► skim the kind ─► (rejected kind dropped unread, when `invalid` is not asked for)
//!                                  └► kept: the program's own reader validates it
//! ```
//!
//! A frame the source already read (a replay finds where each frame ends, and its kind on
//! the way) keeps the kind the source found; a frame the source knows to be unusable (too
//! large, not UTF-8, binary) is `invalid` on every route.

use crate::classify::{classify, compact_classified, invalid, skim, Classified, OnePass};
use crate::frame::Frame;
use crate::json::compactor::compact_if_valid;
use crate::kind::Kind;

/// The route of every frame of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Every frame is validated whatever its kind (nothing drops frames unread, no program
    /// reads them): one pass validates, finds the kind and writes the compact text that
    /// ndjson, json, envelopes and recordings reuse.
    OnePass,
    /// Kind filters may drop a frame unread (`invalid` is not asked for and nothing records
    /// every frame): the skim reads the few keys a kind needs; a kept frame is validated and
    /// compacted in one pass.
    Skim,
    /// A jq program reads every kept frame with its own validating reader, so nothing else
    /// reads it: the skim gives the kind, and with `drop_unread` frames of rejected kinds go
    /// unread.
    Program { drop_unread: bool },
}

impl Route {
    /// The route for a run: `drop_unread` when kind filters may drop frames unread (they
    /// reject `invalid`, and no recording needs every frame's real kind); `program_reads`
    /// when a program reads the frames and nothing else must (no recording, no id filter).
    pub fn choose(drop_unread: bool, program_reads: bool) -> Route {
        match (program_reads, drop_unread) {
            (true, drop_unread) => Route::Program { drop_unread },
            (false, true) => Route::Skim,
            (false, false) => Route::OnePass,
        }
    }

    /// Whether frames are read by a program that validates them itself.
    pub fn program_reads(self) -> bool {
        matches!(self, Route::Program { .. })
    }

    /// Reads one frame down this route. `compact` receives the frame's compact text when the
    /// route writes it; `rejects` says whether the kind filters reject a kind.
    pub fn read<'f>(
        self,
        frame: &'f Frame,
        compact: &mut Vec<u8>,
        rejects: impl FnOnce(&Kind) -> bool,
    ) -> Reading<'f> {
        if let Some(known) = known(frame) {
            return known;
        }
        let source_kind = frame.kind.clone();
        let bytes: &'f [u8] = &frame.bytes;
        match self {
            // A kind the source found unvalidated: the one pass that validates it writes the
            // compact text too.
            Route::OnePass => match source_kind {
                Some(kind) => validate(kind, bytes, compact),
                None => read_once(bytes, compact),
            },
            Route::Skim => match source_kind.or_else(|| skim_whole(bytes)) {
                Some(kind) if rejects(&kind) => Reading::unread(kind),
                Some(kind) => validate(kind, bytes, compact),
                None => Reading::of(classify(bytes), false),
            },
            Route::Program { drop_unread } => match source_kind.or_else(|| skim_whole(bytes)) {
                Some(kind) if drop_unread && rejects(&kind) => Reading::unread(kind),
                Some(kind) => Reading::of(Classified { kind, error: None }, false),
                None => Reading::of(classify(bytes), false),
            },
        }
    }
}

/// What reading a frame found.
#[derive(Debug)]
pub struct Reading<'f> {
    pub kind: Kind<'f>,
    /// Why an `invalid` frame is invalid.
    pub error: Option<String>,
    /// The frame was dropped unread: the kind filters reject its kind, whatever it holds.
    pub unread: bool,
    /// The route wrote the frame's compact text (valid frames of the validating routes).
    pub compacted: bool,
}

impl<'f> Reading<'f> {
    fn of(c: Classified<'f>, compacted: bool) -> Self {
        Reading {
            kind: c.kind,
            error: c.error,
            unread: false,
            compacted,
        }
    }

    fn unread(kind: Kind<'f>) -> Self {
        Reading {
            kind,
            error: None,
            unread: true,
            compacted: false,
        }
    }
}

/// What the source already knows: a defect, a binary frame, or a kind it validated.
fn known<'f>(frame: &'f Frame) -> Option<Reading<'f>> {
    if let Some(defect) = &frame.defect {
        return Some(Reading::of(invalid(defect.clone()), false));
    }
    if frame.binary {
        let why = format!("binary frame of {} bytes", frame.bytes.len());
        return Some(Reading::of(invalid(why), false));
    }
    match &frame.kind {
        Some(kind) if frame.kind_validated => Some(Reading::of(
            Classified {
                kind: kind.clone(),
                error: None,
            },
            false,
        )),
        _ => None,
    }
}

/// The kind stands if the frame is JSON; the one pass that says so also writes the compact
/// text. The classifier only says why it is not.
fn validate<'f>(kind: Kind<'f>, bytes: &'f [u8], compact: &mut Vec<u8>) -> Reading<'f> {
    compact.clear();
    if compact_if_valid(compact, bytes) {
        Reading::of(Classified { kind, error: None }, true)
    } else {
        Reading::of(classify(bytes), false)
    }
}

/// Validates a frame, writes its compact text and finds its kind in one pass; the classifier
/// only explains an invalid frame, or decides a kind the pass left open.
fn read_once<'f>(bytes: &'f [u8], compact: &mut Vec<u8>) -> Reading<'f> {
    compact.clear();
    match compact_classified(compact, bytes) {
        OnePass::Valid(Some(kind)) => Reading::of(Classified { kind, error: None }, true),
        OnePass::Valid(None) => {
            let c = classify(bytes);
            let valid = c.kind != Kind::Invalid;
            Reading::of(c, valid)
        }
        OnePass::Invalid => Reading::of(classify(bytes), false),
    }
}

/// The skim's kind of a frame that is one object and nothing more (JSON whitespace aside),
/// as the replay source's frames are.
fn skim_whole(bytes: &[u8]) -> Option<Kind<'_>> {
    let (kind, len) = skim(bytes)?;
    let rest = bytes.get(len..)?;
    rest.iter()
        .all(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        .then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn frame(text: &str) -> Frame<'_> {
        Frame {
            bytes: Cow::Borrowed(text.as_bytes()),
            binary: false,
            time: chrono::Utc::now(),
            source: Cow::Borrowed("test"),
            defect: None,
            kind: None,
            kind_validated: false,
            recovered: false,
        }
    }

    #[test]
    fn the_route_follows_the_settings_only() {
        assert_eq!(Route::choose(false, false), Route::OnePass);
        assert_eq!(Route::choose(true, false), Route::Skim);
        assert_eq!(
            Route::choose(true, true),
            Route::Program { drop_unread: true }
        );
        assert_eq!(
            Route::choose(false, true),
            Route::Program { drop_unread: false }
        );
    }

    #[test]
    fn one_pass_validates_classifies_and_compacts_every_frame() {
        let mut out = Vec::new();
        let f = frame("{ \"status\" : \"publishing\" }");
        let r = Route::OnePass.read(&f, &mut out, |_| true);
        assert_eq!(
            (r.kind, r.unread, r.compacted),
            (Kind::StatusPublishing, false, true)
        );
        assert_eq!(out, br#"{"status":"publishing"}"#);
        let bad = frame("{\"status\": ");
        let r = Route::OnePass.read(&bad, &mut out, |_| true);
        assert_eq!((r.kind, r.compacted), (Kind::Invalid, false));
        assert!(r.error.is_some());
    }

    #[test]
    fn skim_drops_rejected_kinds_unread_and_validates_the_kept_ones() {
        let mut out = Vec::new();
        let wallet = frame(r#"{"walletUpdate": {}}"#);
        let r = Route::Skim.read(&wallet, &mut out, |k| *k == Kind::WalletUpdate);
        assert!(r.unread && !r.compacted);
        // A kept frame is validated: a broken one is invalid whatever the skim thought.
        let broken = frame(r#"{"status": "publishing", }"#);
        let r = Route::Skim.read(&broken, &mut out, |_| false);
        assert_eq!(r.kind, Kind::Invalid);
        let kept = frame(r#"{"status": "publishing"}"#);
        let r = Route::Skim.read(&kept, &mut out, |_| false);
        assert_eq!((r.kind, r.compacted), (Kind::StatusPublishing, true));
    }

    #[test]
    fn a_program_reads_kept_frames_itself() {
        let mut out = Vec::new();
        // A number JSON does not allow, past the key the skim reads: not validated here, the
        // program's reader does it.
        let kept = frame(r#"{"status": "publishing", "n": 01}"#);
        let route = Route::Program { drop_unread: false };
        let r = route.read(&kept, &mut out, |_| false);
        assert_eq!(
            (r.kind, r.unread, r.compacted),
            (Kind::StatusPublishing, false, false)
        );
        let r = Route::Program { drop_unread: true }.read(&kept, &mut out, |_| true);
        assert!(r.unread);
    }

    #[test]
    fn what_the_source_knows_holds_on_every_route() {
        let mut out = Vec::new();
        let mut f = frame("{}");
        f.defect = Some("frame of 9 bytes is larger than --max-frame-size".into());
        for route in [
            Route::OnePass,
            Route::Skim,
            Route::Program { drop_unread: true },
        ] {
            let r = route.read(&f, &mut out, |_| true);
            assert_eq!(r.kind, Kind::Invalid);
            assert!(!r.unread, "a defect is never dropped unread");
        }
    }
}
