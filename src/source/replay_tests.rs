use super::*;

/// A reader that hands out at most `step` bytes per call, to cross every buffer boundary.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len() - self.at);
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn frames_of(input: &[u8], step: usize, max: usize) -> Vec<(String, Option<String>)> {
    let reader = Trickle {
        data: input.to_vec(),
        at: 0,
        step,
    };
    let mut replay = Replay::new(Box::new(reader), "test".into(), max);
    let mut out = Vec::new();
    loop {
        match replay.next().unwrap() {
            Next::Frame(f) => out.push((String::from_utf8_lossy(&f.bytes).into_owned(), f.defect)),
            Next::Idle => {}
            Next::End(_) => return out,
        }
    }
}

fn texts(input: &str) -> Vec<String> {
    let whole = frames_of(input.as_bytes(), usize::MAX, 1 << 24);
    for step in [1, 2, 7, 64] {
        assert_eq!(
            frames_of(input.as_bytes(), step, 1 << 24),
            whole,
            "step {step}"
        );
    }
    whole.into_iter().map(|(t, _)| t).collect()
}

#[test]
fn compact_and_pretty_values_in_any_mix() {
    let input =
        "{\"a\":1}\n{\n    \"b\": [\n        2\n    ]\n}\n[1,2]{\"c\":\"}\"}\n  42\n\"s\"\n";
    assert_eq!(
        texts(input),
        [
            "{\"a\":1}",
            "{\n    \"b\": [\n        2\n    ]\n}",
            "[1,2]",
            "{\"c\":\"}\"}",
            "42",
            "\"s\""
        ]
    );
}

#[test]
fn lines_that_are_not_json_become_frames_and_reading_goes_on() {
    let input = "hello world\r\n{\"broken\n{\"ok\":true}\n{\"a\":1\n{\"b\":2}\nnot json either";
    assert_eq!(
        texts(input),
        [
            "hello world",
            "{\"broken",
            "{\"ok\":true}",
            "{\"a\":1",
            "{\"b\":2}",
            "not json either"
        ]
    );
}

#[test]
fn a_value_cut_short_at_eof_is_still_reported() {
    assert_eq!(texts("{\"a\":1}\n{\"a\":"), ["{\"a\":1}", "{\"a\":"]);
}

#[test]
fn the_guides_pretty_examples_are_25_frames() {
    let guide = include_str!("../../tests/fixtures/guide-0.13.json");
    let frames = texts(guide);
    assert_eq!(frames.len(), 25);
    assert!(frames
        .iter()
        .all(|f| f.starts_with('{') && f.ends_with('}')));
}

#[test]
fn oversized_frames_are_reported_and_skipped_without_being_held() {
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(5000));
    let line = "y".repeat(3000);
    let input = format!("{{\"small\":1}}\n{big}\n{{\"after\":2}}\n{line}\n{{\"end\":3}}\n");
    for step in [usize::MAX, 100, 1] {
        let frames = frames_of(input.as_bytes(), step, 1000);
        let texts: Vec<_> = frames.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts.len(), 5, "step {step}: {texts:?}");
        assert_eq!(texts[0], "{\"small\":1}");
        assert_eq!(texts[2], "{\"after\":2}");
        assert_eq!(texts[4], "{\"end\":3}");
        let defect = frames[1].1.as_deref().unwrap();
        assert!(defect.contains("5008 bytes"), "step {step}: {defect}");
        assert!(frames[1].0.len() <= PREVIEW);
        let defect = frames[3].1.as_deref().unwrap();
        assert!(
            defect.contains("3000 bytes is larger than --max-frame-size"),
            "{defect}"
        );
    }
}

