use std::borrow::Cow;

use super::*;
use crate::classify::classify;
use crate::fixtures;
use crate::frame::parse_time;
use crate::memory::{Memory, Wants};

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

/// The stream's memory as the pipeline keeps it for pretty output (handles; look-alikes are
/// tested with the pipeline).
fn memory() -> Memory {
    Memory::new(Wants {
        handles: true,
        ..Wants::default()
    })
}

fn render(format: Format, envelope: bool, text: &str) -> String {
    let f = frame(text);
    let c = classify(&f.bytes);
    let tree = crate::json::parse(text).ok();
    let mut memory = memory();
    if let Some(t) = &tree {
        memory.learn(t);
    }
    let ev = Event {
        frame: &f,
        kind: &c.kind,
        error: c.error.as_deref(),
        tree: tree.as_ref(),
        compact: None,
        memory: Some(&memory),
    };
    let mut r = Renderer::new(format, envelope, Palette::plain(), false, false);
    r.pretty.today = f.time.with_timezone(&chrono::Local).date_naive();
    let mut out = Vec::new();
    r.render(&ev, &mut out);
    String::from_utf8(out).unwrap()
}

/// Pretty lines for a stream of frames through one renderer (which remembers handles and
/// balances), `width` columns wide, dated as if today were the frames' day.
fn pretty_stream(frames: &[String], width: Option<usize>, palette: Palette) -> Vec<String> {
    let mut r = Renderer::new(Format::Pretty, false, palette, true, false).with_width(width);
    r.pretty.today = frame("{}").time.with_timezone(&chrono::Local).date_naive();
    let mut memory = memory();
    frames
        .iter()
        .map(|text| {
            let f = frame(text);
            let c = classify(&f.bytes);
            let tree = crate::json::parse(text).ok();
            if let Some(t) = &tree {
                memory.learn(t);
            }
            let ev = Event {
                frame: &f,
                kind: &c.kind,
                error: c.error.as_deref(),
                tree: tree.as_ref(),
                compact: None,
                memory: Some(&memory),
            };
            let mut out = Vec::new();
            r.render(&ev, &mut out);
            String::from_utf8(out).unwrap()
        })
        .collect()
}

