use std::borrow::Cow;

use super::*;
use crate::classify::classify;
use crate::fixtures;
use crate::frame::parse_time;

fn frame(text: &str) -> Frame<'_> {
    Frame {
        bytes: Cow::Borrowed(text.as_bytes()),
        binary: false,
        time: parse_time("2026-11-27T18:00:00.5Z").unwrap(),
        source: Cow::Borrowed("ws://127.0.0.1:4002/ws"),
        defect: None,
        kind: None,
        kind_validated: false,
        recovered: false,
    }
}

fn render(format: Format, envelope: bool, text: &str) -> String {
    let f = frame(text);
    let c = classify(&f.bytes);
    let tree = crate::json::parse(text).ok();
    let ev = Event {
        frame: &f,
        kind: &c.kind,
        error: c.error.as_deref(),
        tree: tree.as_ref(),
    };
    let mut r = Renderer::new(format, envelope, Palette::plain(), false, false);
    let mut out = Vec::new();
    r.render(&ev, &mut out);
    String::from_utf8(out).unwrap()
}

/// The summary column of a pretty line (after time and kind).
fn summary_of(text: &str) -> String {
    let line = render(Format::Pretty, false, text);
    let rest = line.split_once(' ').unwrap().1.trim_start();
    rest.split_once(' ').unwrap().1.trim().to_string()
}

#[test]
fn pretty_summaries_say_who_did_what_for_how_much() {
    let order = r#"{"notification":{"buyerHandle":"alice","buyerId":"QmeVMcgXsy9xyXshREU5avCYYPyrz5bgMZyTZjv44KhNnT","orderId":"QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ","price":{"amount":"1834217","currency":{"code":"BTC","divisibility":8}},"title":"Leather wallet","type":"order"}}"#;
    assert_eq!(
        summary_of(order),
        "@alice purchased 'Leather wallet' for 0.01834217 BTC · order QmbMY8sGFe"
    );
    let incoming =
        r#"{"wallet":{"confirmations":0,"memo":"","orderId":"","value":21756,"wallet":"LTC"}}"#;
    assert_eq!(
        summary_of(incoming),
        "+0.00021756 LTC received, unconfirmed"
    );
    let expiry = r#"{"notification":{"expiresIn":2592000,"orderId":"QmcoKERsaetjQX3cF5YySXQHabh5bthvsrk9WxyuooRsH3","type":"buyerDisputeExpiry"}}"#;
    assert_eq!(
        summary_of(expiry),
        "order QmcoKERsae can be disputed for another 30 days"
    );
    let chat = r#"{"message":{"message":"hi &amp; bye","peerId":"QmeVMcgXsy9xyXshREU5avCYYPyrz5bgMZyTZjv44KhNnT","subject":""}}"#;
    assert_eq!(summary_of(chat), "QmeVMcgXsy: hi & bye");
}

#[test]
fn every_fixture_frame_gets_a_real_summary() {
    for fixture in [fixtures::SESSION_014, fixtures::GUIDE_013] {
        for frame in fixtures::frames(fixture) {
            let s = summary_of(&frame);
            assert!(!s.is_empty(), "{frame}");
            assert!(!s.starts_with('{'), "fell back to a preview: {s}");
        }
    }
}

#[test]
fn pretty_lines_show_time_and_kind_columns() {
    let line = render(Format::Pretty, false, r#"{"status":"publishing"}"#);
    let local = parse_time("2026-11-27T18:00:00.5Z")
        .unwrap()
        .with_timezone(&chrono::Local)
        .format("%H:%M:%S%.3f")
        .to_string();
    assert!(
        line.starts_with(&format!("{local} status.publishing ")),
        "{line}"
    );
    assert!(line.ends_with("publishing the store…\n"));
}

#[test]
fn hostile_text_never_reaches_the_terminal_raw() {
    let hostile = "{\"message\":{\"message\":\"\\u001b]8;;http://evil\\u0007click\\u001b[2J \u{9b}31m \u{202e}olleh \u{2066}x\u{7f}\",\"peerId\":\"Qm\\u001b[31mX\",\"subject\":\"\"},\"x\":\"\u{202e}\"}";
    for format in [Format::Pretty, Format::Json, Format::Ndjson] {
        for envelope in [false, true] {
            let out = render(format, envelope, hostile);
            for bad in [
                '\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{7f}',
            ] {
                assert!(
                    !out.contains(bad),
                    "{format:?} {envelope}: {bad:?} in {out}"
                );
            }
        }
    }
    let pretty = render(Format::Pretty, false, hostile);
    assert!(
        pretty.contains("\\x1b]8;;http://evil\\x07click"),
        "{pretty}"
    );
}

#[test]
fn ndjson_keeps_digits_escapes_and_key_order() {
    let text = "{\n    \"z\": 18446744073709551616,\n    \"a\": 0.1000000000000000055511151231257827,\n    \"t\": \"\\u003cb\\u003e\"\n}";
    assert_eq!(
        render(Format::Ndjson, false, text),
        "{\"z\":18446744073709551616,\"a\":0.1000000000000000055511151231257827,\"t\":\"\\u003cb\\u003e\"}\n"
    );
}

#[test]
fn envelope_wraps_time_kind_source_and_frame() {
    let out = render(Format::Ndjson, true, r#"{"status": "publishing"}"#);
    assert_eq!(
        out,
        "{\"time\":\"2026-11-27T18:00:00.500000Z\",\"kind\":\"status.publishing\",\"source\":\"ws://127.0.0.1:4002/ws\",\"frame\":{\"status\":\"publishing\"}}\n"
    );
}

#[test]
fn invalid_frames_stay_valid_json_in_every_json_format() {
    for envelope in [false, true] {
        let out = render(Format::Ndjson, envelope, "not json \u{1b}[31m");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let obj = if envelope { &v } else { &v["invalid"] };
        assert_eq!(obj["text"], "not json \u{1b}[31m");
        assert!(obj["error"].as_str().unwrap().starts_with("not JSON"));
        assert!(!out.contains('\u{1b}'));
    }
    let json = render(Format::Json, false, "oops");
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "{json}"
    );
}

#[test]
fn raw_is_exact_off_a_terminal_and_escaped_on_one() {
    let text = "{\n    \"a\": \"\u{202e}\"\n}";
    assert_eq!(render(Format::Raw, false, text), format!("{text}\n"));
    let f = frame(text);
    let c = classify(&f.bytes);
    let ev = Event {
        frame: &f,
        kind: &c.kind,
        error: None,
        tree: None,
    };
    let mut r = Renderer::new(Format::Raw, false, Palette::plain(), true, false);
    let mut out = Vec::new();
    r.render(&ev, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\n    \"a\": \"\\u{202e}\"\n}\n"
    );
}

#[test]
fn json_output_is_indented_like_jq() {
    assert_eq!(
        render(Format::Json, false, r#"{"status":"publishing"}"#),
        "{\n  \"status\": \"publishing\"\n}\n"
    );
}