#[test]
fn recorded_lines_restore_time_and_source() {
    let input = concat!(
        r#"{"time":"2026-01-02T03:04:05.123456Z","kind":"status.publishing","source":"ws://node:4002/ws","frame":{"status":"publishing"}}"#,
        "\n",
        r#"{"time":"2026-01-02T03:04:06Z","kind":"invalid","source":"ws://node:4002/ws","error":"not JSON","text":"oops\u001b"}"#,
        "\n",
        r#"{"time":"2026-01-02T03:04:07Z","kind":"invalid","source":"ws://n/ws","base64":"AAEC"}"#,
        "\n",
        r#"{"time":"never","source":"x","frame":1}"#,
        "\n"
    );
    let mut replay = Replay::new(Box::new(io::Cursor::new(input)), "file".into(), 1 << 20);
    let mut seen = Vec::new();
    loop {
        match replay.next().unwrap() {
            Next::Frame(f) => seen.push((
                f.bytes.to_vec(),
                f.binary,
                frame::format_time(&f.time),
                f.source.to_string(),
                f.defect.clone(),
            )),
            Next::Idle => {}
            Next::End(_) => break,
        }
    }
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].0, br#"{"status":"publishing"}"#);
    assert_eq!(seen[0].2, "2026-01-02T03:04:05.123456Z");
    assert_eq!(seen[0].3, "ws://node:4002/ws");
    assert_eq!(seen[1].0, b"oops\x1b");
    assert_eq!(seen[1].4.as_deref(), Some("not JSON"));
    assert_eq!((seen[2].0.as_slice(), seen[2].1), (&[0u8, 1, 2][..], true));
    assert_eq!(
        seen[3].3, "file",
        "a line with a bad time is an ordinary frame"
    );
}

#[test]
fn a_recorded_null_frame_replays_as_null() {
    // Another client can send `null`; --record writes it as `"frame":null`.
    let line =
        br#"{"time":"2026-01-02T03:04:05Z","kind":"unknown","source":"ws://n/ws","frame":null}"#;
    let f = unwrap_record(line).expect("a record line");
    assert_eq!(&*f.bytes, b"null");
    assert_eq!(f.source, "ws://n/ws");
    assert_eq!(f.defect, None);
}

#[test]
fn idle_comes_before_every_read_that_may_block() {
    let mut replay = Replay::new(
        Box::new(io::Cursor::new("{\"a\":1}\n")),
        "t".into(),
        1 << 20,
    );
    assert!(matches!(replay.next().unwrap(), Next::Idle));
    assert!(matches!(replay.next().unwrap(), Next::Frame(_)));
    assert!(matches!(replay.next().unwrap(), Next::Idle));
    assert!(matches!(
        replay.next().unwrap(),
        Next::End(Stop::InputEnded)
    ));
}

/// A reader whose reads end exactly at the given offsets.
struct Cuts {
    data: Vec<u8>,
    at: usize,
    cuts: Vec<usize>,
}