/// The local time column of `frame`, which depends on the machine's time zone.
fn local_time() -> String {
    frame("{}")
        .time
        .with_timezone(&chrono::Local)
        .format("%H:%M:%S%.3f")
        .to_string()
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
        compact: None,
        memory: None,
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

#[test]
fn pretty_lines_at_80_columns_are_a_reviewed_snapshot() {
    let mut frames = fixtures::frames(fixtures::SESSION_014);
    frames.extend(fixtures::frames(fixtures::GUIDE_013));
    let lines = pretty_stream(&frames, Some(80), Palette::plain());
    for line in &lines {
        assert!(
            fit::width(line.trim_end_matches('\n')) <= 80,
            "wider than 80 columns: {line}"
        );
        assert_eq!(line.matches('\n').count(), 1, "{line}");
    }
    // Every summary starts in one column, whatever the kind.
    let starts: std::collections::BTreeSet<usize> = lines
        .iter()
        .map(|l| {
            let after_time = &l[13..];
            13 + after_time.find(' ').unwrap()
                + after_time[after_time.find(' ').unwrap()..]
                    .find(|c| c != ' ')
                    .unwrap()
        })
        .collect();
    assert_eq!(starts.len(), 1, "summaries out of line: {starts:?}");
    let actual: String = lines.concat().replace(&local_time()[..8], "HH:MM:SS");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/pretty-80.txt");
    if std::env::var_os("OBTAIL_BLESS").is_some() {
        std::fs::write(path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        expected == actual,
        "tests/snapshots/pretty-80.txt changed; review it and run \
         `OBTAIL_BLESS=1 cargo test --lib render`\n--- new ---\n{actual}"
    );
}

#[test]
fn colored_lines_fit_too_and_end_with_a_reset() {
    let frames = fixtures::frames(fixtures::SESSION_014);
    let whole = pretty_stream(&frames, None, Palette::ansi());
    let cut = pretty_stream(&frames, Some(60), Palette::ansi());
    for (whole, line) in whole.iter().zip(&cut) {
        let visible = line.trim_end_matches('\n');
        assert!(fit::width(visible) <= 60, "{line}");
        let summary = |l: &str| {
            let after_time = l.split_once(' ').unwrap().1;
            after_time
                .split_once(' ')
                .unwrap()
                .1
                .trim_start()
                .to_string()
        };
        if visible.ends_with("…\x1b[0m") {
            assert!(
                fit::width(whole.trim_end()) > 60,
                "cut for no reason: {line:?}"
            );
        } else {
            assert_eq!(summary(whole), summary(line), "cut without a mark");
        }
    }
}

/// However narrow the terminal, no line is wider than it: a wrapped line would break the
/// one-event-a-line layout.
#[test]
fn lines_fit_even_the_narrowest_terminals() {
    let frames = fixtures::frames(fixtures::SESSION_014);
    for width in [80, 46, 45, 30, 12, 1] {
        for palette in [Palette::plain(), Palette::ansi()] {
            for line in pretty_stream(&frames, Some(width), palette) {
                let visible = line.strip_suffix('\n').unwrap();
                assert!(!visible.contains('\n'), "{line:?}");
                assert!(fit::width(visible) <= width, "{width} columns: {line:?}");
                // No color runs on past the line: its last SGR sequence is a reset.
                if let Some(last) = visible.rfind('\x1b') {
                    assert!(visible[last..].starts_with("\x1b[0m"), "{line:?}");
                }
            }
        }
    }
}

#[test]
fn without_a_width_nothing_is_cut() {
    let long = format!(
        r#"{{"message":{{"message":"{}","peerId":"QmeVMcgXsy9xyXshREU5avCYYPyrz5bgMZyTZjv44KhNnT","subject":""}}}}"#,
        "word ".repeat(30)
    );
    let line = &pretty_stream(&[long], None, Palette::plain())[0];
    assert!(!line.contains('…'), "{line}");
    assert!(line.trim_end().ends_with("word"));
}

#[test]
fn events_of_another_day_show_their_date() {
    let f = vec![r#"{"status":"publishing"}"#.to_string()];
    let today = &pretty_stream(&f, None, Palette::plain())[0];
    assert!(today.starts_with(&format!("{} ", local_time())), "{today}");
    let mut r = Renderer::new(Format::Pretty, false, Palette::plain(), false, false);
    r.pretty.today = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let fr = frame(&f[0]);
    let c = classify(&fr.bytes);
    let ev = Event {
        frame: &fr,
        kind: &c.kind,
        error: None,
        tree: None,
        compact: None,
        memory: None,
    };
    let mut out = Vec::new();
    r.render(&ev, &mut out);
    let date = fr
        .time
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d")
        .to_string();
    let line = String::from_utf8(out).unwrap();
    assert!(
        line.starts_with(&format!("{date} {} ", local_time())),
        "{line}"
    );
}

#[test]
fn quotes_inside_titles_and_names_are_unambiguous() {
    let order = r#"{"notification":{"buyerHandle":"mo's_coffee","buyerId":"QmeVMcgXsy9xyX","orderId":"QmbMY8sGFeZ4cF","title":"Custom embroidery: 'your name here'","type":"order"}}"#;
    assert_eq!(
        summary_of(order),
        r#"@mo's_coffee purchased "Custom embroidery: 'your name here'" · order QmbMY8sGFe"#
    );
    let both = r#"{"notification":{"buyerId":"QmeVMcgXsy9xyX","orderId":"QmbMY8sGFeZ4cF","title":"12\" 'vinyl'","type":"order"}}"#;
    assert_eq!(
        summary_of(both),
        r#"QmeVMcgXsy purchased '12" \'vinyl\'' · order QmbMY8sGFe"#
    );
    let profile =
        r#"{"id":"R1","profile":{"handle":"mo","name":"Mo&#39;s Café","peerID":"QmeVMcgXsy9xyX"}}"#;
    assert_eq!(
        summary_of(profile),
        r#"profile of @mo "Mo's Café" · request R1"#
    );
}

#[test]
fn chat_senders_go_by_the_handle_the_stream_gave_them() {
    let frames = [
        r#"{"message":{"message":"hi","peerId":"QmBob1234567","subject":""}}"#.to_string(),
        r#"{"notification":{"type":"orderConfirmation","vendorHandle":"bob","vendorId":"QmBob1234567","orderId":"QmOrder12345"}}"#.to_string(),
        r#"{"message":{"message":"shipped","peerId":"QmBob1234567","subject":""}}"#.to_string(),
        r#"{"messageTyping":{"peerId":"QmBob1234567","subject":""}}"#.to_string(),
    ];
    let lines = pretty_stream(&frames, None, Palette::plain());
    assert!(lines[0].ends_with(" QmBob12345: hi\n"), "{}", lines[0]);
    assert!(lines[2].ends_with(" @bob: shipped\n"), "{}", lines[2]);
    assert!(lines[3].ends_with(" @bob is typing\n"), "{}", lines[3]);
}

#[test]
fn rating_errors_say_what_went_wrong_and_keep_refs_apart() {
    let not_found = r#"{"error":"not Found","id":"R2","ratingId":"QmRating2abcdef"}"#;
    assert_eq!(
        summary_of(not_found),
        "rating QmRating2a could not be fetched: not Found · request R2"
    );
    let bad =
        r#"{"error":"missing rating data","id":"R3","ratingId":"QmRating2abcdef/profile.json"}"#;
    assert_eq!(
        summary_of(bad),
        "rating QmRating2a/profile.json is not a valid rating: missing rating data · request R3"
    );
}

#[test]
fn balance_ticks_show_what_changed() {
    let tick = |btc: u64, ltc: u64| {
        format!(
            r#"{{"walletUpdate":{{"BCH":{{"confirmed":0,"unconfirmed":0}},"BTC":{{"confirmed":{btc},"unconfirmed":0}},"LTC":{{"confirmed":{ltc},"unconfirmed":0}}}}}}"#
        )
    };
    let lines = pretty_stream(
        &[tick(2657, 83591), tick(2657, 83591), tick(3000, 83591)],
        None,
        Palette::plain(),
    );
    let summary = |l: &str| l.split_once("walletUpdate").unwrap().1.trim().to_string();
    assert_eq!(
        summary(&lines[0]),
        "balance 0.00002657 BTC, 0.00083591 LTC · 1 empty"
    );
    assert_eq!(summary(&lines[1]), "balances unchanged");
    assert_eq!(summary(&lines[2]), "balance 0.00003 BTC · 2 unchanged");
}

#[test]
fn summaries_line_up_in_a_pipe_too() {
    let mut frames = fixtures::frames(fixtures::SESSION_014);
    frames.extend(fixtures::frames(fixtures::GUIDE_013));
    let starts: std::collections::BTreeSet<usize> = pretty_stream(&frames, None, Palette::plain())
        .iter()
        .map(|l| {
            let after_time = &l[13..];
            let kind_end = after_time.find(' ').unwrap();
            13 + kind_end + after_time[kind_end..].find(|c| c != ' ').unwrap()
        })
        .collect();
    assert_eq!(starts.into_iter().collect::<Vec<_>>(), [44]);
}

#[test]
fn a_tail_that_runs_past_midnight_shows_no_dates() {
    let mut r = Renderer::new(Format::Pretty, false, Palette::plain(), false, false);
    r.pretty.today = chrono::Local::now().date_naive().pred_opt().unwrap();
    let mut f = frame(r#"{"status":"publishing"}"#);
    f.time = chrono::Utc::now();
    let c = classify(&f.bytes);
    let ev = Event {
        frame: &f,
        kind: &c.kind,
        error: None,
        tree: None,
        compact: None,
        memory: None,
    };
    let mut out = Vec::new();
    r.render(&ev, &mut out);
    let line = String::from_utf8(out).unwrap();
    assert_eq!(
        line.find(' '),
        Some(12),
        "no date on an event of the new day: {line}"
    );
}
