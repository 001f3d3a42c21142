//! The core end to end: recorded frames through the real binary, every kind, filter, format
//! and exit code.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{bin, fixture, run, run_env, spawn_piped, stderr, stdout, Running};

fn kinds(args: &[&str], input: &str) -> Vec<String> {
    let mut all = vec!["--replay", "-", "--envelope", "-o", "ndjson"];
    all.extend_from_slice(args);
    let out = run(&all, input);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn session() -> String {
    std::fs::read_to_string(fixture("session-0.14.json")).unwrap()
}

fn guide() -> String {
    std::fs::read_to_string(fixture("guide-0.13.json")).unwrap()
}

#[test]
fn both_generations_get_every_kind() {
    let g = kinds(&[], &guide());
    assert_eq!(g.len(), 25);
    assert_eq!(
        g[..4],
        [
            "walletUpdate",
            "wallet.incoming",
            "wallet.incoming",
            "wallet.outgoing"
        ]
    );
    assert!(g.contains(&"notification.declined".to_string()));
    let s = kinds(&[], &session());
    assert_eq!(s.len(), 38);
    for kind in [
        "walletUpdate",
        "wallet.incoming",
        "wallet.outgoing",
        "notification.order",
        "notification.vendorFinalizedPayment",
        "message.direct",
        "message.order",
        "messageTyping",
        "messageRead",
        "status.publishing",
        "status.complete",
        "status.error",
        "reply.profile",
        "reply.profile.error",
        "reply.moderator",
        "reply.rating",
        "reply.rating.error",
    ] {
        assert!(s.iter().any(|k| k == kind), "{kind} missing");
    }
}

#[test]
fn echoes_non_objects_and_garbage_are_reported_not_dropped() {
    let input = "{\"hello\":\"from another client\"}\n[1,2]\nnot json at all\n{\"status\":\"publishing\"}\n";
    assert_eq!(
        kinds(&[], input),
        ["unknown", "unknown", "invalid", "status.publishing"]
    );
}

#[test]
fn type_filters_with_prefixes_globs_and_excludes() {
    let s = session();
    let only = |args: &[&str]| kinds(args, &s);
    assert!(only(&["-t", "notification"])
        .iter()
        .all(|k| k.starts_with("notification.")));
    assert_eq!(only(&["-t", "notification"]).len(), 22);
    assert_eq!(
        only(&["-t", "message"]),
        ["message.direct", "message.order"]
    );
    assert_eq!(
        only(&["-t", "messageTyping,messageRead"]),
        ["messageTyping", "messageRead"]
    );
    assert_eq!(
        only(&["-t", "*dispute*", "-T", "*timeout,*expiry"]).len(),
        4
    );
    assert_eq!(
        only(&["-t", "WALLET"]),
        ["wallet.incoming", "wallet.outgoing"]
    );
    assert_eq!(only(&["-T", "notification", "-T", "reply,status"]).len(), 8);
}

#[test]
fn order_filter_follows_one_order_across_kinds_by_prefix() {
    let ks = kinds(&["--order", "QmTCTBF57u"], &session());
    assert_eq!(
        ks,
        [
            "notification.payment",
            "notification.orderConfirmation",
            "notification.orderDeclined",
            "notification.refund",
            "notification.fulfillment",
            "notification.processingError",
            "notification.buyerDisputeTimeout",
            "notification.buyerDisputeExpiry",
            "notification.vendorFinalizedPayment",
            "message.order",
            "messageTyping",
        ]
    );
    let other = kinds(&["--order", "QmbMY8sGFe"], &session());
    assert!(other.contains(&"wallet.incoming".to_string()));
    assert!(
        other.contains(&"notification.vendorDisputeTimeout".to_string()),
        "purchaseOrderId"
    );
    assert!(
        other.contains(&"notification.moderatorDisputeExpiry".to_string()),
        "disputeCaseId"
    );
}

#[test]
fn peer_and_request_filters() {
    let s = session();
    let by_handle = kinds(&["--peer", "@BOB", "-t", "notification"], &s);
    assert!(by_handle.contains(&"notification.orderConfirmation".to_string()));
    assert!(!by_handle.contains(&"notification.order".to_string()));
    let by_id = kinds(&["--peer", "QmShZpfoqT"], &s);
    assert_eq!(
        by_id,
        [
            "notification.moderatorAdd",
            "notification.moderatorRemove",
            "reply.moderator",
            "reply.profile"
        ]
    );
    assert_eq!(
        kinds(&["--id", "Gx5Pc1ZVdT3sVdXnWxWb2Q"], &s),
        ["reply.moderator", "reply.profile"]
    );
}

#[test]
fn pretty_is_one_readable_line_per_event() {
    let out = run(&["--replay", "-", "-o", "pretty"], &guide());
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 25);
    assert!(!text.contains('\u{1b}'), "no color when piped");
    let order = text
        .lines()
        .find(|l| l.contains(" notification.order "))
        .unwrap();
    assert!(
        order.ends_with(
            "QmeVMcgXsy purchased 'test digital for 2.3.1' for 0.00023422 LTC · order QmbMY8sGFe"
        ),
        "{order}"
    );
    assert!(text.contains("+0.00021756 LTC received, unconfirmed"));
    assert!(
        text.contains("-0.00027236 LTC sent for 'test ltc 2.3' (order QmTCTBF57u), 1 confirmation")
    );
}

