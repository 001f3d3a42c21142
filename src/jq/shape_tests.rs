//! The shaped reader: which programs see only some fields, and that a program run on the
//! part-built value gives exactly what it gives on the whole one (outputs, errors, the
//! verdict on the frame), over the fixtures and mutants of them.

use std::ops::ControlFlow;

use super::read::{self, Unread};
use super::shape::Shape;
use super::*;
use crate::config::JqSettings;
use crate::frame::parse_time;

fn compile(program: &str) -> Program {
    let settings = JqSettings {
        program: program.to_string(),
        origin: None,
        args: vec![("who".into(), "alice".into())],
        argjson: Vec::new(),
        raw_output: false,
    };
    Program::compile(&settings, &[], false).unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn fields(entries: &[(&str, Shape)]) -> Shape {
    Shape::Fields(
        entries
            .iter()
            .map(|(k, s)| (k.as_bytes().to_vec(), s.clone()))
            .collect(),
    )
}

#[test]
fn programs_that_read_fields_by_literal_paths_are_shaped() {
    use Shape::Full;
    let order = fields(&[("notification", fields(&[("type", Full)]))]);
    for (code, want) in [
        (r#"select(.notification.type == "order")"#, order.clone()),
        (r#"select(.notification."type" == "order")"#, order.clone()),
        (r#".notification["type"]?"#, order.clone()),
        (
            r#"if .notification.type then . else empty end"#,
            order.clone(),
        ),
        (".", fields(&[])),
        ("$kind", fields(&[])),
        ("select($kind == $who) | .", fields(&[])),
        (
            r#"select(.a.b == 1 and .a.c) | .d | keys"#,
            fields(&[("a", fields(&[("b", Full), ("c", Full)])), ("d", Full)]),
        ),
        (".a, .a.b", fields(&[("a", Full)])),
        (".a[.i]", fields(&[("a", Full), ("i", Full)])),
        (r#""\(.a.b)!""#, fields(&[("a", fields(&[("b", Full)]))])),
        ("{t: .a} | tojson", fields(&[("a", Full)])),
        (".a as $x | select($x > 1)", fields(&[("a", Full)])),
        ("try .a.b catch .", fields(&[("a", fields(&[("b", Full)]))])),
        (".[\"a\\u0062\"]", fields(&[("ab", Full)])),
    ] {
        assert_eq!(Shape::of_program(code), want, "{code}");
    }
}

#[test]
fn programs_that_may_see_the_whole_frame_are_not_shaped() {
    for code in [
        "keys",
        "..",
        "tojson",
        "length",
        "[.]",
        "{a}",
        "{v: .}",
        ". as $x | $x",
        ".a = 1",
        ".a |= 1",
        "del(.a)",
        "to_entries",
        ".[]",
        ".[0]",
        ".[$who]",
        "select(has(\"a\"))",
        "select(. == {})",
        "select(.a) | tojson",
        "def f: .; f",
        "def select(f): 1; select(.a)",
        "@json",
        "reduce .a as $x (.; .)",
        "label $out | .",
        "getpath([\"a\"])",
        "if .a then .b else . end | keys",
        "input",
        "not",
        "",
        "include \"x\"; .",
    ] {
        assert_eq!(Shape::of_program(code), Shape::Full, "{code}");
    }
}

/// Everything a run gave: each output as it would print, then how it ended.
fn run_all(p: &Program, frame: &[u8]) -> (Vec<String>, Outcome<()>) {
    let time = parse_time("2020-11-20T19:01:44.218733Z").unwrap();
    let vars = FrameVars {
        kind: "notification.order",
        time: &time,
        source: "ws://127.0.0.1:4002/ws",
        recovered: false,
        suspects: &[],
    };
    let mut outs = Vec::new();
    let outcome = p.run(frame, &vars, |out| {
        let mut json = Vec::new();
        if out.is_input {
            json.extend_from_slice(frame);
        } else {
            write_value(&mut json, out.value).unwrap();
        }
        outs.push(String::from_utf8_lossy(&json).into_owned());
        ControlFlow::Continue(())
    });
    (outs, outcome)
}

const SHAPED: &[&str] = &[
    r#"select(.notification.type == "order")"#,
    r#"select(.notification.type == "order") | .notification.orderId"#,
    r#".notification.thumbnail.tiny? // "none""#,
    r#".notification.type, .a.b.c, (.notification.price.amount | length)"#,
    r#"select(.notification | .type != "x")"#,
    r#".notification[0]?"#,
    r#"select(.peerId) | .peerId[0:5]"#,
    r#"try .notification.type.x catch ."#,
    r#".notification.type.x"#,
    r#"if .notification then .notification.type else "none" end"#,
    r#"select(.notification.type == "order" and $kind != "x") | .notification.buyerHandle"#,
    r#"[.notification.type, .ping] | length"#,
    r#"{t: .notification.type, w: .wallet}"#,
    r#""\(.notification.type)-\(.id)""#,
    r#".notification.type as $t | select($t != null)"#,
    r#"select(.wallet.value.amount | tonumber? > 100) | .wallet.txid"#,
    r#".status, .message, .id, .notification.price"#,
    r#"$kind"#,
    r#"."#,
    r#"select(.notification.type == "order"), select(.wallet)"#,
];

/// Frames whose shape matters: not objects, paths through strings and arrays, repeated
/// and escaped keys.
const ODD: &[&str] = &[
    r#"[1,2]"#,
    r#""str""#,
    r#"12345678901234567890123"#,
    r#"{"notification":"x"}"#,
    r#"{"notification":[1,{"type":"order"}]}"#,
    r#"{"notification":{"type":{"deep":[1,2.50]}}}"#,
    r#"{"notification":{"type":"a"},"notification":{"type":"order"}}"#,
    r#"{"notification":{"type":"order","type":"b"}}"#,
    r#"{"not\u0069fication":{"\u0074ype":"order"}}"#,
    r#"{"notification":{"type":"order"},"x":"\ud800 \u00e9 \/"}"#,
    r#"{"notification":{"type":"order"},"x":[1e5,-0,0.10]}"#,
    r#"{"wallet":{"value":{"amount":"101"},"txid":"ab"}}"#,
    r#"{"wallet":{"value":{"amount":"x"},"txid":"ab"}}"#,
    r#"{"notification":{"type":"order"},"x":"bad \u12"}"#,
    r#"{"notification":{"type":"order"},"x":"tab	here"}"#,
    r#"{"notification":{"type":"order"},"x":01}"#,
    r#"{"notification":{"type":"order"}} x"#,
];

/// The shaped reader changes nothing a program gives: each program above, on the fixtures,
/// odd frames and mutants of the fixtures, gives the same outputs and the same ending
/// (errors, refusals with their words) as on the value read in full.
#[test]
fn shaped_runs_give_what_full_runs_give() {
    let mut rng = fastrand::Rng::with_seed(20261202);
    let alphabet = b"{}[]\":,\\ -+01e.Eu\x1b\x7ftfn\"abc\xc3\xa9";
    let mut frames: Vec<Vec<u8>> = [crate::fixtures::SESSION_014, crate::fixtures::GUIDE_013]
        .iter()
        .flat_map(|f| crate::fixtures::frames(f))
        .map(|f| crate::fixtures::compact(&f).into_bytes())
        .collect();
    let mutants: Vec<Vec<u8>> = (0..3000)
        .map(|_| crate::fixtures::mutant(&mut rng, &frames, alphabet))
        .collect();
    frames.extend(ODD.iter().map(|f| f.as_bytes().to_vec()));
    frames.extend(mutants);
    let mut shaped_runs = 0;
    for code in SHAPED {
        let shaped = compile(code);
        assert_ne!(shaped.shape, Shape::Full, "{code} is not shaped");
        let mut full = compile(code);
        full.shape = Shape::Full;
        for frame in &frames {
            let want = run_all(&full, frame);
            let got = run_all(&shaped, frame);
            assert_eq!(got, want, "{code} on {}", String::from_utf8_lossy(frame));
            assert_eq!(shaped.take_messages(), full.take_messages());
            shaped_runs += 1;
        }
    }
    assert!(shaped_runs > 50_000);
}

/// Skipping a value validates it as reading it does: same verdict, same words.
#[test]
fn skipping_refuses_what_reading_refuses() {
    let mut rng = fastrand::Rng::with_seed(7);
    let alphabet = b"{}[]\":,\\ -+01e.Eu\x1b\x7f\x00tfn\"abc\xff\xc3";
    let frames: Vec<Vec<u8>> = crate::fixtures::frames(crate::fixtures::SESSION_014)
        .iter()
        .map(|f| crate::fixtures::compact(f).into_bytes())
        .collect();
    let nothing = Shape::Fields(Vec::new());
    let (mut read, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let m = crate::fixtures::mutant(&mut rng, &frames, alphabet);
        let full = read::parse(&m);
        let skipped = read::parse_shaped(&m, &nothing);
        match (&full, &skipped) {
            (Ok(_), Ok(_)) => read += 1,
            (Err(a), Err(b)) => {
                assert_eq!(a, b, "{}", String::from_utf8_lossy(&m));
                refused += 1;
            }
            _ => panic!("{full:?} vs {skipped:?}: {}", String::from_utf8_lossy(&m)),
        }
    }
    assert!(
        read > 1000 && refused > 1000,
        "{read} read, {refused} refused"
    );
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(300), "]".repeat(300));
    assert_eq!(
        read::parse_shaped(deep.as_bytes(), &nothing),
        Err(Unread::TooDeep)
    );
}
