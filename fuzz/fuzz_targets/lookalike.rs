//! Impostor marking (`lookalike::Lookalikes`): for any handles, the first one seen is never
//! marked but for mixing scripts; the same handle on another peer, a different text with the
//! same TR39 skeleton (computed here, apart from obtail's memory), and any handle with some
//! Latin letters swapped for their Cyrillic look-alikes are marked; judging does not change
//! the memory; the memory stays bounded; and the pretty line that shows a marked handle is
//! one terminal-safe line that says so.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use obtail::cli::Format;
use obtail::frame::Frame;
use obtail::json;
use obtail::kind::Kind;
use obtail::memory::lookalike::{Lookalikes, Suspicion, CAPACITY};
use obtail::memory::{Memory, Wants};
use obtail::render::{Event, Renderer};
use obtail::style::Palette;
use obtail_fuzz::assert_terminal_safe;
use unicode_security::skeleton;

fn order(handle: &str, id: &str) -> String {
    let handle = serde_json::to_string(handle).unwrap();
    format!(r#"{{"notification":{{"type":"order","buyerHandle":{handle},"buyerId":"{id}","orderId":"QmOrder"}}}}"#)
}

/// Latin letters with a Cyrillic twin, swapped.
fn cyrillic(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a' => 'а',
            'e' => 'е',
            'o' => 'о',
            'p' => 'р',
            'c' => 'с',
            'x' => 'х',
            'y' => 'у',
            c => c,
        })
        .collect()
}

fn bare(s: &str) -> &str {
    s.trim_start_matches('@')
}

fn pretty(frame: &str, memory: &Memory) -> String {
    let tree = json::parse(frame).unwrap();
    let f = Frame {
        bytes: Cow::Borrowed(frame.as_bytes()),
        binary: false,
        time: chrono::Utc::now(),
        source: Cow::Borrowed("fuzz"),
        defect: None,
        kind: None,
        kind_validated: false,
        recovered: false,
    };
    let kind = Kind::Notification("order".into());
    let ev = Event {
        frame: &f,
        kind: &kind,
        error: None,
        tree: Some(&tree),
        compact: None,
        memory: Some(memory),
    };
    let mut r = Renderer::new(Format::Pretty, false, Palette::plain(), true, false);
    let mut out = Vec::new();
    r.render(&ev, &mut out);
    String::from_utf8(out).unwrap()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}');
    let (Some(first), Some(second)) = (parts.next(), parts.next()) else {
        return;
    };
    if bare(first).is_empty() || bare(second).is_empty() {
        return;
    }
    let mut l = Lookalikes::default();
    let learn = |l: &mut Lookalikes, h: &str, id: &str| {
        let suspects = l.learn(&json::parse(&order(h, id)).unwrap());
        suspects.into_iter().map(|s| s.why).collect::<Vec<_>>()
    };
    for why in learn(&mut l, first, "QmFirst") {
        assert!(matches!(why, Suspicion::MixedScripts(_)), "the first is {why:?}");
    }
    let before = l.len();
    let again = l.judge(second, Some("QmSecond"), true);
    assert_eq!(l.judge(second, Some("QmSecond"), true), again, "judging twice");
    assert_eq!(l.len(), before, "judging changed the memory");
    let marked = learn(&mut l, second, "QmSecond");
    assert_eq!(marked.first(), again.as_ref(), "learning judged differently");
    let same_skeleton = skeleton(bare(first).chars().take(128).collect::<String>().as_str())
        .eq(skeleton(bare(second).chars().take(128).collect::<String>().as_str()));
    if same_skeleton {
        assert!(again.is_some(), "{second:?} reads as {first:?} and is not marked");
    }
    // Latin letters swapped for Cyrillic ones: marked, whatever the rest.
    let twin = cyrillic(first);
    if twin != first && first.chars().count() <= 128 {
        let mut memory = Memory::new(Wants {
            handles: true,
            lookalikes: true,
            peer_handle: None,
        });
        memory.learn(&json::parse(&order(first, "QmFirst")).unwrap());
        let why = memory.lookalikes.judge(&twin, Some("QmTwin"), true);
        assert!(why.is_some(), "{twin:?} poses as {first:?} unmarked");
        let line = pretty(&order(&twin, "QmTwin"), &memory);
        assert_terminal_safe(line.as_bytes(), false, false, "pretty");
        assert_eq!(line.matches('\n').count(), 1, "{line:?}");
        assert!(line.contains(" ["), "no mark: {line:?}");
    }
    // Bounded, whatever arrives.
    for (i, h) in parts.take(CAPACITY + 2).enumerate() {
        learn(&mut l, h, &format!("Qm{i}"));
    }
    assert!(l.len() <= CAPACITY);
});