impl Read for Cuts {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let next = self
            .cuts
            .iter()
            .copied()
            .find(|&c| c > self.at)
            .unwrap_or(self.data.len());
        let n = (next - self.at).min(out.len());
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Frames (text and defect) with reads ending at `cuts`.
fn frames_cut(input: &[u8], cuts: Vec<usize>, max: usize) -> Vec<(Vec<u8>, Option<String>)> {
    let reader = Cuts {
        data: input.to_vec(),
        at: 0,
        cuts,
    };
    let mut replay = Replay::new(Box::new(reader), "test".into(), max);
    let mut out = Vec::new();
    loop {
        match replay.next().unwrap() {
            Next::Frame(f) => out.push((f.bytes.to_vec(), f.defect)),
            Next::Idle => {}
            Next::End(_) => return out,
        }
    }
}

/// The frames must be the same whatever the read boundaries: every single split point, and
/// many random sets of them.
fn same_frames_at_every_boundary(input: &[u8], max: usize) -> Vec<(Vec<u8>, Option<String>)> {
    let whole = frames_cut(input, Vec::new(), max);
    for cut in 0..=input.len() {
        let got = frames_cut(input, vec![cut], max);
        assert_eq!(
            got,
            whole,
            "read ending at {cut} of {:?}",
            String::from_utf8_lossy(input)
        );
    }
    let mut rng = fastrand::Rng::with_seed(9);
    for _ in 0..200 {
        let mut cuts: Vec<usize> = (0..rng.usize(1..8))
            .map(|_| rng.usize(..=input.len()))
            .collect();
        cuts.sort_unstable();
        assert_eq!(frames_cut(input, cuts.clone(), max), whole, "cuts {cuts:?}");
    }
    whole
}

#[test]
fn a_read_ending_right_after_a_backslash_is_not_a_crash() {
    let input = concat!(
        r#"{"a":"\\","b":"x\"y"}"#,
        "\n",
        r#"{"notification":{"type":"order","t":"\"\\\u0041"}}"#,
        "\n",
        r#"{"status":"\\"}"#,
        "\n"
    );
    let frames = same_frames_at_every_boundary(input.as_bytes(), 1 << 20);
    assert_eq!(frames.len(), 3);
    assert!(frames.iter().all(|(_, defect)| defect.is_none()));
    // A lone backslash at the end of the input is one cut-short frame.
    let frames = same_frames_at_every_boundary(b"{\"a\":\"\\", 1 << 20);
    assert_eq!(frames, [(b"{\"a\":\"\\".to_vec(), None)]);
}

#[test]
fn an_oversized_frames_preview_is_its_own_bytes_only() {
    // The preview was `buf[a..a + 120]`: past a short frame into the next frames and the
    // buffer's stale bytes, and past the buffer's end a panic.
    let input = "{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"b\":2}\n";
    let frames = same_frames_at_every_boundary(input.as_bytes(), 20);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(
        frames[0].0,
        b"{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"
    );
    assert!(frames[0].1.as_deref().unwrap().contains("44 bytes"));
    assert_eq!(frames[1], (b"{\"b\":2}".to_vec(), None));
    // A frame ending at the very end of a full read buffer.
    let big = format!("{{\"a\":\"{}\"}}", "y".repeat(READ_SIZE - 8));
    assert_eq!(big.len(), READ_SIZE);
    let frames = frames_cut(big.as_bytes(), Vec::new(), 20);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].0.len(), PREVIEW);
    // A preview never ends inside a character.
    let wide = format!("{{\"a\":\"{}\"}}", "é".repeat(100));
    let frames = frames_cut(wide.as_bytes(), Vec::new(), 20);
    assert!(std::str::from_utf8(&frames[0].0).is_ok(), "{frames:?}");
}

#[test]
fn a_zero_indent_pretty_frame_is_one_frame_whatever_the_reads() {
    // From a file the fast path read it whole; through a pipe the scanner took each bracket
    // opening a line for a new frame.
    let input = "{\n\"notification\": {\n\"type\": \"order\",\n\"items\": [\n{\n\"a\": [\n[\n1\n]\n]\n}\n]\n}\n}\n{\n\"b\": 2\n}\n";
    let frames = same_frames_at_every_boundary(input.as_bytes(), 1 << 20);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(frames.iter().all(|(_, defect)| defect.is_none()));
    assert!(frames[0].0.ends_with(b"]\n}\n}"));
    // Deeper than the classifier's limit, still one frame.
    let deep = format!(
        "{{\n\"a\":\n{}1{}\n}}\n",
        "[\n".repeat(300),
        "\n]".repeat(300)
    );
    let frames = same_frames_at_every_boundary(deep.as_bytes(), 1 << 20);
    assert_eq!(frames.len(), 1);
}

#[test]
fn a_cut_frame_followed_by_frames_is_reported_alone_whatever_the_reads() {
    let input = concat!(
        "{\"time\":\"2026-01-02T03:04:05Z\",\"source\":\"x\",\"frame\":{\"a\":[1,\n",
        "{\"b\":[\n{\"c\":1}\n]}\n",
        "{\n  \"d\": [\n",
        "{\"e\":2}\n",
    );
    let frames = same_frames_at_every_boundary(input.as_bytes(), 1 << 20);
    let texts: Vec<String> = frames
        .iter()
        .map(|(t, _)| String::from_utf8_lossy(t).into_owned())
        .collect();
    assert_eq!(
        texts,
        [
            "{\"time\":\"2026-01-02T03:04:05Z\",\"source\":\"x\",\"frame\":{\"a\":[1,",
            "{\"b\":[\n{\"c\":1}\n]}",
            "{\n  \"d\": [",
            "{\"e\":2}",
        ]
    );
}

