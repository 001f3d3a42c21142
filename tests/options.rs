//! Options as a new user meets them: one error prefix, messages that name the fix, options
//! that cannot apply said out loud, `--timeout` and `-n` that agree with each other.

mod support;

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::{fixture, run, run_env, stderr, stdout};

#[test]
fn every_error_has_one_prefix_clap_or_not() {
    let missing = ["--replay", "/nonexistent/obtail.ndjson"];
    for args in [
        &["--bogus"][..],
        &["-o", "yaml"],
        &["-n", "-1"],
        &["--replay", "-", "-t", "notifcation"],
        &missing,
    ] {
        let out = run(args, "");
        let err = stderr(&out);
        assert!(err.starts_with("obtail: error: "), "{args:?}: {err}");
        assert!(!err.contains("\nerror:"), "{args:?}: {err}");
    }
    let help = run(&["--help"], "");
    assert!(stdout(&help).starts_with("Tail"), "help is no error");
}

#[test]
fn a_negative_count_is_a_bad_value_not_a_lost_option() {
    let out = run(&["--replay", "-", "-n", "-1"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("invalid value '-1' for '--count <N>': give a whole number of events"),
        "{err}"
    );
    assert!(
        !err.contains("'-- -1'"),
        "a tip no option value can follow: {err}"
    );
}

#[test]
fn zero_timeouts_are_refused_alike() {
    for args in [
        &["--replay", "-", "--timeout", "0"][..],
        &["--replay", "-", "--timeout", "0s", "-n", "1"],
        &["--replay", "-", "--connect-timeout", "0s"],
    ] {
        let out = run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("must be more than 0"), "{args:?}");
    }
    let none = run(
        &["--replay", "-", "-n", "0"],
        "{\"status\":\"publishing\"}\n",
    );
    assert_eq!(
        none.status.code(),
        Some(0),
        "-n 0 prints nothing, as head -n 0"
    );
    assert_eq!(stdout(&none), "");
}

#[test]
fn a_timeout_that_runs_out_says_so() {
    let mut child = support::Running(
        support::bin()
            .args([
                "--replay",
                "-",
                "-n",
                "2",
                "--timeout",
                "300ms",
                "-t",
                "status",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    let mut stdin = child.0.stdin.take().unwrap();
    writeln!(stdin, "{{\"status\":\"publishing\"}}").unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(4));
    assert!(started.elapsed() < Duration::from_secs(5));
    let err = child.stderr_text();
    assert_eq!(
        err,
        "obtail: --timeout 300ms passed before -n 2 was reached\n"
    );
    drop(stdin);
}

#[test]
fn options_that_cannot_apply_are_warnings_and_the_rest_runs() {
    let session = fixture("session-0.14.json");
    let session = session.to_str().unwrap();
    for (args, warning) in [
        (
            vec!["--envelope", "-o", "pretty", "-t", "status"],
            "obtail: warning: --envelope has no effect with -o pretty",
        ),
        (
            vec!["--envelope", "-o", "raw", "-t", "status"],
            "obtail: warning: --envelope has no effect with -o raw",
        ),
        (
            vec!["-r", "-t", "status"],
            "obtail: warning: -r has no effect without a jq program",
        ),
        (
            vec!["-k", "--cookie", "x", "-t", "status"],
            "obtail: warning: --cookie, --insecure have no effect: --replay reads a file",
        ),
    ] {
        let mut argv = vec!["--replay", session];
        argv.extend(args.iter().copied());
        let out = run(&argv, "");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            stderr(&out).starts_with(warning),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("publishing"),
            "{args:?}: the rest still runs"
        );
    }
    // With a program too, what the warning says holds: raw output is the outputs alone.
    let raw = run(
        &[
            "--replay",
            session,
            "-o",
            "raw",
            "--envelope",
            "-t",
            "status",
            "-f",
            ".",
        ],
        "",
    );
    assert!(stderr(&raw).starts_with("obtail: warning: --envelope has no effect with -o raw"));
    let lines: Vec<String> = stdout(&raw).lines().map(String::from).collect();
    assert!(!lines.is_empty());
    for line in lines {
        assert!(line.starts_with("{\"status\":"), "not an envelope: {line}");
    }
    let fine = run(&["--replay", session, "--envelope", "-t", "status"], "");
    assert_eq!(stderr(&fine), "", "ndjson in a pipe takes --envelope");
}

#[test]
fn demo_speed_inf_names_the_speed_that_works() {
    let out = run(&["--demo", "--demo-speed", "inf"], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "obtail: error: --demo-speed: 'inf' is not a speed: for as fast as possible, use --demo-speed 0\n"
    );
}

#[test]
fn a_directory_given_to_replay_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let out = run(&["--replay", path], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("obtail: error: cannot read {path}: is a directory (--replay reads a file, or - for stdin)\n")
    );
}