#[test]
fn ndjson_json_and_raw_formats() {
    let s = session();
    let nd = stdout(&run(
        &[
            "--replay",
            "-",
            "-o",
            "ndjson",
            "-t",
            "walletUpdate",
            "-n",
            "1",
        ],
        &s,
    ));
    assert!(
        nd.starts_with("{\"walletUpdate\":{\"BTC\":{\"confirmed\":\"1834217\""),
        "{nd}"
    );
    assert!(nd.contains("\"confirmed\":\"18446744073709551616\""));
    assert_eq!(nd.lines().count(), 1);

    let big = "{\"n\": 18446744073709551616, \"f\": 0.1000000000000000055511151231257827}\n";
    assert_eq!(
        stdout(&run(&["--replay", "-"], big)),
        "{\"n\":18446744073709551616,\"f\":0.1000000000000000055511151231257827}\n"
    );

    let json = stdout(&run(&["--replay", "-", "-o", "json", "-t", "status"], &s));
    assert_eq!(json, "{\n  \"status\": \"publishing\"\n}\n{\n  \"status\": \"publish complete\"\n}\n{\n  \"status\": \"error publishing\"\n}\n");

    let raw = stdout(&run(
        &["--replay", "-", "-o", "raw", "-t", "status.error"],
        &s,
    ));
    assert_eq!(raw, "{\n    \"status\": \"error publishing\"\n}\n");
}

