use super::*;
use crate::classify::classify;
use crate::fixtures;
use crate::json::text::write_compact;
use crate::kind::Kind;

/// The compactor's verdict and output, checked against the classifier and `write_compact`
/// it replaces; returns the verdict.
fn agrees(bytes: &[u8]) -> bool {
    let mut out = b"kept".to_vec();
    let valid = compact_if_valid(&mut out, bytes);
    let c = classify(bytes);
    let shown = String::from_utf8_lossy(bytes);
    assert_eq!(
        valid,
        c.kind != Kind::Invalid,
        "verdict differs from the classifier ({:?}) on {shown:?}",
        c.error
    );
    if valid {
        let mut want = b"kept".to_vec();
        write_compact(&mut want, bytes);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&want),
            "output differs from write_compact on {shown:?}"
        );
    } else {
        assert_eq!(out, b"kept", "invalid input left output behind: {shown:?}");
    }
    valid
}

fn compact(text: &str) -> Option<String> {
    let mut out = Vec::new();
    compact_if_valid(&mut out, text.as_bytes())
        .then(|| String::from_utf8(out).expect("compact output is UTF-8"))
}

fn fixture_frames() -> Vec<Vec<u8>> {
    fixtures::both_spellings()
}

#[test]
fn fixture_frames_agree_with_classify_and_write_compact() {
    for frame in fixture_frames() {
        assert!(agrees(&frame), "{}", String::from_utf8_lossy(&frame));
    }
}

/// Thousands of mutated node frames, pretty and compact, with bytes that matter to the
/// grammar, to UTF-8 and to terminals: the verdict and the output must agree every time.
#[test]
fn mutated_frames_agree_with_classify_and_write_compact() {
    let mut alphabet = b"{}[]\":,\\ \n\t\r-+01.eEtfnu\"ab/".to_vec();
    alphabet.extend_from_slice(&[0x00, 0x1b, 0x7f, 0x80, 0x9b, 0xc2, 0xe2, 0x80, 0xae, 0xed]);
    alphabet.extend_from_slice(&[0xa0, 0xef, 0xbb, 0xbf, 0xf0, 0xf4, 0x90, 0xff, 0xc0]);
    fixtures::check_mutants(20261202, &alphabet, 30_000, agrees);
}

#[test]
fn nesting_is_unbounded_as_in_the_classifier() {
    for depth in [1, 127, 128, 129, 192, 193, 100_000] {
        let arrays = "[".repeat(depth) + &"]".repeat(depth);
        assert!(agrees(arrays.as_bytes()), "{depth}");
        let objects = "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth);
        assert!(agrees(objects.as_bytes()), "{depth}");
        // One bracket too many or too few, and a mismatched pair at the deepest level.
        assert!(!agrees(format!("[{arrays}").as_bytes()));
        assert!(!agrees(format!("{arrays}]").as_bytes()));
        let mismatched = "[".repeat(depth) + "}" + &"]".repeat(depth - 1);
        assert!(!agrees(mismatched.as_bytes()));
    }
    // The kinds of containers are remembered past the word that holds the first 128.
    let mixed: String = (0..300)
        .map(|i| if i % 3 == 0 { "{\"k\":" } else { "[" })
        .collect();
    let closed: String = (0..300)
        .rev()
        .map(|i| if i % 3 == 0 { "}" } else { "]" })
        .collect();
    assert!(agrees(format!("{mixed}0{closed}").as_bytes()));
}

#[test]
fn numbers_follow_the_grammar_at_any_magnitude() {
    for ok in [
        "0",
        "-0",
        "1e400",
        "-1E-400",
        "[1e400,-1e400]",
        "{\"wallet\":{\"value\":1e400}}",
        "123456789012345678901234567890",
        "0.5e+3",
        "1.25",
    ] {
        assert!(agrees(ok.as_bytes()), "{ok}");
        assert_eq!(compact(ok).as_deref(), Some(ok));
    }
    for bad in [
        "01", "-01", "1.", "1.e5", ".5", "-", "+1", "1e", "1e+", "-a", "0x1", "1..2", "[01]",
        // Beyond a double and not JSON either.
        "01e400", "-01e400", "1.e400", "-.5e400", "[00e999]",
    ] {
        assert!(!agrees(bad.as_bytes()), "{bad}");
    }
}

#[test]
fn surrogate_escapes_pass_through_paired_or_lone() {
    for s in [
        r#""\ud83d\ude80""#,
        r#""\ud800""#,
        r#""\udc00x""#,
        r#"{"\ud800":"\ud800\u0041"}"#,
        r#"{"notification":{"type":"\udfff"}}"#,
    ] {
        assert!(agrees(s.as_bytes()), "{s}");
        assert_eq!(compact(s).as_deref(), Some(s));
    }
    for bad in [r#""\ud80""#, r#""\u12G4""#, r#""\x""#, r#""\"#, r#""\u"#] {
        assert!(!agrees(bad.as_bytes()), "{bad}");
    }
}

