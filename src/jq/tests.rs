//! Unit tests of jq programs on real frames: compile faults, outputs, variables, errors,
//! halts, and the guards against deep nesting.

use std::ops::ControlFlow;
use std::path::PathBuf;

use super::run::MAX_INPUT_DEPTH;
use super::*;
use crate::config::JqSettings;
use crate::exit::Failure;
use crate::frame::parse_time;

const ORDER: &str = r#"{"notification":{"buyerHandle":"alice","orderId":"QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ","price":{"amount":"1834217","currency":{"code":"BTC","divisibility":8}},"title":"Leather wallet","type":"order"}}"#;
const WALLET: &str = r#"{"wallet":{"confirmations":0,"orderId":"","txid":"ab12","value":{"amount":"21756","currency":{"code":"LTC","divisibility":8}}}}"#;

fn settings(program: &str) -> JqSettings {
    JqSettings {
        program: program.to_string(),
        origin: None,
        args: Vec::new(),
        argjson: Vec::new(),
        raw_output: false,
    }
}

fn compile(program: &str) -> Program {
    Program::compile(&settings(program), &[], false).unwrap_or_else(|e| panic!("{e}"))
}

fn fault(s: JqSettings) -> String {
    match Program::compile(&s, &[], false) {
        Err(Failure::Report(text)) => text,
        Err(other) => panic!("not a report: {other}"),
        Ok(_) => panic!("{} compiled", s.program),
    }
}

/// Runs `p` on `frame` as a `kind` frame; the outputs as JSON, and how the run ended.
fn run_on(p: &Program, kind: &str, frame: &str) -> (Vec<String>, Outcome<()>) {
    let time = parse_time("2020-11-20T19:01:44.218733Z").unwrap();
    let vars = FrameVars {
        kind,
        time: &time,
        source: "ws://127.0.0.1:4002/ws",
        recovered: false,
        suspects: &[],
    };
    let mut outs = Vec::new();
    let outcome = p.run(frame.as_bytes(), &vars, |out| {
        let mut json = Vec::new();
        if out.is_input {
            json.extend_from_slice(frame.as_bytes());
        } else {
            write_value(&mut json, out.value).unwrap();
        }
        outs.push(String::from_utf8(json).unwrap());
        ControlFlow::Continue(())
    });
    (outs, outcome)
}

fn outputs(program: &str, frame: &str) -> Vec<String> {
    let (outs, outcome) = run_on(&compile(program), "notification.order", frame);
    assert_eq!(outcome, Outcome::Done, "{program}");
    outs
}