#[test]
fn colors_follow_flag_and_environment() {
    let input = "{\"status\":\"publishing\"}\n";
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--replay", "-", "-o", "json"];
        all.extend_from_slice(args);
        stdout(&run_env(&all, env, input)).contains('\u{1b}')
    };
    assert!(colored(&["--color", "always"], &[]));
    assert!(!colored(&[], &[]), "no color in a pipe");
    assert!(
        colored(&[], &[("CLICOLOR_FORCE", "1")]),
        "CLICOLOR_FORCE colors a pipe"
    );
    assert!(
        !colored(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
        "NO_COLOR wins"
    );
    assert!(!colored(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(
        colored(&["--color", "always"], &[("NO_COLOR", "1")]),
        "the flag beats the environment"
    );
}

#[test]
fn count_stops_early_with_success() {
    let out = run(
        &["--replay", "-", "-n", "2", "-t", "notification"],
        &session(),
    );
    assert!(out.status.success());
    assert_eq!(stdout(&out).lines().count(), 2);
}

#[test]
fn usage_errors_exit_2_with_one_clear_line() {
    for (args, needle) in [
        (
            vec!["--replay", "-", "-t", "notifcation"],
            "'notifcation' is not a kind: did you mean 'notification'?",
        ),
        (
            vec!["--replay", "-", "--order", "Qm12"],
            "--order 'Qm12' is too short",
        ),
        (vec!["--replay", "-", "-o", "yaml"], "invalid value 'yaml'"),
        (
            vec!["--replay", "-", "--timeout", "soon"],
            "--timeout: invalid duration 'soon'",
        ),
        (vec!["--bogus"], "unexpected argument '--bogus'"),
    ] {
        let out = run(&args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_missing_replay_file_is_a_runtime_error() {
    let out = run(&["--replay", "/nonexistent/obtail.ndjson"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "obtail: error: cannot read /nonexistent/obtail.ndjson: no such file or directory\n"
    );
}

#[test]
fn a_closed_stdout_is_a_quiet_success() {
    let frame = "{\"status\":\"publishing\"}\n".repeat(200_000);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), frame).unwrap();
    let mut child = Running(
        bin()
            .args(["--replay", file.path().to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(child.0.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "{\"status\":\"publishing\"}\n");
    drop(child.0.stdout.take());
    let status = child.0.wait().unwrap();
    let err = child.stderr_text();
    assert_eq!(status.code(), Some(0));
    assert_eq!(err, "");
}

#[test]
fn a_live_pipe_is_printed_as_frames_arrive() {
    let mut child = spawn_piped(&["--replay", "-", "-o", "ndjson"]);
    let mut stdin = child.0.stdin.take().unwrap();
    let mut lines = BufReader::new(child.0.stdout.take().unwrap());
    for i in 0..3 {
        writeln!(
            stdin,
            "{{\n    \"status\": \"publishing\",\n    \"n\": {i}\n}}"
        )
        .unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        lines.read_line(&mut line).unwrap();
        assert_eq!(line, format!("{{\"status\":\"publishing\",\"n\":{i}}}\n"));
    }
}

#[test]
fn timeout_before_count_exits_4() {
    let mut child = spawn_piped(&[
        "--replay",
        "-",
        "-n",
        "1",
        "--timeout",
        "300ms",
        "-t",
        "notification",
    ]);
    let started = Instant::now();
    let mut stdin = child.0.stdin.take().unwrap();
    writeln!(stdin, "{{\"status\":\"publishing\"}}").unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(4));
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(stdin);
}

#[test]
fn record_then_replay_reproduces_events_times_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("session.ndjson");
    let first = run(
        &[
            "--replay",
            "-",
            "--record",
            rec.to_str().unwrap(),
            "-t",
            "status",
            "--envelope",
        ],
        &format!("{}\nnot json\n", session()),
    );
    assert!(first.status.success());
    let recorded = std::fs::read_to_string(&rec).unwrap();
    assert_eq!(
        recorded.lines().count(),
        39,
        "every frame, before filtering"
    );
    let again = run(
        &[
            "--replay",
            rec.to_str().unwrap(),
            "-t",
            "status",
            "--envelope",
        ],
        "",
    );
    assert_eq!(stdout(&again), stdout(&first));
    let all = run(&["--replay", rec.to_str().unwrap(), "--envelope"], "");
    assert_eq!(stdout(&all), recorded, "a record replays to itself");
}

#[test]
fn kinds_command_lists_every_kind() {
    let out = bin().arg("kinds").output().unwrap();
    let text = stdout(&out);
    for kind in [
        "walletUpdate",
        "wallet.incoming",
        "notification.order",
        "message.order",
        "reply.rating.error",
        "unknown",
        "invalid",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(kind) && l.len() > kind.len() + 5),
            "{kind}"
        );
    }
}

#[test]
fn hostile_frames_never_reach_the_terminal_raw() {
    let hostile = "{\"message\":{\"message\":\"\\u001b]8;;http://x\\u0007hi\\u001b[2J\u{9b}\u{202e}\",\"peerId\":\"QmX\",\"subject\":\"\"}}\n\u{1b}[31mraw garbage\u{7}\n";
    for format in ["pretty", "json", "ndjson"] {
        let out = run(
            &["--replay", "-", "-o", format, "--color", "always"],
            hostile,
        );
        let text = stdout(&out);
        // Our own colors use ESC [ ... m; nothing else from the frame may carry an ESC.
        let stripped = text.replace("\u{1b}[", "");
        assert!(!stripped.contains('\u{1b}'), "{format}: {text:?}");
        for bad in ['\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(!text.contains(bad), "{format}: {bad:?}");
        }
        assert!(
            !text.contains("\u{1b}[2J") && !text.contains("\u{1b}[31mraw"),
            "{format}"
        );
    }
}

#[test]
fn frames_dropped_unread_are_never_invalid_frames_that_were_asked_for() {
    // Looks like an order notification to the quick read, but is not JSON.
    let input = "{\"notification\":{\"type\":\"order\"},\"x\":tru}\n{\"notification\":{\"type\":\"order\"}}\n";
    assert_eq!(
        kinds(&["-t", "notification.order"], input),
        ["notification.order"]
    );
    assert_eq!(kinds(&["-t", "invalid"], input), ["invalid"]);
    assert_eq!(kinds(&["-T", "notification"], input), ["invalid"]);
    assert_eq!(kinds(&["-t", "walletUpdate"], input), Vec::<String>::new());
}

#[test]
fn timeout_without_count_is_a_time_limit_that_exits_0() {
    let mut child = spawn_piped(&["--replay", "-", "--timeout", "300ms"]);
    let mut stdin = child.0.stdin.take().unwrap();
    writeln!(stdin, "{{\"status\":\"publishing\"}}").unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let out = child.stdout_text();
    assert_eq!(
        out, "{\"status\":\"publishing\"}\n",
        "printed before the limit"
    );
    drop(stdin);
}

#[test]
fn raw_output_says_when_a_frame_was_skipped() {
    // The line printed for a skipped frame is only its start: stderr must say so.
    let input = format!("{{\"a\":\"{}\"}}\n{{\"b\":1}}\n", "x".repeat(4000));
    let o = run(
        &["--replay", "-", "-o", "raw", "--max-frame-size", "1k"],
        &input,
    );
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("frame of 4008 bytes is larger than --max-frame-size (1024 bytes); skipped"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(stdout(&o).ends_with("{\"b\":1}\n"));
}

#[cfg(unix)]
#[test]
fn recording_into_the_replayed_file_is_refused() {
    // Each frame read would be appended to the file being read: it grew without end.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.ndjson");
    std::fs::write(&file, "{\"a\":1}\n").unwrap();
    let path = file.to_str().unwrap();
    let link = dir.path().join("link.ndjson");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    for (replay, record) in [(path, path), (link.to_str().unwrap(), path)] {
        let o = bin()
            .args(["--replay", replay, "--record", record])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let o = Running(o);
        let started = Instant::now();
        let mut child = o;
        let status = loop {
            if let Some(s) = child.0.try_wait().unwrap() {
                break s;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "still running");
            std::thread::sleep(Duration::from_millis(20));
        };
        let err = child.stderr_text();
        assert_eq!(status.code(), Some(2), "{err}");
        assert!(err.contains("--record"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"a\":1}\n");
}

#[test]
fn chat_with_wide_characters_after_an_ampersand_prints() {
    // decode_entities cut the text at byte 12 after a `&`, inside a character: exit 101.
    let input = concat!(
        r#"{"message":{"peerId":"QmPeer1234567","message":"&日本語日本語"}}"#,
        "\n",
        r#"{"message":{"peerId":"QmPeer1234567","message":"&amp;ééééé"}}"#,
        "\n"
    );
    let o = run(&["--replay", "-", "-o", "pretty"], input);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("&日本語日本語"), "{out}");
    assert!(out.contains("&ééééé"), "{out}");
}

#[test]
fn a_panic_prints_one_escaped_line_and_exits_101() {
    let hostile = "boom \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{1b}]0;pwned\u{7} end";
    let o = run_env(
        &["--replay", "-"],
        &[("OBTAIL_TEST_PANIC", hostile), ("RUST_BACKTRACE", "1")],
        "",
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(101), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("obtail: internal error"), "{err}");
    assert!(err.contains("boom \\x1b]52;c;ZXZpbA==\\x07"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err}");
    assert!(!err.contains("backtrace"), "{err}");
}

#[test]
fn input_ending_right_after_a_backslash_is_one_invalid_frame() {
    // The skim stepped two bytes past a `\` and sliced beyond the buffer: exit 101.
    let o = run(&["--replay", "-", "-o", "ndjson"], "{\"a\":\"\\");
    assert!(o.status.success(), "{}", stderr(&o));
    let line: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(line["invalid"]["text"], "{\"a\":\"\\");
}

#[test]
fn an_oversized_frame_shows_only_its_own_start() {
    let input = "{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"b\":2}\n";
    let o = run(
        &["--replay", "-", "--max-frame-size", "20", "-o", "ndjson"],
        input,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        first["invalid"]["text"],
        "{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"
    );
    assert_eq!(lines[1], "{\"b\":2}");
}

#[test]
fn absurd_durations_and_speeds_are_usage_errors() {
    for args in [
        &["--replay", "-", "--timeout", "18000000000000000000"][..],
        &["--replay", "-", "--timeout", "1e300"],
        &["--replay", "-", "--timeout", "99999999999999999999h"],
        &[
            "--connect-timeout",
            "18000000000000000000",
            "ws://127.0.0.1:9/ws",
        ],
        &[
            "--ping-interval",
            "18000000000000000000",
            "ws://127.0.0.1:9/ws",
        ],
        &["--demo", "--demo-speed", "1e-300"],
        &["--demo", "--demo-speed", "inf"],
    ] {
        let o = run(args, "");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let opt = args
            .iter()
            .find(|a| a.starts_with("--") && **a != "--replay" && **a != "--demo")
            .unwrap();
        assert!(err.contains(opt), "{args:?}: {err}");
    }
}

#[test]
fn an_oversized_frame_is_reported_even_when_filters_reject_invalid() {
    let big = format!(
        r#"{{"notification":{{"type":"payment","orderId":"QmOrder123456","x":"{}"}}}}"#,
        "x".repeat(200)
    );
    let small = r#"{"notification":{"type":"order","orderId":"QmOrder123456"}}"#;
    let input = format!("{big}\n{small}\n");
    for filter in [
        &["-t", "notification"][..],
        &["--order", "QmOrder123456"],
        &["--peer", "QmPeer1234567"],
        &["--id", "someid"],
        &[],
    ] {
        let mut args = vec!["--replay", "-", "--max-frame-size", "100", "-o", "ndjson"];
        args.extend_from_slice(filter);
        let o = run(&args, &input);
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        let shown = stdout(&o).contains("larger than --max-frame-size");
        let warned = err.contains("larger than --max-frame-size (100 bytes); skipped");
        assert!(
            shown ^ warned,
            "{filter:?}: shown {shown}, warned {warned}: {err}"
        );
    }
}

#[test]
fn invisible_characters_never_reach_pretty_output_raw() {
    let input = concat!(
        r#"{"notification":{"type":"follow","peerId":"QmPeer1234567","handle":"@ali\u200bce"}}"#,
        "\n",
        r#"{"message":{"peerId":"QmPeer1234567","message":"pay \u2060here\ufeff \u200d\u00ad\u3164 👩‍💻"}}"#,
        "\n",
        r#"{"notification":{"type":"order","buyerHandle":"bo\u200cb","title":"x&#8203;y","orderId":"QmOrder1234"}}"#,
        "\n"
    );
    for format in ["pretty", "json", "ndjson"] {
        let o = run(&["--replay", "-", "-o", format], input);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.lines().count() >= 3, "{out}");
        for c in [
            '\u{200b}', '\u{200c}', '\u{2060}', '\u{feff}', '\u{ad}', '\u{3164}',
        ] {
            assert!(!out.contains(c), "{format}: U+{:04X} in {out}", c as u32);
        }
        assert!(!out.contains("@alice") && !out.contains("@bob"), "{out}");
        if format == "pretty" {
            assert!(out.contains("\\u{200b}"), "{out}");
            assert!(out.contains("👩‍💻"), "{out}");
        }
    }
}

#[test]
fn a_pipe_and_a_file_give_the_same_frames() {
    // A BOM, a zero-indent pretty frame, a cut record followed by a frame, and a pretty frame
    // cut by the end of the file.
    let input = concat!(
        "\u{feff}{\n\"notification\": {\n\"type\": \"order\",\n\"items\": [\n{\n\"a\": 1\n}\n]\n}\n}\n",
        "{\"time\":\"2026-01-02T03:04:05Z\",\"source\":\"x\",\"frame\":{\"a\":[1,\n",
        "{\"status\":\"publishing\"}\n",
        "{\n  \"message\": {\n    \"peerId\": \"Qm1\",\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("frames.json");
    std::fs::write(&file, input).unwrap();
    let args = |src: &str| {
        vec![
            "--replay".to_string(),
            src.to_string(),
            "-o".into(),
            "ndjson".into(),
            "--envelope".into(),
        ]
    };
    let from_file = bin().args(args(file.to_str().unwrap())).output().unwrap();
    let mut child = bin()
        .args(args("-"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = input.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        for chunk in bytes.chunks(5) {
            stdin.write_all(chunk).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let from_pipe = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let kinds_and_texts = |o: &std::process::Output| -> Vec<(String, String)> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let text = v
                    .get("frame")
                    .map_or_else(|| v["text"].to_string(), |f| f.to_string());
                (v["kind"].as_str().unwrap().to_string(), text)
            })
            .collect()
    };
    let file_frames = kinds_and_texts(&from_file);
    assert_eq!(file_frames, kinds_and_texts(&from_pipe));
    let kinds: Vec<&str> = file_frames.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "notification.order",
            "invalid",
            "status.publishing",
            "invalid"
        ],
        "{file_frames:?}"
    );
}

/// A frame whose write fails (a full disk) was never printed: the books count it queued, not
/// filtered out.
#[cfg(target_os = "linux")]
#[test]
fn a_frame_whose_write_fails_is_not_counted_filtered() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    // More than the output buffer holds, so a write fails before the end.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.json");
    let one = std::fs::read_to_string(fixture("session-0.14.json")).unwrap();
    std::fs::write(&input, one.repeat(40)).unwrap();
    let out = bin()
        .arg("--replay")
        .arg(&input)
        .args(["--stats=json", "-o", "ndjson"])
        .stdin(Stdio::null())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let books = err
        .lines()
        .find(|l| l.starts_with("{\"rows\""))
        .expect(&err);
    let total = &serde_json::from_str::<serde_json::Value>(books).unwrap()["total"];
    let nums: Vec<u64> = [
        "received",
        "recovered",
        "printed",
        "filtered",
        "invalid",
        "dropped",
        "duplicate",
        "queued",
    ]
    .iter()
    .map(|c| total[c].as_u64().unwrap())
    .collect();
    // received, recovered, printed, filtered, invalid, dropped, duplicate, queued
    assert_eq!(nums[3], 0, "{err}");
    assert!(nums[7] >= 1, "{err}");
    assert_eq!(nums[0] + nums[1], nums[2..].iter().sum::<u64>(), "{err}");
}

/// A frame nested 100,000 levels deep is read without recursion in every format: printed as
/// it came (ndjson, raw), indented only so far (json), summed up (pretty); none crashes.
#[test]
fn a_frame_nested_100k_levels_deep_is_read_in_every_format() {
    let deep = format!(
        r#"{{"status":"publishing","x":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let input = format!("{deep}\n{{\"status\":\"publish complete\"}}\n");
    for format in ["ndjson", "raw", "json", "pretty"] {
        let o = run(&["--replay", "-", "-o", format, "--color", "never"], &input);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        let out = stdout(&o);
        let next = if format == "pretty" {
            "status.complete"
        } else {
            "publish complete"
        };
        assert!(out.contains(next), "{format}: the next frame is lost");
        match format {
            "ndjson" | "raw" => assert_eq!(out.lines().next(), Some(deep.as_str()), "{format}"),
            "json" => assert!(
                out.len() < deep.len() + 100_000,
                "{format}: {} bytes",
                out.len()
            ),
            _ => assert_eq!(out.lines().count(), 2, "{format}: {out}"),
        }
    }
    // Its kind is its own, not `invalid` (serde_json, which stops at 128 levels, cannot read
    // the line back: the kind is looked for as text).
    let o = run(&["--replay", "-", "-o", "ndjson", "--envelope"], &input);
    let out = stdout(&o);
    let line = out.lines().next().unwrap();
    assert!(
        line.contains(r#""kind":"status.publishing""#),
        "{}",
        line.get(..200).unwrap_or(line)
    );
}
