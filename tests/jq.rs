//! `-f/--filter`: jq programs run on real frames through the binary.

use std::process::Output;

use assert_cmd::Command;

const SESSION: &str = "tests/fixtures/session-0.14.json";
const GUIDE: &str = "tests/fixtures/guide-0.13.json";

const ORDER: &str = r#"{"notification":{"buyerHandle":"alice","orderId":"QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ","title":"Leather wallet","type":"order"}}"#;
const PAYMENT: &str = r#"{"notification":{"orderId":"QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ","fundingTotal":{"amount":"1834217"},"type":"payment"}}"#;
const WALLET: &str =
    r#"{"walletUpdate":{"BTC":{"confirmed":"18446744073709551616","unconfirmed":"0"}}}"#;

fn obtail(args: &[&str], stdin: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .write_stdin(stdin)
        .output()
        .unwrap()
}

/// Replays `frames` (one per line) from stdin through `args`.
fn replay(args: &[&str], frames: &[&str]) -> Output {
    let mut argv = vec!["--replay", "-"];
    argv.extend_from_slice(args);
    obtail(&argv, &(frames.join("\n") + "\n"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn lines(o: &Output) -> Vec<String> {
    stdout(o).lines().map(str::to_string).collect()
}

#[test]
fn select_keeps_frames_and_paths_project_them() {
    let o = replay(
        &["-f", r#"select(.notification.type == "order")"#],
        &[WALLET, ORDER, PAYMENT],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&o), [ORDER]);

    let o = obtail(
        &[
            "--replay",
            SESSION,
            "-t",
            "notification",
            "-f",
            ".notification | {type, orderId}",
            "-n",
            "2",
        ],
        "",
    );
    assert_eq!(
        lines(&o),
        [
            r#"{"type":"order","orderId":"QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ"}"#,
            r#"{"type":"payment","orderId":"QmTCTBF57ujtZDd7KzHodZdsiHp7zwnzL798s2CB8uftKC"}"#
        ]
    );
}

#[test]
fn a_frame_can_yield_several_outputs_and_each_counts_for_n() {
    let o = replay(
        &["-f", ".notification | .type, .orderId"],
        &[ORDER, PAYMENT],
    );
    assert_eq!(lines(&o).len(), 4);
    let o = replay(
        &["-f", ".notification | .type, .orderId", "-n", "3"],
        &[ORDER, PAYMENT],
    );
    assert_eq!(
        lines(&o),
        [
            r#""order""#,
            r#""QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ""#,
            r#""payment""#
        ]
    );
    assert!(o.status.success());
    // frames the program drops do not count
    let o = obtail(
        &[
            "--replay",
            GUIDE,
            "-f",
            "select(.wallet) | .wallet.txid",
            "-n",
            "2",
        ],
        "",
    );
    assert_eq!(lines(&o).len(), 2, "{}", stdout(&o));
}

#[test]
fn frame_variables() {
    let o = obtail(
        &[
            "--replay",
            SESSION,
            "-t",
            "wallet",
            "-f",
            "[$kind, $source, ($time | test(\"^\\\\d{4}-\\\\d\\\\d-\\\\d\\\\dT\\\\d\\\\d:\\\\d\\\\d:\\\\d\\\\d\\\\.\\\\d{6}Z$\"))]",
        ],
        "",
    );
    assert_eq!(
        lines(&o),
        [
            format!(r#"["wallet.incoming","{SESSION}",true]"#),
            format!(r#"["wallet.outgoing","{SESSION}",true]"#)
        ],
        "{}",
        stderr(&o)
    );
}

#[test]
fn time_and_source_come_from_a_record() {
    let record = format!(
        r#"{{"time":"2020-11-20T14:01:44.218733-05:00","kind":"notification.order","source":"ws://node:4002/ws","frame":{ORDER}}}"#
    );
    let o = replay(&["-f", "[$time, $source, $kind]"], &[&record]);
    assert_eq!(
        lines(&o),
        [r#"["2020-11-20T19:01:44.218733Z","ws://node:4002/ws","notification.order"]"#]
    );
}

#[test]
fn arg_and_argjson() {
    let o = replay(
        &[
            "--arg",
            "who",
            "alice",
            "--argjson",
            "min",
            "1000000",
            "-f",
            r#"select(.notification.buyerHandle == $who) | [$who, $min]"#,
        ],
        &[ORDER, PAYMENT],
    );
    assert_eq!(lines(&o), [r#"["alice",1000000]"#]);

    let o = replay(&["--argjson", "min", "{oops", "-f", "$min"], &[ORDER]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--argjson min"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn raw_output_prints_strings_bare() {
    let o = replay(&["-r", "-f", ".notification | .type, {t: .type}"], &[ORDER]);
    assert_eq!(lines(&o), ["order", r#"{"t":"order"}"#]);
    let o = replay(&["-r", "-f", r#""a\tb\nc""#], &[ORDER]);
    assert_eq!(stdout(&o), "a\tb\nc\n");
    let o = replay(&["-f", r#""a\tb""#], &[ORDER]);
    assert_eq!(stdout(&o), "\"a\\tb\"\n");
}

#[test]
fn every_format_shows_program_outputs() {
    let program = ".notification | {type}";
    let o = replay(&["-o", "ndjson", "-f", program], &[ORDER]);
    assert_eq!(stdout(&o), "{\"type\":\"order\"}\n");
    let o = replay(&["-o", "json", "-f", program], &[ORDER]);
    assert_eq!(stdout(&o), "{\n  \"type\": \"order\"\n}\n");
    let o = replay(&["-o", "raw", "-f", program], &[ORDER]);
    assert_eq!(stdout(&o), "{\"type\":\"order\"}\n");
    let o = replay(
        &["-o", "pretty", "--color", "never", "-f", program],
        &[ORDER],
    );
    let out = stdout(&o);
    assert!(
        out.contains(" notification.order ") && out.ends_with(" {\"type\":\"order\"}\n"),
        "{out}"
    );
    let o = replay(
        &["-o", "pretty", "-r", "-f", ".notification.type"],
        &[ORDER],
    );
    assert!(stdout(&o).ends_with(" order\n"), "{}", stdout(&o));
}

#[test]
fn envelope_wraps_outputs_with_the_frame_time_kind_and_source() {
    let record = format!(
        r#"{{"time":"2020-11-20T19:01:44.218733Z","kind":"notification.order","source":"ws://node:4002/ws","frame":{ORDER}}}"#
    );
    let o = replay(
        &["--envelope", "-o", "ndjson", "-f", ".notification.type"],
        &[&record],
    );
    assert_eq!(
        stdout(&o),
        "{\"time\":\"2020-11-20T19:01:44.218733Z\",\"kind\":\"notification.order\",\"source\":\"ws://node:4002/ws\",\"frame\":\"order\"}\n"
    );
    // a selected frame keeps the record shape, so the output replays
    let o = replay(
        &[
            "--envelope",
            "-f",
            r#"select(.notification.type == "order")"#,
        ],
        &[&record],
    );
    assert_eq!(stdout(&o).trim_end(), record);
}

#[test]
fn big_integers_keep_their_digits() {
    let o = replay(
        &["-f", ".a, .b, .a + 1, {c: .c}"],
        &[r#"{"a":18446744073709551616,"b":0.10000000000000000555,"c":1.50}"#],
    );
    assert_eq!(
        lines(&o),
        [
            "18446744073709551616",
            "0.10000000000000000555",
            "18446744073709551617",
            r#"{"c":1.50}"#
        ]
    );
    let o = replay(&["-f", ".walletUpdate.BTC.confirmed | tonumber"], &[WALLET]);
    assert_eq!(lines(&o), ["18446744073709551616"]);
}

#[test]
fn a_bad_program_is_a_usage_error_with_a_caret() {
    let o = replay(&["-f", ".notification | | .type"], &[ORDER]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert_eq!(
        stderr(&o),
        "obtail: error: bad filter program: expected term\n \
         --> program:1:17\n  \
         |\n\
         1 | .notification | | .type\n  \
         |                 ^ unexpected token\n"
    );
    let o = replay(
        &["--color", "always", "-f", ".notification | | .type"],
        &[ORDER],
    );
    assert!(stderr(&o).contains("\x1b[1;31m^\x1b[0m"), "{}", stderr(&o));
}

#[test]
fn a_program_file_is_named_in_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shape.jq");
    std::fs::write(
        &path,
        "# keep orders\nselect(.notification.type == \"order\")\n| nosuch\n",
    )
    .unwrap();
    let o = replay(&["--filter-file", path.to_str().unwrap()], &[ORDER]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("obtail: error: bad filter program: undefined function nosuch/0\n"),
        "{err}"
    );
    assert!(err.contains("shape.jq:3:3"), "{err}");
    std::fs::write(
        &path,
        "select(.notification.type == \"order\") | .notification.title\n",
    )
    .unwrap();
    let o = replay(
        &["--filter-file", path.to_str().unwrap()],
        &[ORDER, PAYMENT],
    );
    assert_eq!(lines(&o), [r#""Leather wallet""#]);
}

#[test]
fn unknown_variables_and_functions_fail_before_any_frame() {
    for (program, needle) in [
        ("$nosuch", "undefined variable $nosuch"),
        (".a | frobnicate", "undefined function frobnicate/0"),
        ("inputs", "undefined function inputs/0"),
    ] {
        // stdin never ends: only a compile-time check can finish this
        let o = obtail(&["--replay", "/dev/null", "-f", program], "");
        assert_eq!(o.status.code(), Some(2), "{program}");
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
    }
}

#[test]
fn runtime_errors_warn_per_frame_and_are_counted_at_exit() {
    let o = replay(
        &["-f", ".notification.orderId.b"],
        &[ORDER, r#"{"a":"x"}"#, PAYMENT],
    );
    assert!(o.status.success());
    assert_eq!(lines(&o), ["null"]);
    assert_eq!(
        stderr(&o),
        "obtail: warning: filter error (notification.order frame): cannot index \"QmbMY8sGFeZ4cF9LGFmDRgT6Ao3sVRtGcYW5vuJ9ckWFAZ\" with \"b\"\n\
         obtail: 2 frames raised errors in the filter (each different error was shown once)\n"
    );
    let o = replay(&["-f", r#"error("bad \u001b[31m frame"), 1"#], &[ORDER]);
    assert_eq!(
        stderr(&o),
        "obtail: warning: filter error (notification.order frame): bad \\x1b[31m frame\n\
         obtail: 1 frame raised an error in the filter\n"
    );
    let o = replay(&["-f", ".notification.title | tonumber"], &[ORDER]);
    assert!(stderr(&o).contains("filter error (notification.order frame)"));
    assert!(o.stdout.is_empty());
}

#[test]
fn halt_ends_obtail_after_flushing_output() {
    let frames = [ORDER, PAYMENT, WALLET];
    let o = replay(
        &[
            "-f",
            r#".notification.type, (select(.notification.type == "payment") | halt)"#,
        ],
        &frames,
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(lines(&o), [r#""order""#, r#""payment""#]);
    assert!(o.stderr.is_empty());

    let o = replay(
        &[
            "-f",
            r#".notification.type, (select(.notification.type == "payment") | "stop\n" | halt_error)"#,
        ],
        &frames,
    );
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(lines(&o), [r#""order""#, r#""payment""#]);
    assert_eq!(stderr(&o), "stop\n");

    let o = replay(
        &[
            "-f",
            r#"select(.walletUpdate) | {why: "late"} | halt_error(3)"#,
        ],
        &frames,
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stderr(&o), "{\"why\":\"late\"}\n");

    let o = replay(&["-f", r#""no newline" | halt_error(1)"#], &frames);
    assert_eq!(
        (o.status.code(), stderr(&o)),
        (Some(1), "no newline".into())
    );
}

#[test]
fn with_t_other_kinds_never_reach_the_program() {
    let program = r#"if .walletUpdate then "balance" else error("parsed") end"#;
    let o = replay(
        &["-t", "walletUpdate", "-f", program],
        &[ORDER, WALLET, PAYMENT],
    );
    assert_eq!(lines(&o), [r#""balance""#]);
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    // the control: without -t the same frames do reach it
    let o = replay(&["-f", program], &[ORDER, WALLET, PAYMENT]);
    assert!(
        stderr(&o).contains("2 frames raised errors"),
        "{}",
        stderr(&o)
    );
    // nor do frames that --order drops
    let o = replay(&["--order", "QmTCTBF57u", "-f", program], &[ORDER, PAYMENT]);
    assert!(o.stderr.is_empty() && o.stdout.is_empty(), "{}", stderr(&o));
}

#[test]
fn deep_frames_are_refused_with_a_warning() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let o = replay(&["-f", "."], &[&deep, ORDER]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&o), [ORDER]);
    let err = stderr(&o);
    // the classifier reads no deeper than it needs: the frame is `unknown`, and the guard
    // before jaq's reader is what refuses it
    assert_eq!(
        err,
        "obtail: warning: frame not given to the filter (unknown): nested more than 256 levels deep\n"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn frames_that_are_not_json_are_skipped_with_a_warning() {
    let o = replay(&["-f", "."], &["not json", ORDER]);
    assert_eq!(lines(&o), [ORDER]);
    assert!(stderr(&o).contains("frame not given to the filter (invalid): not JSON"));
    let o = replay(&["-T", "invalid", "-f", "."], &["not json", ORDER]);
    assert!(o.stderr.is_empty());
    // Shaped like an order notification, but broken: still reported as the invalid frame it is.
    let broken = r#"{"notification":{"type":"order"},"x":tru}"#;
    let o = replay(&["-f", "$kind"], &[broken, ORDER]);
    assert_eq!(lines(&o), [r#""notification.order""#]);
    assert!(
        stderr(&o).contains("frame not given to the filter (invalid): not JSON"),
        "{}",
        stderr(&o)
    );
    let o = replay(&["-T", "invalid", "-f", "$kind"], &[broken]);
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn debug_goes_to_stderr() {
    let o = replay(&["-f", ".notification.type | debug"], &[ORDER]);
    assert_eq!(lines(&o), [r#""order""#]);
    assert_eq!(stderr(&o), "[\"DEBUG:\",\"order\"]\n");
}

/// What a program wrote to stderr before an error comes before the warning about the error.
#[test]
fn debug_before_an_error_is_shown_before_it() {
    let o = replay(&["-f", ".notification.type | debug | error"], &[ORDER]);
    let err = stderr(&o);
    let debug = err.find("[\"DEBUG:\",\"order\"]").expect(&err);
    let warning = err.find("filter error").expect(&err);
    assert!(debug < warning, "{err}");
}

#[test]
fn long_generated_programs_do_not_overflow_the_stack() {
    // A program generated from a list of ids: one `or` per id.
    let ids: Vec<String> = (0..3000).map(|i| format!(".id == \"{i}\"")).collect();
    let program = format!("select({})", ids.join(" or "));
    let o = replay(&["-f", &program], &[r#"{"id":"2999"}"#, r#"{"id":"x"}"#]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(lines(&o), [r#"{"id":"2999"}"#]);
    let deep = format!("{}{}", "[".repeat(3000), "]".repeat(3000));
    let o = replay(&["-f", "$x | length", "--argjson", "x", &deep], &["{}"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(lines(&o), ["1"]);
}

/// Frames that are not JSON but that the fast skim would read: the program's reader is the
/// only validation they get under `-f`.
const NOT_JSON: [&str; 6] = [
    "{\"message\":{\"peerId\":\"Qm1\",\"message\":\"\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}]0;pwned\u{7}\"}}",
    "{\"a\":\"bell\u{7}\"}",
    r#"{"a":01}"#,
    r#"{"a":"\u+04F"}"#,
    r#"{"a":1e+-5}"#,
    r#"{"status":"publishing","n":-01.5}"#,
];

#[test]
fn a_frames_kind_does_not_depend_on_a_filter() {
    for frame in NOT_JSON {
        let o = replay(&["-o", "ndjson", "--envelope"], &[frame]);
        let line: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(line["kind"], "invalid", "{frame:?}");
        for program in [".", "$kind", "select(true)"] {
            let o = replay(&["-f", program], &[frame]);
            assert!(o.status.success(), "{}", stderr(&o));
            assert_eq!(stdout(&o), "", "{frame:?} reached {program}");
            assert!(
                stderr(&o).contains("frame not given to the filter (invalid)"),
                "{frame:?}: {}",
                stderr(&o)
            );
            // Only frames of an asked-for kind are reported.
            let o = replay(&["-f", program, "-t", "unknown"], &[frame]);
            assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("", ""));
        }
    }
}

/// JSON that serde_json alone reads differently in different places (a lone surrogate in a
/// key or a type, a number beyond a double): its kind is the same with and without `-f`.
#[test]
fn odd_but_valid_frames_have_one_kind_with_or_without_a_filter() {
    let frames = [
        (
            r#"{"notification":{"type":"order","a\ud800k":"x"}}"#,
            "notification.order",
        ),
        (
            r#"{"notification":{"type":"ord\udc00er"}}"#,
            "notification.ord\u{fffd}er",
        ),
        (r#"{"x":-1e400,"status":"publishing"}"#, "status.publishing"),
        (r#"{"x":1.E400,"status":"publishing"}"#, "invalid"),
    ];
    for (frame, kind) in frames {
        let o = replay(&["-o", "ndjson", "--envelope"], &[frame]);
        // The frame keeps its lone surrogate, which serde_json will not read: the kind alone.
        let out = stdout(&o);
        let at = out.find(r#""kind":"#).expect(&out) + r#""kind":"#.len();
        let mut strings = serde_json::Deserializer::from_str(&out[at..]).into_iter::<String>();
        assert_eq!(strings.next().unwrap().unwrap(), kind, "{frame}");
        let o = replay(&["-f", "$kind", "-r"], &[frame]);
        let seen = if kind == "invalid" { "" } else { kind };
        assert_eq!(stdout(&o).trim_end(), seen, "{frame}: {}", stderr(&o));
    }
}

#[test]
fn no_output_format_lets_a_raw_control_through_a_filter() {
    let valid_escaped = r#"{"a":"\u001b]52;c;ZXZpbA==\u0007\u001b[2J","b":"\u009b31m\u202e"}"#;
    let mut frames = NOT_JSON.to_vec();
    frames.push(valid_escaped);
    for format in ["pretty", "json", "ndjson", "raw"] {
        for program in [".", ".a", "[.a, .b]", "{x: .a}"] {
            let o = replay(&["-o", format, "-f", program], &frames);
            let out = stdout(&o);
            assert!(
                !out.chars().any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202e}')),
                "{format} {program}: {out:?}"
            );
            assert!(!stderr(&o).contains('\u{1b}'), "{}", stderr(&o));
        }
    }
}

#[test]
fn halt_error_exits_with_the_low_8_bits_as_jq_does() {
    for (code, exit) in [("-1", 255), ("256", 0), ("300", 44), ("255", 255)] {
        let program = format!(r#""bye\n" | halt_error({code})"#);
        let o = replay(&["-f", &program], &[ORDER]);
        assert_eq!(
            o.status.code(),
            Some(exit),
            "halt_error({code}): {}",
            stderr(&o)
        );
        assert_eq!(stderr(&o), "bye\n");
    }
}

#[test]
fn fromjson_on_a_deeply_nested_peer_string_is_a_filter_error() {
    // About 14 MB of brackets (4 MB in a debug build) overflowed even the 1 GiB stack.
    let frame = format!(r#"{{"message":{{"message":"{}"}}}}"#, "[".repeat(4 << 20));
    let o = replay(&["-f", ".message.message | fromjson"], &[&frame, ORDER]);
    // Both frames fail (`null | fromjson` too): exit 5, as jq.
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nested more than 256 levels deep"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).len() < 1000);
}

#[test]
fn programs_never_see_credentials_in_the_environment() {
    let o = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["--replay", "-", "-f", "[$ENV, env] | map(keys)"])
        .env("OBTAIL_PASSWORD", "hunter2")
        .env("OBTAIL_COOKIE", "OpenBazaar_Auth_Cookie=secretcookie")
        .env("OBTAIL_URL", "ws://admin:pa55@127.0.0.1:4002/ws")
        .env("OBTAIL_VISIBLE", "yes")
        .write_stdin(format!("{ORDER}\n"))
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("OBTAIL_VISIBLE"), "{out}");
    for secret in ["OBTAIL_PASSWORD", "OBTAIL_COOKIE", "OBTAIL_URL"] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_obtail"))
        .args(["--replay", "-", "-f", "$ENV.OBTAIL_URL, env.OBTAIL_URL"])
        .env("OBTAIL_URL", "ws://127.0.0.1:4002/ws")
        .write_stdin(format!("{ORDER}\n"))
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o).lines().collect::<Vec<_>>(),
        ["\"ws://127.0.0.1:4002/ws\""; 2]
    );
}

#[test]
fn the_same_filter_error_on_every_frame_is_one_warning_and_a_count() {
    let frames = [ORDER, PAYMENT, ORDER, WALLET];
    let o = replay(&["-f", r#".. | strings | test("\\p{L}")"#], &frames);
    assert_eq!(
        o.status.code(),
        Some(5),
        "every frame failed: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    assert_eq!(err.matches("invalid regex").count(), 1, "{err}");
    assert!(
        err.ends_with(
            "obtail: 4 frames raised errors in the filter (each different error was shown once)\n"
        ),
        "{err}"
    );
    // Different errors are each shown.
    let o = replay(&["-f", ".notification.title.b"], &[ORDER, ORDER, PAYMENT]);
    let err = stderr(&o);
    assert_eq!(err.matches("warning: filter error").count(), 1, "{err}");
    assert!(err.contains("2 frames raised errors"), "{err}");
}

/// jq's convention for scripts: a program that raised an error on every frame of a replay
/// exits 5; one frame that went through is enough for 0.
#[test]
fn a_program_that_fails_on_every_frame_exits_5_as_jq_does() {
    let o = replay(&["-f", ".notification.title.b"], &[ORDER, ORDER]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let o = replay(&["-f", ".notification.title.b"], &[ORDER, PAYMENT]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "PAYMENT has no title: {}",
        stderr(&o)
    );
    let o = replay(&["-t", "walletUpdate", "-f", "error(\"x\")"], &[ORDER]);
    assert_eq!(o.status.code(), Some(0), "no frame reached the program");
}