#[test]
fn raw_controls_in_strings_are_not_json() {
    for b in (0u8..0x20).chain([0x7f]) {
        let text = [b'"', b'a', b, b'"'];
        let valid = agrees(&text);
        assert_eq!(valid, b == 0x7f, "{b:#x}");
    }
    assert_eq!(compact("\"a\u{7f}\"").as_deref(), Some(r#""a\u007f""#));
}

#[test]
fn bad_utf8_is_not_json_inside_strings_or_out() {
    for bad in [
        &b"\"\xff\""[..],
        b"\"\xc0\xaf\"",         // overlong
        b"\"\xed\xa0\x80\"",     // a surrogate encoded
        b"\"\xf4\x90\x80\x80\"", // past U+10FFFF
        b"\"\xe2\x82\"",         // cut
        b"\"\xe2\x82",
        b"\xc3\xa9",
        b"[1]\xc3\xa9",
        b"{\"a\":1}\xff",
    ] {
        assert!(!agrees(bad), "{bad:?}");
    }
    for good in [
        &b"\"\xc3\xa9\""[..],
        b"\"\xf0\x9f\x9a\x80\"",
        b"\"\xef\xbf\xbd\"",
    ] {
        assert!(agrees(good), "{good:?}");
    }
}

#[test]
fn characters_a_terminal_would_obey_become_escapes() {
    let frame =
        "{\"a\": \"x\u{9b}y\u{202e}z\u{7f}é\u{2028}\u{200b}\u{feff}\u{e0041}👩\u{200d}💻\"}";
    assert!(agrees(frame.as_bytes()));
    assert_eq!(
        compact(frame).as_deref(),
        Some(r#"{"a":"x\u009by\u202ez\u007fé\u2028\u200b\ufeff\udb40\udc41👩\u200d💻"}"#)
    );
    // Keys too.
    assert_eq!(
        compact("{\"\u{202e}k\":1}").as_deref(),
        Some(r#"{"\u202ek":1}"#)
    );
    // Every unsafe character, at every position of a 16-byte chunk.
    for c in ('\u{80}'..='\u{10ffff}').filter(|&c| crate::sanitize::is_unsafe(c)) {
        for pad in 0..17 {
            let frame = format!("[\"{}{c}x\"]", "p".repeat(pad));
            assert!(agrees(frame.as_bytes()), "{c:?}");
        }
    }
}

#[test]
fn whitespace_goes_outside_strings_and_stays_inside() {
    let frame = " \r\n\t{ \"a b\" :\t[ 1 , \"\t\"x y\" ] ,\n\"c\" : { } , \"d\":[ ] } \n";
    assert!(!agrees(frame.as_bytes()), "a raw tab inside a string");
    let frame = " \r\n\t{ \"a b\" :\t[ 1 , \"x y\" ] ,\n\"c\" : { } , \"d\":[ ] } \n";
    assert!(agrees(frame.as_bytes()));
    assert_eq!(
        compact(frame).as_deref(),
        Some(r#"{"a b":[1,"x y"],"c":{},"d":[]}"#)
    );
    for other_space in ["\u{a0}{}", "{}\u{3000}", "\x0c{}", "{\x0b}"] {
        assert!(!agrees(other_space.as_bytes()), "{other_space:?}");
    }
}

#[test]
fn a_frame_is_exactly_one_value() {
    for bad in [
        "",
        " ",
        "\u{feff}{}",
        "{}{}",
        "{} {}",
        "1 2",
        "[1,]",
        "{\"a\":1,}",
        "[,1]",
        "{\"a\"}",
        "{\"a\" 1}",
        "{1:2}",
        "tru",
        "nulll",
        "[true false]",
        "{\"a\":1",
    ] {
        assert!(!agrees(bad.as_bytes()), "{bad:?}");
    }
    for good in ["true", " null ", "\"x\"", "[]", "{}", "[[],{}]"] {
        assert!(agrees(good.as_bytes()), "{good:?}");
    }
}

#[test]
fn every_cut_of_a_frame_is_judged_without_overrunning() {
    let frame = "{\"a\":\"x\\\"y\\u0041\\\\é\u{202e}\",\"b\":[1.5e3,-0,true,null,{}]}";
    assert!(agrees(frame.as_bytes()));
    for cut in 0..frame.len() {
        assert!(!agrees(&frame.as_bytes()[..cut]), "cut at {cut}");
    }
}

/// The word-at-a-time test finds the first byte that is not plain, whatever the bytes
/// around it: every byte value at every lane, and random words.
#[test]
fn the_word_test_finds_the_first_special_byte() {
    let first_special = |w: [u8; 8]| w.iter().position(|&b| !is_plain(b));
    let found = |w: [u8; 8]| {
        let m = special_bytes(u64::from_le_bytes(w));
        (m != 0).then(|| (m.trailing_zeros() / 8) as usize)
    };
    for b in 0..=255u8 {
        for lane in 0..8 {
            for fill in [b'a', b' ', b'~', 0xff, 0x00, b'"'] {
                let mut w = [b'a'; 8];
                w[lane] = b;
                for x in w.iter_mut().skip(lane + 1) {
                    *x = fill;
                }
                assert_eq!(found(w), first_special(w), "{w:?}");
            }
        }
    }
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..200_000 {
        let w: [u8; 8] = std::array::from_fn(|_| match rng.u8(..4) {
            0 => rng.u8(..),
            _ => rng.u8(0x20..0x7f),
        });
        assert_eq!(found(w), first_special(w), "{w:?}");
    }
}