#[test]
fn a_short_peer_suggests_its_handle() {
    let out = run(&["--replay", "-", "--peer", "bob"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .trim_end()
            .ends_with("or for a handle, --peer @bob"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_handle_finds_what_its_peer_id_finds() {
    let session = fixture("session-0.14.json");
    let session = session.to_str().unwrap();
    // Bob's chat, typing and processingError frames carry only his id; earlier frames pair
    // the id with the handle.
    let by_handle = run(&["--replay", session, "--peer", "@bob"], "");
    let by_id = run(&["--replay", session, "--peer", "Qmdy44rwpP"], "");
    assert_eq!(stdout(&by_handle).lines().count(), 13);
    assert_eq!(stdout(&by_handle), stdout(&by_id));
}

#[test]
fn handles_are_learned_from_frames_the_kind_filter_drops() {
    let session = fixture("session-0.14.json");
    let session = session.to_str().unwrap();
    let chat = run(
        &["--replay", session, "-t", "message", "--peer", "@bob"],
        "",
    );
    let lines = stdout(&chat);
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.contains("Shipped today"), "{lines}");
    let pretty = run(
        &["--replay", session, "-t", "message.order", "-o", "pretty"],
        "",
    );
    assert!(
        stdout(&pretty).contains(" @bob on order QmTCTBF57u: Shipped today"),
        "{}",
        stdout(&pretty)
    );
}

#[test]
fn contradictions_are_usage_errors() {
    for args in [
        &["--replay", "-", "ws://127.0.0.1:1"][..],
        &["--replay", "-", "-f", ".", "--filter-file", "x.jq"],
    ] {
        let out = run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).starts_with("obtail: error: "), "{args:?}");
    }
    let out = run(&["--replay", "-", "--arg", "a", "b"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).starts_with("obtail: warning: --arg and --argjson have no effect"));
}

/// What a newcomer types after reading `--demo` or `--replay`, or a file name, is a usage
/// error naming what was meant, before any host name is looked up.
#[test]
fn words_that_cannot_be_nodes_are_named() {
    for (args, needle) in [
        (
            &["demo"][..],
            "'demo' is not a node or a command: did you mean the option --demo?",
        ),
        (
            &["replay", "x.ndjson"][..],
            "did you mean the option --replay?",
        ),
        (&["since", "2h"][..], "did you mean the option --since?"),
        (&["session.ndjson"][..], "use --replay session.ndjson"),
        (&["--", "-x"][..], "'-x' is not a node"),
        (&["-"][..], "use --replay -"),
    ] {
        let o = run(args, "");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    let o = run_env(&[], &[("OBTAIL_URL", "demo")], "");
    assert!(
        stderr(&o).starts_with("obtail: error: OBTAIL_URL: 'demo'"),
        "{}",
        stderr(&o)
    );
}

/// A kind pattern that matches nothing obtail knows is a warning with the closest kinds.
#[test]
fn kind_typos_are_warned_about_with_the_closest_kinds() {
    let input = std::fs::read_to_string(support::fixture("session-0.14.json")).unwrap();
    let o = run(&["--replay", "-", "-t", "notification.ordr"], &input);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("warning: -t 'notification.ordr' matches no kind obtail knows: did you mean 'notification.order'?"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--replay", "-", "-T", "*dispte*"], &input);
    assert!(
        stderr(&o).contains("'notification.disputeOpen'"),
        "{}",
        stderr(&o)
    );
    let o = run(&["-t"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        !stderr(&o).contains("walletUpdate"),
        "no list of every kind: {}",
        stderr(&o)
    );
}

/// Scripts get the catalog as JSON, and a replay of something that is not frames says so.
#[test]
fn kinds_json_and_a_replay_of_no_json() {
    let o = run(&["kinds", "--json"], "");
    let kinds: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(kinds
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kind"] == "notification.order"));
    let o = run(&["--replay", "-"], "# a README\nnot a frame\n");
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("warning: no frame of stdin was JSON"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--replay", "-"], "{\"a\":1}\nnot a frame\n");
    assert!(!stderr(&o).contains("was JSON"), "{}", stderr(&o));
}

/// `-o json` colors as JQ_COLORS says, as jq 1.7 does; the books fit 80 columns.
#[test]
fn jq_colors_and_books_in_80_columns() {
    let args = ["--replay", "-", "-o", "json", "--color", "always"];
    let o = run_env(
        &args,
        &[("JQ_COLORS", "0;31:0;32:0;33")],
        "{\"a\":null,\"b\":true}\n",
    );
    let out = stdout(&o);
    assert!(out.contains("\x1b[0;31mnull"), "{out:?}");
    assert!(out.contains("\x1b[0;33mtrue"), "{out:?}");
    let o = run_env(&args, &[("JQ_COLORS", "red")], "{\"a\":null}\n");
    assert!(stderr(&o).contains("warning: JQ_COLORS"), "{}", stderr(&o));
    assert!(stdout(&o).contains("\x1b[1;30mnull"), "jq's default kept");
    let input = std::fs::read_to_string(support::fixture("session-0.14.json")).unwrap();
    let o = run(&["--replay", "-", "--stats", "-T", "wallet"], &input);
    let books = stderr(&o);
    assert!(
        books.contains("obtail: stats per source and kind"),
        "{books}"
    );
    assert!(books.lines().all(|l| l.chars().count() <= 80), "{books}");
    assert!(
        !books.contains("dropped"),
        "an all-zero column is left out: {books}"
    );
}

/// `--version` names the commit when obtail was built from a git work tree.
#[test]
fn the_version_names_the_commit() {
    let o = run(&["--version"], "");
    let version = stdout(&o);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match head {
        Ok(h) if h.status.success() => {
            let commit = String::from_utf8_lossy(&h.stdout).trim().to_string();
            assert_eq!(
                version.trim(),
                format!("obtail {} ({commit})", env!("CARGO_PKG_VERSION"))
            );
        }
        _ => eprintln!("the_version_names_the_commit: SKIPPED (no git work tree)"),
    }
}