#[test]
fn select_filters_and_paths_project() {
    let p = compile(r#"select(.notification.type == "order")"#);
    assert_eq!(run_on(&p, "notification.order", ORDER).0, [ORDER]);
    assert!(run_on(&p, "wallet.incoming", WALLET).0.is_empty());
    assert_eq!(
        outputs(".notification | {type, orderId}", ORDER),
        [r#"{"type":"order","orderId":"QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ"}"#]
    );
    assert_eq!(
        outputs(
            ".notification.price.amount, .notification.buyerHandle",
            ORDER
        ),
        [r#""1834217""#, r#""alice""#]
    );
}

#[test]
fn an_untouched_frame_is_known_as_the_input() {
    let p = compile(". , (.notification.type = \"x\")");
    let time = parse_time("2020-11-20T19:01:44Z").unwrap();
    let vars = FrameVars {
        kind: "k",
        time: &time,
        source: "s",
        recovered: false,
        suspects: &[],
    };
    let mut flags = Vec::new();
    p.run(ORDER.as_bytes(), &vars, |out| {
        flags.push(out.is_input);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(flags, [true, false]);
}

#[test]
fn frame_variables_are_bound_per_frame() {
    let p = compile("[$kind, $time, $source]");
    let (outs, _) = run_on(&p, "notification.order", ORDER);
    assert_eq!(
        outs,
        [r#"["notification.order","2020-11-20T19:01:44.218733Z","ws://127.0.0.1:4002/ws"]"#]
    );
    // without `$time` in the program the time is never formatted, and nothing else changes
    assert_eq!(
        run_on(&compile("$kind"), "wallet.incoming", WALLET).0,
        [r#""wallet.incoming""#]
    );
}

/// The variables are reused from frame to frame only while the ones the program names are
/// the same: each frame still sees its own.
#[test]
fn reused_variables_are_each_frames_own() {
    let time = parse_time("2020-11-20T19:01:44.218733Z").unwrap();
    let later = parse_time("2020-11-20T19:01:45Z").unwrap();
    let run = |p: &Program, kind: &str, source: &str, recovered: bool, time| {
        let vars = FrameVars {
            kind,
            time,
            source,
            recovered,
            suspects: &[],
        };
        let mut outs = Vec::new();
        p.run(ORDER.as_bytes(), &vars, |out| {
            let mut json = Vec::new();
            write_value(&mut json, out.value).unwrap();
            outs.push(String::from_utf8(json).unwrap());
            ControlFlow::<()>::Continue(())
        });
        outs.join(" ")
    };
    let p = compile("[$kind, $source, $recovered, $ENV.X]");
    for (kind, source, recovered, want) in [
        ("a", "s", false, r#"["a","s",false,null]"#),
        ("a", "s", false, r#"["a","s",false,null]"#),
        ("b", "s", false, r#"["b","s",false,null]"#),
        ("b", "t", false, r#"["b","t",false,null]"#),
        ("b", "t", true, r#"["b","t",true,null]"#),
        ("a", "s", false, r#"["a","s",false,null]"#),
    ] {
        assert_eq!(run(&p, kind, source, recovered, &time), want);
    }
    let p = compile("$time");
    assert_eq!(
        run(&p, "a", "s", false, &time),
        r#""2020-11-20T19:01:44.218733Z""#
    );
    assert_eq!(
        run(&p, "a", "s", false, &later),
        r#""2020-11-20T19:01:45.000000Z""#
    );
    let p = compile("$source");
    assert_eq!(run(&p, "a", "s", false, &time), r#""s""#);
    assert_eq!(run(&p, "b", "s", true, &time), r#""s""#);
    assert_eq!(run(&p, "b", "t", true, &time), r#""t""#);
}

#[test]
fn arg_and_argjson_bind_variables() {
    let mut s = settings(r#"[$who, $limit, $limit.n + 1, $ENV.OBTAIL_TEST]"#);
    s.args.push(("who".into(), "alice".into()));
    s.argjson
        .push(("limit".into(), r#"{"n":18446744073709551616}"#.into()));
    let env = [("OBTAIL_TEST".to_string(), "yes".to_string())];
    let p = Program::compile(&s, &env, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        run_on(&p, "k", "{}").0,
        [r#"["alice",{"n":18446744073709551616},18446744073709551617,"yes"]"#]
    );
}

#[test]
fn a_bad_argjson_is_a_usage_error_naming_the_variable() {
    let mut s = settings("$x");
    s.argjson.push(("x".into(), "{nope".into()));
    let err = Program::compile(&s, &[], false).err().unwrap();
    assert_eq!(err.code(), 2);
    assert!(err.to_string().starts_with("--argjson x:"), "{err}");
}

#[test]
fn big_integers_and_decimals_keep_their_digits() {
    let frame = r#"{"a":18446744073709551616,"b":0.1000000000000000055511151231257827,"c":1.50}"#;
    assert_eq!(
        outputs(".a, .b, .c, [.a]", frame),
        [
            "18446744073709551616",
            "0.1000000000000000055511151231257827",
            "1.50",
            "[18446744073709551616]"
        ]
    );
}

#[test]
fn outputs_are_valid_json_and_safe_for_a_terminal() {
    assert_eq!(
        outputs("nan, infinite, -infinite, {(1): 2}", "{}"),
        [
            "null",
            "1.7976931348623157e+308",
            "-1.7976931348623157e+308",
            r#"{"1":2}"#
        ]
    );
    assert_eq!(
        outputs(".t", r#"{"t":"a\u001b[2J\u202eb"}"#),
        [r#""a\u001b[2J\u202eb""#]
    );
}

#[test]
fn a_syntax_error_points_at_the_token() {
    let text = fault(settings(".notification | | .type"));
    assert!(
        text.starts_with("bad filter program: expected term\n"),
        "{text}"
    );
    assert!(
        text.contains("1 | .notification | | .type\n  |                 ^ unexpected token\n"),
        "{text}"
    );
}

#[test]
fn an_unclosed_delimiter_points_at_both_ends() {
    let text = fault(settings("[.a, (.b"));
    assert!(text.contains("unclosed ("), "{text}");
    assert!(text.contains("unexpected end of program"), "{text}");
}

#[test]
fn unknown_names_are_caught_at_compile_time() {
    let text = fault(settings(".a | nosuch(1)"));
    assert!(text.starts_with("bad filter program: undefined function nosuch/1\n"));
    assert!(text.contains("  |      ^^^^^^ unknown function"), "{text}");
    let text = fault(settings("$who"));
    assert!(text.starts_with("bad filter program: undefined variable $who\n"));
    let text = fault(settings("input"));
    assert!(text.contains("one frame at a time"), "{text}");
}

#[test]
fn reports_name_the_filter_file_and_escape_the_text() {
    let mut s = settings("# \u{1b}[31m\n.a |");
    s.origin = Some(PathBuf::from("prog.jq"));
    let text = fault(s);
    assert!(text.contains("--> prog.jq:2:5"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no raw escapes without color: {text}"
    );
}

#[test]
fn reports_are_colored_only_when_asked() {
    let colored = match Program::compile(&settings(".a |"), &[], true) {
        Err(Failure::Report(t)) => t,
        _ => panic!(),
    };
    assert!(colored.contains("\x1b[1;31m^"), "{colored}");
}

#[test]
fn runtime_errors_end_the_frame_with_the_first_error() {
    let p = compile(r#"1, .notification.title.b, 2"#);
    let (outs, outcome) = run_on(&p, "notification.order", ORDER);
    assert_eq!(outs, ["1"]);
    assert_eq!(
        outcome,
        Outcome::Failed(r#"cannot index "Leather wallet" with "b""#.into())
    );
    let (_, outcome) = run_on(&compile(r#"error("x")"#), "k", "{}");
    assert_eq!(outcome, Outcome::Failed("x".into()));
    let (_, outcome) = run_on(&compile(r#"error({a: 1})"#), "k", "{}");
    assert_eq!(outcome, Outcome::Failed(r#"{"a":1} (not a string)"#.into()));
    let (_, outcome) = run_on(&compile(".t | tonumber"), "k", r#"{"t":"abc"}"#);
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    // jaq-json 2.0.3 would yield errors without end here; the first one ends the frame
    let (_, outcome) = run_on(&compile(r#""[1,"|fromjson"#), "k", "{}");
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
}

#[test]
fn long_error_messages_are_clipped() {
    let frame = format!(r#"{{"t":"{}"}}"#, "x".repeat(5000));
    let (_, outcome) = run_on(&compile(".t.u"), "k", &frame);
    let Outcome::Failed(msg) = outcome else {
        panic!()
    };
    assert!(msg.chars().count() < 400 && msg.ends_with('…'), "{msg}");
}

#[test]
fn halt_and_halt_error_give_exit_codes_and_messages() {
    let (outs, outcome) = run_on(&compile("1, halt, 2"), "k", "{}");
    assert_eq!((outs, outcome), (vec!["1".to_string()], Outcome::Halted(0)));
    assert_eq!(compile("halt").take_messages(), None);

    let p = compile(r#""bye\n" | halt_error"#);
    assert_eq!(run_on(&p, "k", "{}").1, Outcome::Halted(5));
    assert_eq!(p.take_messages().unwrap(), b"bye\n");

    let p = compile(r#"{a: 1} | halt_error(3)"#);
    assert_eq!(run_on(&p, "k", "{}").1, Outcome::Halted(3));
    assert_eq!(p.take_messages().unwrap(), b"{\"a\":1}\n");
    assert_eq!(p.take_messages(), None, "taken once");

    let (_, outcome) = run_on(&compile(r#""x" | halt_error("one")"#), "k", "{}");
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
}

#[test]
fn debug_and_stderr_write_messages_as_jq_does() {
    let p = compile(r#"debug | "s" | stderr | empty"#);
    assert_eq!(run_on(&p, "k", r#"{"a":1}"#).1, Outcome::Done);
    assert_eq!(p.take_messages().unwrap(), b"[\"DEBUG:\",{\"a\":1}]\ns");
}

#[test]
fn the_caller_can_stop_a_run() {
    let p = compile("range(1000000)");
    let time = parse_time("2020-11-20T19:01:44Z").unwrap();
    let vars = FrameVars {
        kind: "k",
        time: &time,
        source: "s",
        recovered: false,
        suspects: &[],
    };
    let mut seen = 0;
    let outcome = p.run(b"{}", &vars, |_| {
        seen += 1;
        if seen == 3 {
            ControlFlow::Break("enough")
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!((seen, outcome), (3, Outcome::Stopped("enough")));
}

#[test]
fn deep_frames_are_refused_not_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (outs, outcome) = run_on(&compile("."), "unknown", &deep);
    assert!(outs.is_empty());
    assert_eq!(
        outcome,
        Outcome::Unreadable(format!("nested more than {MAX_INPUT_DEPTH} levels deep"))
    );
    // brackets inside strings do not count, and the limit itself is fine
    let ok = format!(
        "{}\"{}\"{}",
        "[".repeat(MAX_INPUT_DEPTH),
        "[".repeat(1000),
        "]".repeat(MAX_INPUT_DEPTH)
    );
    assert_eq!(run_on(&compile("length"), "unknown", &ok).0, ["1"]);
}

#[test]
fn numbers_print_as_json_whatever_text_jaq_kept() {
    let mut s = settings(".");
    s.argjson
        .push(("n".into(), "[000.000, 1.5, -0.0e1]".into()));
    s.program = "$n".into();
    let p = Program::compile(&s, &[], false).unwrap_or_else(|e| panic!("{e}"));
    let (outs, _) = run_on(&p, "k", "{}");
    let v: serde_json::Value =
        serde_json::from_str(&outs[0]).unwrap_or_else(|e| panic!("{outs:?}: {e}"));
    assert_eq!(v[1], 1.5);
}

#[test]
fn deep_outputs_are_refused() {
    let p = compile("reduce range(1000) as $i (0; [.])");
    let time = parse_time("2020-11-20T19:01:44Z").unwrap();
    let vars = FrameVars {
        kind: "k",
        time: &time,
        source: "s",
        recovered: false,
        suspects: &[],
    };
    p.run(b"{}", &vars, |out| {
        assert!(write_value(&mut Vec::new(), out.value).is_err());
        ControlFlow::<()>::Continue(())
    });
}

#[test]
fn regex_is_not_oniguruma() {
    assert_eq!(
        outputs(r#".t | test("^\\w+$")"#, r#"{"t":"abc"}"#),
        ["true"]
    );
    let (_, outcome) = run_on(&compile(r#".t | test("\\p{L}")"#), "k", r#"{"t":"é"}"#);
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
}

#[test]
fn our_reader_reads_what_jaqs_reader_reads() {
    let fixtures = [
        include_str!("../../tests/fixtures/session-0.14.json"),
        include_str!("../../tests/fixtures/guide-0.13.json"),
    ];
    let tricky = [
        r#"{"a":"x\"y\\z\/\b\f\n\r\t","b":"\u0026\u00e9\ud83d\ude80","c":[]}"#,
        r#"[-0,1e5,-1.5E-3,18446744073709551616,-18446744073709551617,0.10,{},[[]],null,true,false]"#,
        r#"  {"dup":1,"k":2,"dup":3}  "#,
        r#""café 日本茶 🚀""#,
    ];
    let many = fixtures
        .iter()
        .flat_map(|f| jaq_json::read::parse_many(f.as_bytes()).map(|v| v.unwrap().to_string()));
    for text in many.chain(tricky.iter().map(|t| t.to_string())) {
        let theirs = jaq_json::read::parse_single(text.as_bytes()).unwrap();
        let ours = super::read::parse(text.as_bytes()).unwrap();
        assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
    }
    for bad in ["", "{", r#"{"a" 1}"#, "[1,]", r#""\x""#, "1 2", "-", "tru"] {
        assert!(super::read::parse(bad.as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn the_reader_refuses_what_json_refuses() {
    for bad in [
        "{\"a\":\"\u{1b}]52;c;eA==\u{7}\"}",
        "{\"a\":\"tab\there\"}",
        r#"{"a":01}"#,
        r#"{"a":-01}"#,
        r#"{"a":"\u+04F"}"#,
        r#"{"a":"\u-04F"}"#,
        r#"{"a":"\u04"}"#,
        r#"{"a":1e+-5}"#,
        r#"{"a":1.}"#,
        r#"{"a":.5}"#,
        r#"{"a":-}"#,
        r#"{"a":+1}"#,
        r#"{"a":1e}"#,
        r#"{"a":--1}"#,
        r#"{"a":1-2}"#,
        r#"{"a":"\x"}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":1,}"#,
        r#"{"a":nul}"#,
        r#"{"a" 1}"#,
        r#"{"a":1}x"#,
        r#"{"a":"\"#,
        r#"{"a":"\\"#,
        "",
    ] {
        let got = read::parse(bad.as_bytes());
        assert!(
            matches!(got, Err(read::Unread::NotJson(_))),
            "{bad:?} was read"
        );
        assert_eq!(
            crate::classify::classify(bad.as_bytes()).kind,
            crate::kind::Kind::Invalid,
            "{bad:?}"
        );
    }
    assert!(read::parse(b"{\"a\":\"\xff\"}").is_err());
    for good in [
        r#"{"a":0,"b":-0.5e-3,"c":1E+5,"d":"\u00e9\ud83d\ude80\ud800\/","e":[],"f":{}}"#,
        r#"  [ 1 , true , null , "x" ]  "#,
        "123456789012345678901234567890",
    ] {
        assert!(read::parse(good.as_bytes()).is_ok(), "{good}");
    }
}

/// What the reader accepts is JSON, and it refuses exactly what the validating pass calls
/// `invalid`, so a frame's kind does not depend on whether a program reads it.
#[test]
fn the_reader_agrees_with_the_validating_pass_on_mutated_frames() {
    let mut rng = fastrand::Rng::with_seed(20261202);
    let alphabet = b"{}[]\":,\\ -+01e.Eu\x1b\x7ftfn\"abc";
    let frames: Vec<Vec<u8>> = crate::fixtures::frames(crate::fixtures::SESSION_014)
        .iter()
        .map(|f| crate::fixtures::compact(f).into_bytes())
        .collect();
    let (mut read, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let m = crate::fixtures::mutant(&mut rng, &frames, alphabet);
        let full = crate::classify::classify(&m).kind;
        let text = String::from_utf8_lossy(&m);
        match read::parse(&m) {
            Ok(_) => {
                read += 1;
                assert_ne!(full, crate::kind::Kind::Invalid, "{text}");
                serde_json::from_slice::<serde::de::IgnoredAny>(&m)
                    .unwrap_or_else(|e| panic!("{text}: {e}"));
            }
            Err(read::Unread::NotJson(_)) => {
                refused += 1;
                assert_eq!(full, crate::kind::Kind::Invalid, "{text}");
            }
            Err(read::Unread::TooDeep) => {}
        }
    }
    assert!(
        read > 1000 && refused > 1000,
        "{read} read, {refused} refused"
    );
}

#[test]
fn fromjson_refuses_deep_nesting_and_what_is_not_json() {
    let deep = "[".repeat(20_000);
    let frame = format!(r#"{{"a":"{deep}"}}"#);
    let (outs, outcome) = run_on(&compile(".a | fromjson"), "unknown", &frame);
    assert!(outs.is_empty());
    let Outcome::Failed(msg) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(msg.contains("nested more than 256 levels deep"), "{msg}");
    assert!(msg.len() < 200, "{msg}");
    let ok = format!("{}{}", "[".repeat(256), "]".repeat(256));
    let frame = format!(r#"{{"a":"{ok}"}}"#);
    let (_, outcome) = run_on(&compile(".a | fromjson | length"), "unknown", &frame);
    assert_eq!(outcome, Outcome::Done);
    assert_eq!(
        outputs(r#".x | fromjson"#, r#"{"x":"[1,{\"b\":\"[[[\"}]"}"#),
        [r#"[1,{"b":"[[["}]"#]
    );
    // Only JSON, as jq: one value, numbers in JSON's grammar.
    for bad in ["1 2", "000.000", "NaN", "[1,]", "01"] {
        let frame = format!(r#"{{"x":"{bad}"}}"#);
        let (outs, outcome) = run_on(&compile(".x | fromjson"), "unknown", &frame);
        assert!(
            outs.is_empty() && matches!(outcome, Outcome::Failed(_)),
            "{bad}"
        );
    }
    assert_eq!(outputs(r#".x | tonumber"#, r#"{"x":"12"}"#), ["12"]);
    let (_, outcome) = run_on(&compile(".x | fromjson"), "unknown", r#"{"x":"[1,"}"#);
    assert!(matches!(outcome, Outcome::Failed(m) if m.starts_with("cannot parse \"[1,\" as JSON")));
}