#[test]
fn a_multi_line_frame_cut_by_the_end_of_the_input_is_one_frame() {
    for input in [
        "{\"a\":1}\n{\n  \"b\": [\n    1,\n    2\n",
        "{\"a\":1}\n{\n\"b\": [\n{\n\"c\": 1\n",
        "{\"a\":1}\n{\n  \"b\": \"x\",\n  \"c\"",
    ] {
        let frames = same_frames_at_every_boundary(input.as_bytes(), 1 << 20);
        assert_eq!(frames.len(), 2, "{input:?}: {frames:?}");
        let rest = input.strip_prefix("{\"a\":1}\n").unwrap().trim_end();
        assert_eq!(frames[1].0, rest.as_bytes());
    }
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_frame() {
    let frames =
        same_frames_at_every_boundary("\u{feff}{\"a\":1}\n{\"b\":2}\n".as_bytes(), 1 << 20);
    assert_eq!(
        frames,
        [(b"{\"a\":1}".to_vec(), None), (b"{\"b\":2}".to_vec(), None)]
    );
    let frames = same_frames_at_every_boundary("\u{feff}\n  {\n\"a\": 1\n}".as_bytes(), 1 << 20);
    assert_eq!(frames, [(b"{\n\"a\": 1\n}".to_vec(), None)]);
    // Only at the very start: later it is the frame's own (invalid) text.
    let frames = frames_cut("{}\n\u{feff}{}\n".as_bytes(), Vec::new(), 1 << 20);
    assert_eq!(frames[1].0, "\u{feff}{}".as_bytes());
    assert_eq!(
        frames_cut(b"\xEF\xBB", Vec::new(), 1 << 20)[0].0,
        b"\xEF\xBB"
    );
}

/// Streams the fuzz target `replay` found (fuzz-findings.md), at every read boundary.
#[test]
fn fuzz_findings_give_the_same_frames_at_every_boundary() {
    let oversized = format!(
        "{{\"a\":\"{}\"}}\n{{\"b\":1}}\n{}\n",
        "x".repeat(70),
        "y".repeat(20)
    );
    let frames = same_frames_at_every_boundary(oversized.as_bytes(), 33);
    assert_eq!(frames.len(), 3, "{frames:?}");
    assert!(frames[0].0.starts_with(b"{\"a\":\"xxx") && frames[0].1.is_some());
    assert!(!frames[0].0.contains(&0));
    assert_eq!(frames[1], (b"{\"b\":1}".to_vec(), None));
    // The frame after an oversized line was swallowed by the skip when reads were small.
    let mut stream = b"\xa0\x01\x07@{\"a\":\"".to_vec();
    stream.extend_from_slice("x".repeat(300).as_bytes());
    stream.extend_from_slice(b"\"}\n{\"b\":0}\n");
    stream.extend_from_slice("y".repeat(200).as_bytes());
    stream.push(b'\n');
    let frames = same_frames_at_every_boundary(&stream, 33);
    assert_eq!(frames.len(), 3, "{frames:?}");
    assert_eq!(frames[1], (b"{\"b\":0}".to_vec(), None));
    assert_eq!(frames_cut(&stream, vec![2, 10, 11], 33), frames);
    // A broken value with no newline after it: one frame, read whole or in pieces.
    let frames = same_frames_at_every_boundary(b"{\"\":2{}C", 1 << 20);
    assert_eq!(frames, [(b"{\"\":2{}C".to_vec(), None)]);
    // A cut value, then a whole one that opens a line.
    let frames = same_frames_at_every_boundary(b"{\"c\":\n[1,\n{\"d\":2}]", 1 << 20);
    assert_eq!(
        frames,
        [
            (b"{\"c\":".to_vec(), None),
            (b"[1,\n{\"d\":2}]".to_vec(), None)
        ]
    );
}

/// Mutated recordings (pretty and compact, cut and broken over lines), each read at many
/// random boundaries and with small frame limits: always the same frames.
#[test]
fn mutated_streams_give_the_same_frames_at_random_boundaries() {
    let guide = include_str!("../../tests/fixtures/guide-0.13.json");
    let frames = crate::fixtures::frames(guide);
    let mut rng = fastrand::Rng::with_seed(20261202);
    let alphabet = b"{}[]\":,\\\n -01e\xa0\x01\x07@yx";
    for round in 0..300 {
        let mut stream = Vec::new();
        for _ in 0..rng.usize(1..4) {
            let f = &frames[rng.usize(..frames.len())];
            if rng.bool() {
                stream.extend_from_slice(f.as_bytes());
            } else {
                stream.extend_from_slice(crate::fixtures::compact(f).as_bytes());
            }
            stream.push(b'\n');
        }
        let edits = rng.usize(1..6);
        crate::fixtures::mutate(&mut rng, &mut stream, edits, alphabet);
        let max = if round % 3 == 0 {
            rng.usize(20..200)
        } else {
            1 << 20
        };
        let whole = frames_cut(&stream, Vec::new(), max);
        for _ in 0..20 {
            let mut cuts: Vec<usize> = (0..rng.usize(1..12))
                .map(|_| rng.usize(..=stream.len()))
                .collect();
            cuts.sort_unstable();
            assert_eq!(
                frames_cut(&stream, cuts.clone(), max),
                whole,
                "max {max}, cuts {cuts:?}, stream {:?}",
                String::from_utf8_lossy(&stream)
            );
        }
    }
}

#[test]
fn a_broken_pretty_frame_is_cut_the_same_whatever_the_reads() {
    // The skim read `QmTCT",` as a scalar and the whole value as a frame; the scan, reading
    // in parts, saw a string holding a newline there.
    let stream = "{\"status\": \"publishing\"\n}\n{\"notification\": {\n    \"id\": \"QmWU\",\n    \"orderId\": QmTCT\",\n    \"thumbnail\": {\n      \"small\": \"zb2\"\n    },\n    \"type\": \"refund\"\n  }\n}\n";
    let frames = same_frames_at_every_boundary(stream.as_bytes(), 1 << 20);
    let texts: Vec<String> = frames
        .iter()
        .map(|(t, _)| String::from_utf8_lossy(t).into_owned())
        .collect();
    assert_eq!(texts[0], "{\"status\": \"publishing\"\n}");
    assert_eq!(
        texts[1],
        "{\"notification\": {\n    \"id\": \"QmWU\",\n    \"orderId\": QmTCT\","
    );
}

/// The fuzz target's stream: a `{` where a key is expected, opening the second line inside a
/// nested value. The skim read it as a nested value (it stepped over the newline before
/// asking whether a bracket opened the line); the scan, reading in parts, as a cut frame.
#[test]
fn a_bracket_opening_a_line_inside_a_nested_value_is_judged_the_same_whatever_the_reads() {
    let stream = b"{\"\":{\n{}}}";
    let frames = same_frames_at_every_boundary(stream, 1 << 20);
    assert_eq!(frames_cut(stream, vec![2, 10], 1 << 20), frames);
    let texts: Vec<&[u8]> = frames.iter().map(|(t, _)| t.as_slice()).collect();
    assert_eq!(texts, [&b"{\"\":{"[..], b"{}", b"}}"]);
    // Mutations of it: other brackets, deeper nesting, whitespace around the newline,
    // arrays, a valid nested value after the newline, and frames following it.
    for stream in [
        &b"{\"\":[\n{}]}"[..],
        b"{\"\":{\n[]}}",
        b"{\"a\":{\"b\":[1,\n{}]}}",
        b"{\"a\":[1,\n[2]]}",
        b"{\"a\":{\"b\":{\n{}}}}\n{\"c\":1}\n",
        b"{\"\":{ \n{}}}",
        b"{\"\":{\r\n{}}}",
        b"{\"\":{\n\n{}}}",
        b"{\"\":{\n {}}}",
        b"{\"\":{\n\"k\":\n{}}}",
        b"{\"\":{\"k\":1,\n{}}}\n[1]\n",
        b"{\"x\":\"y\",\"\":{\"z\":[\"w\",\n{\"v\":1}]}}",
    ] {
        same_frames_at_every_boundary(stream, 1 << 20);
        same_frames_at_every_boundary(stream, 12);
    }
}

/// The validating check of a doubtful value runs again only once the bytes have doubled;
/// when the frame limit stops them from doubling, it must still run on what the limit lets
/// in, as it does when the value is read whole.
#[test]
fn a_doubtful_value_is_checked_up_to_the_frame_limit_whatever_the_reads() {
    let mut stream = b"{\"a\":\n{\"b\":\"".to_vec();
    stream.extend_from_slice("x".repeat(50).as_bytes());
    stream.extend_from_slice(b"\" ! ");
    stream.extend_from_slice("y".repeat(150).as_bytes());
    stream.extend_from_slice(b"}}\n{\"c\":1}\n");
    let frames = same_frames_at_every_boundary(&stream, 100);
    assert_eq!(frames_cut(&stream, vec![60, 200], 100), frames);
    assert_eq!(frames[0], (b"{\"a\":".to_vec(), None));
}

/// Random mutations of short streams where brackets open lines inside unfinished values,
/// each read whole, at every boundary and at random ones, with small frame limits too.
#[test]
fn mutated_bracket_opening_lines_give_the_same_frames_whatever_the_reads() {
    let bases: [&[u8]; 4] = [
        b"{\"\":{\n{}}}",
        b"{\"a\":[1,\n{\"b\":2}]}\n",
        b"{\"a\":\n{\"b\":\n[\"c\",\n{}]}}\n{\"d\":1}",
        b"[\n[1],\n{\"e\":{\n}}]",
    ];
    let alphabet = b"{}[]\":,\n\r 1ax\\";
    let mut rng = fastrand::Rng::with_seed(20261202);
    for round in 0..200 {
        let mut stream = bases[round % bases.len()].to_vec();
        let edits = rng.usize(0..4);
        crate::fixtures::mutate(&mut rng, &mut stream, edits, alphabet);
        let max = if round % 4 == 0 {
            rng.usize(4..24)
        } else {
            1 << 20
        };
        let whole = frames_cut(&stream, Vec::new(), max);
        for cut in 0..=stream.len() {
            for second in [cut + 1, cut + 8].map(|c| c.min(stream.len())) {
                assert_eq!(
                    frames_cut(&stream, vec![cut, second], max),
                    whole,
                    "max {max}, cuts {cut} {second}, stream {:?}",
                    String::from_utf8_lossy(&stream)
                );
            }
        }
    }
}

/// While an oversized frame is skipped, a backslash ending a read escapes the next read's
/// first byte: a quote there does not end the string (the fuzz target found it).
#[test]
fn an_escaped_quote_across_reads_does_not_end_a_skipped_string() {
    let mut stream = b"{\"a\":\"".to_vec();
    stream.extend_from_slice("x".repeat(30).as_bytes());
    stream.extend_from_slice(b"\\\"}x\n{\"d\":2}\n");
    let frames = same_frames_at_every_boundary(&stream, 20);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(frames[0].1.as_ref().unwrap().contains("frame of 40 bytes"));
    assert_eq!(frames[1], (b"{\"d\":2}".to_vec(), None));
}

/// A read ending inside a number (`1.`) makes serde report an invalid number, not a cut
/// value: the check of a doubtful value waits for the bytes after it (the fuzz target found
/// it).
#[test]
fn a_read_ending_inside_a_number_does_not_cut_a_doubtful_value() {
    let stream = b"[1,\n{\"d\":1.2}]\n{\"e\":[1,\n{\"f\":-1e5}]}\n";
    let frames = same_frames_at_every_boundary(stream, 1 << 20);
    let texts: Vec<&[u8]> = frames.iter().map(|(t, _)| t.as_slice()).collect();
    assert_eq!(
        texts,
        [&b"[1,\n{\"d\":1.2}]"[..], b"{\"e\":[1,\n{\"f\":-1e5}]}"]
    );
}

/// An oversized frame classified while it was found leaves no kind behind for the next
/// frame (the fuzz target found a cut frame handed over as a validated `unknown`).
#[test]
fn an_oversized_frames_kind_is_not_the_next_frames() {
    let stream = b"[1,\n{\"d\":2}]\n{\"a\":1";
    let mut replay = Replay::new(Box::new(&stream[..]), "test".into(), 11);
    let mut kinds = Vec::new();
    loop {
        match replay.next().unwrap() {
            Next::Frame(f) => kinds.push((f.defect.is_some(), f.kind.is_some())),
            Next::Idle => {}
            Next::End(_) => break,
        }
    }
    assert_eq!(kinds, [(true, false), (false, false)]);
}
