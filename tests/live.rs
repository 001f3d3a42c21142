//! The live source end to end: the obtail binary against websocket servers started here.

mod common;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::Frame;
use tungstenite::Message;

const WAIT: Duration = Duration::from_secs(5);

fn status(i: usize) -> String {
    format!(r#"{{"status":"s{i}"}}"#)
}

fn statuses(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(status).collect()
}

fn basic(user: &str, pass: &str) -> String {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    format!("Basic {token}")
}

/// A server that sends `s1` on every connection and then reads until the client leaves.
fn one_frame_server(opts: ServerOpts) -> Server {
    Server::start(opts, |ws, _, log| {
        send(ws, &status(1));
        drain(ws, log);
    })
}

#[test]
fn basic_auth_from_user_and_password_file() {
    let server = one_frame_server(ServerOpts {
        require: Some(("authorization".into(), basic("alice", "pw one"))),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "pw one\n").unwrap();
    let url = server.url();
    let pw = pw.to_str().unwrap();
    let mut ob = Obtail::run(&["-u", "alice", "--password-file", pw, "-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    assert_eq!(ob.stderr(), "", "a quiet start stays quiet");
}

#[test]
fn cookie_file_as_the_node_writes_it() {
    let server = one_frame_server(ServerOpts {
        require: Some(("cookie".into(), "OpenBazaar_Auth_Cookie=c00kie".into())),
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".cookie");
    std::fs::write(&file, "OpenBazaar_Auth_Cookie=c00kie").unwrap();
    let url = server.url();
    let mut ob = Obtail::run(&["--cookie-file", file.to_str().unwrap(), "-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
}

#[test]
fn local_node_cookie_is_found_in_the_default_datadir() {
    let server = one_frame_server(ServerOpts {
        require: Some(("cookie".into(), "OpenBazaar_Auth_Cookie=home".into())),
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    let datadir = home.path().join(".openbazaar");
    std::fs::create_dir(&datadir).unwrap();
    std::fs::write(datadir.join(".cookie"), "OpenBazaar_Auth_Cookie=home").unwrap();
    let addr = format!("127.0.0.1:{}", server.port);
    let h = home.path().to_str().unwrap();
    let mut ob = Obtail::run_env(&["-n", "1", &addr], &[("HOME", h)]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
}

#[test]
fn refused_auth_exits_3_at_once_naming_the_options() {
    let server = one_frame_server(ServerOpts {
        require: Some(("cookie".into(), "OpenBazaar_Auth_Cookie=right".into())),
        ..Default::default()
    });
    let url = server.url();
    let mut ob = Obtail::run_env(&[&url], &[("OBTAIL_COOKIE", "wrong-s3cret")]);
    assert_eq!(ob.wait_exit(WAIT), Some(3), "{}", ob.stderr());
    let err = ob.stderr();
    assert!(err.contains("refused authentication"), "{err}");
    assert!(err.contains("-u USER --password-file FILE"), "{err}");
    assert!(err.contains("--cookie-file"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    thread::sleep(Duration::from_millis(300));
    assert_eq!(server.log.count("403"), 1, "never retried");
}

#[test]
fn credentials_never_appear_in_output_errors_or_records() {
    let server = Server::start(
        ServerOpts {
            require: Some(("authorization".into(), basic("alice", "pa55-s3cret"))),
            ..Default::default()
        },
        |ws, n, log| {
            send(ws, &status(n + 1));
            if n == 0 {
                cut(ws);
            } else {
                drain(ws, log);
            }
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.ndjson");
    let url = format!("ws://alice:pa55-s3cret@127.0.0.1:{}/ws", server.port);
    let args = [
        "--cookie",
        "c00kie-s3cret",
        "-H",
        "X-Token: t0ken-s3cret",
        "--record",
        rec.to_str().unwrap(),
        "--envelope",
        "-n",
        "2",
        &url,
    ];
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let record = std::fs::read_to_string(&rec).unwrap();
    let (out, err) = (ob.stdout(), ob.stderr());
    assert!(err.contains("connected again after"), "{err}");
    let shown = format!("ws://127.0.0.1:{}/ws", server.port);
    assert!(out.contains(&format!(r#""source":"{shown}""#)), "{out}");
    assert!(record.contains(&shown), "{record}");
    for text in [&out, &err, &record] {
        assert!(!text.contains("s3cret"), "{text}");
        assert!(!text.contains("alice"), "not the user name either: {text}");
    }
    assert!(server
        .log
        .lines()
        .contains(&"header x-token: t0ken-s3cret".to_string()));
}

#[test]
fn a_recorded_session_replays_with_the_same_times_and_sources() {
    let server = Server::start(ServerOpts::default(), |ws, _, log| {
        send(ws, &status(1));
        send(ws, "{\n    \"walletUpdate\": {}\n}");
        send(ws, "not json");
        drain(ws, log);
    });
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.ndjson");
    let rec = rec.to_str().unwrap();
    let url = server.url();
    let mut live = Obtail::run(&["--record", rec, "--envelope", "-n", "3", &url]);
    assert_eq!(live.wait_exit(WAIT), Some(0), "{}", live.stderr());
    let mut replay = Obtail::run(&["--replay", rec, "--envelope"]);
    assert_eq!(replay.wait_exit(WAIT), Some(0), "{}", replay.stderr());
    assert_eq!(live.stdout_lines().len(), 3);
    assert_eq!(replay.stdout(), live.stdout());
}

#[test]
fn tls_with_a_pinned_self_signed_ca_certificate() {
    let dir = tempfile::tempdir().unwrap();
    for ca in [true, false] {
        let tls = self_signed(dir.path(), ca);
        let server = one_frame_server(ServerOpts {
            tls: Some(tls.server.clone()),
            ..Default::default()
        });
        let url = format!("wss://127.0.0.1:{}/ws", server.port);
        let pem = tls.cert_pem.to_str().unwrap();
        let mut ob = Obtail::run(&["--cacert", pem, "-n", "1", &url]);
        assert_eq!(ob.wait_exit(WAIT), Some(0), "ca={ca}: {}", ob.stderr());
        assert_eq!(ob.stdout_lines(), statuses(1..=1));
    }
}

#[test]
fn tls_with_a_certificate_signed_by_the_given_ca() {
    let dir = tempfile::tempdir().unwrap();
    let tls = ca_signed(dir.path());
    let server = one_frame_server(ServerOpts {
        tls: Some(tls.server.clone()),
        ..Default::default()
    });
    let url = format!("https://127.0.0.1:{}", server.port);
    let mut ob = Obtail::run(&["--cacert", tls.cert_pem.to_str().unwrap(), "-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
}

#[test]
fn tls_insecure_connects_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let tls = self_signed(dir.path(), true);
    let server = one_frame_server(ServerOpts {
        tls: Some(tls.server.clone()),
        ..Default::default()
    });
    let url = format!("wss://127.0.0.1:{}/ws", server.port);
    let mut ob = Obtail::run(&["-k", "-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    let err = ob.stderr();
    assert!(err.starts_with("obtail: warning: -k/--insecure"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Runs obtail against a TLS server with `tls`, expecting exit 1 and one line with `words`.
fn tls_refused(tls: &Tls, cacert: Option<&Path>, words: &[&str], not: &[&str]) {
    let server = one_frame_server(ServerOpts {
        tls: Some(tls.server.clone()),
        ..Default::default()
    });
    let url = format!("wss://127.0.0.1:{}/ws", server.port);
    let mut args = vec![];
    if let Some(file) = cacert {
        args.extend(["--cacert", file.to_str().unwrap()]);
    }
    args.push(&url);
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(1), "{args:?}: {}", ob.stderr());
    let err = ob.stderr();
    for w in words {
        assert!(err.contains(w), "{args:?}: wants '{w}': {err}");
    }
    for w in not
        .iter()
        .chain(&["Other(", "Error(", "{", "CaUsedAsEndEntity"])
    {
        assert!(!err.contains(w), "{args:?}: has '{w}': {err}");
    }
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(server.log.count("connect"), 0, "never connected");
}

#[test]
fn tls_certificate_problems_are_named_in_plain_words_with_their_fix() {
    let dir = tempfile::tempdir().unwrap();
    let ca_flagged = self_signed(dir.path(), true);
    tls_refused(
        &ca_flagged,
        None,
        &["presents a CA certificate as its own", "--cacert FILE"],
        &[],
    );
    let other = tempfile::tempdir().unwrap();
    let plain = self_signed(other.path(), false);
    tls_refused(
        &plain,
        None,
        &[
            "not signed by an authority obtail trusts",
            "--cacert FILE",
            "-k",
        ],
        &[],
    );
    // A wrong --cacert: the hint is not "pass --cacert" again.
    let wrong = plain.cert_pem.to_str().unwrap();
    tls_refused(
        &ca_flagged,
        Some(&plain.cert_pem),
        &[&format!(
            "neither the one in --cacert {wrong} nor signed by it"
        )],
        &["with --cacert FILE"],
    );
}

#[test]
fn a_pinned_certificate_for_another_host_or_expired_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = self_signed_for(dir.path(), &["node.example"], false);
    tls_refused(
        &elsewhere,
        Some(&elsewhere.cert_pem),
        &[
            "not valid for the name '127.0.0.1'",
            "a certificate for '127.0.0.1'",
        ],
        &[],
    );
    let dir = tempfile::tempdir().unwrap();
    let expired = self_signed_for(dir.path(), &["127.0.0.1"], true);
    tls_refused(
        &expired,
        Some(&expired.cert_pem),
        &["certificate has expired", "renew it"],
        &[],
    );
    // The same pin, valid and for this host, connects.
    let dir = tempfile::tempdir().unwrap();
    let good = self_signed_for(dir.path(), &["127.0.0.1"], false);
    let server = one_frame_server(ServerOpts {
        tls: Some(good.server.clone()),
        ..Default::default()
    });
    let url = format!("wss://127.0.0.1:{}/ws", server.port);
    let pin = good.cert_pem.to_str().unwrap();
    let mut ob = Obtail::run(&["--cacert", pin, "-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
}

#[test]
fn a_dropped_connection_resumes_without_loss_or_repeats() {
    let server = Server::start(ServerOpts::default(), |ws, n, log| {
        let first = n * 3 + 1;
        for i in first..first + 3 {
            send(ws, &status(i));
        }
        if n == 0 {
            cut(ws);
        } else {
            drain(ws, log);
        }
    });
    let url = server.url();
    let mut ob = Obtail::run(&["-n", "6", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=6));
    let err = ob.stderr();
    // A reconnect is one line: how the connection ended, and that it is back.
    let want = format!(
        " {url}: the node dropped the connection without a close frame; connected again after "
    );
    assert!(err.starts_with("obtail: ") && err.contains(&want), "{err}");
    // Reconnect notes carry the local time, and how long the node was away.
    let again = err
        .lines()
        .find(|l| l.contains("connected again after"))
        .unwrap_or("");
    let time = again
        .strip_prefix("obtail: ")
        .unwrap_or("")
        .split(' ')
        .next()
        .unwrap_or("");
    assert!(
        time.len() == 8 && time.chars().filter(|c| *c == ':').count() == 2,
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_silent_node_is_found_dead_by_the_ping_timeout() {
    let server = Server::start(ServerOpts::default(), |ws, n, log| {
        send(ws, &status(n + 1));
        if n == 0 {
            // Neither reads (so answers no ping) nor sends.
            thread::sleep(Duration::from_secs(4));
        } else {
            drain(ws, log);
        }
    });
    let url = server.url();
    let start = Instant::now();
    let args = [
        "--ping-interval",
        "200ms",
        "--ping-timeout",
        "1s",
        "-n",
        "2",
        &url,
    ];
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(ob.stdout_lines(), statuses(1..=2));
    assert!(
        ob.stderr().contains("no traffic and no pong for 1s"),
        "{}",
        ob.stderr()
    );
}

#[test]
fn pings_keep_a_quiet_connection_alive() {
    let server = Server::start(ServerOpts::default(), |ws, _, log| {
        // Reading answers pings; nothing is sent for longer than the ping timeout.
        ws.get_ref()
            .tcp()
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let until = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < until {
            let _ = ws.read();
        }
        send(ws, &status(1));
        ws.get_ref().tcp().set_read_timeout(None).unwrap();
        drain(ws, log);
    });
    let url = server.url();
    let args = [
        "--ping-interval",
        "100ms",
        "--ping-timeout",
        "500ms",
        "-n",
        "1",
        &url,
    ];
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    assert_eq!(ob.stderr(), "");
    assert_eq!(server.log.count("connect"), 1);
}

fn closing_server() -> Server {
    Server::start(ServerOpts::default(), |ws, n, log| {
        send(ws, &status(n + 1));
        ws.close(None).unwrap();
        drain(ws, log);
    })
}

#[test]
fn a_clean_close_with_no_reconnect_exits_0() {
    let server = closing_server();
    let url = server.url();
    let mut ob = Obtail::run(&["--no-reconnect", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    // A clean close is said; with -q it is not.
    assert_eq!(
        ob.stderr(),
        format!(
            "obtail: {url}: the node closed the connection; not reconnecting (--no-reconnect)\n"
        )
    );
    let mut ob = Obtail::run(&["--no-reconnect", "-q", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stderr(), "");
}

#[test]
fn a_clean_close_is_followed_by_a_reconnect() {
    let server = closing_server();
    let url = server.url();
    let mut ob = Obtail::run(&["-n", "2", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=2));
    assert!(
        ob.stderr()
            .contains("the node closed the connection; connected again after"),
        "{}",
        ob.stderr()
    );
    // -q keeps only errors and what was lost: a reconnect that lost nothing is not said.
    let mut ob = Obtail::run(&["-q", "-n", "2", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stderr(), "");
}

#[test]
fn a_drop_with_no_reconnect_exits_1() {
    let server = Server::start(ServerOpts::default(), |ws, _, _| {
        send(ws, &status(1));
        cut(ws);
    });
    let url = server.url();
    let mut ob = Obtail::run(&["--no-reconnect", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(1), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    let want =
        format!("obtail: error: {url}: the node dropped the connection without a close frame\n");
    assert_eq!(ob.stderr(), want);
}

#[test]
fn binary_and_non_utf8_frames_are_invalid_not_fatal() {
    let server = Server::start(ServerOpts::default(), |ws, _, log| {
        ws.send(Message::binary(vec![0u8, 1, 2])).unwrap();
        let bad = Frame::message(vec![b'{', 0xff, b'}'], OpCode::Data(Data::Text), true);
        ws.send(Message::Frame(bad)).unwrap();
        send(ws, &status(1));
        drain(ws, log);
    });
    let url = server.url();
    let mut ob = Obtail::run(&["-n", "3", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let lines = ob.stdout_lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].contains("invalid") && lines[0].contains("binary"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("invalid") && lines[1].contains("UTF-8"),
        "{lines:?}"
    );
    assert_eq!(lines[2], status(1));
    assert_eq!(server.log.count("connect"), 1, "the connection survived");
}

#[test]
fn an_oversized_frame_is_reported_skipped_and_the_tail_goes_on() {
    let server = Server::start(ServerOpts::default(), |ws, n, log| {
        if n == 0 {
            send(ws, &status(1));
            let big = format!(r#"{{"status":"{}"}}"#, "x".repeat(4000));
            let _ = ws.send(Message::text(big));
        } else {
            send(ws, &status(2));
        }
        drain(ws, log);
    });
    let url = server.url();
    let mut ob = Obtail::run(&["--max-frame-size", "1k", "-n", "3", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let lines = ob.stdout_lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], status(1));
    assert!(
        lines[1].contains("frame of 4013 bytes is larger than --max-frame-size (1024 bytes)"),
        "{lines:?}"
    );
    assert_eq!(lines[2], status(2));
    assert!(
        ob.stderr()
            .contains("cannot resume mid-frame; connected again after"),
        "{}",
        ob.stderr()
    );
}

#[test]
fn a_node_down_at_start_is_waited_for() {
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}/ws");
    let mut ob = Obtail::run(&["-n", "1", &format!("127.0.0.1:{port}")]);
    let refused = format!(" {url}: connection refused; retrying in");
    assert!(
        ob.wait_stderr(WAIT, |e| e.contains(&refused)),
        "{}",
        ob.stderr()
    );
    let _server = Server::start_on(port, ServerOpts::default(), |ws, _, log| {
        send(ws, &status(1));
        drain(ws, log);
    });
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    // The same failure is said once, and the connection with the tries it took.
    let err = ob.stderr();
    assert_eq!(err.matches("connection refused").count(), 1, "{err}");
    assert!(
        err.contains(&format!(" {url}: connected (")) && err.ends_with(" in all)\n"),
        "{err}"
    );
}

#[test]
fn count_with_timeout_exits_4_when_nothing_matches() {
    let server = one_frame_server(ServerOpts::default());
    let url = server.url();
    let start = Instant::now();
    let mut ob = Obtail::run(&["-t", "walletUpdate", "-n", "1", "--timeout", "1s", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(4), "{}", ob.stderr());
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(ob.stdout(), "");
}

#[test]
fn sigint_sends_a_close_frame_and_exits_130() {
    let server = one_frame_server(ServerOpts::default());
    let url = server.url();
    let mut ob = Obtail::run(&[&url]);
    assert!(ob.wait_stdout(WAIT, |o| o.contains("s1")));
    ob.interrupt();
    assert_eq!(ob.wait_exit(WAIT), Some(130), "{}", ob.stderr());
    assert!(
        server.log.wait("close frame", WAIT),
        "{:?}",
        server.log.lines()
    );
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    let sent: Vec<_> = server.log.lines();
    assert!(
        !sent.iter().any(|l| l.starts_with("text") || l == "binary"),
        "{sent:?}"
    );
}

#[test]
fn several_nodes_merge_into_one_stream() {
    let a = one_frame_server(ServerOpts::default());
    let b = Server::start(ServerOpts::default(), |ws, _, log| {
        send(ws, &status(2));
        drain(ws, log);
    });
    let mut ob = Obtail::run(&["--envelope", "-n", "2", &a.url(), &b.url()]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let out = ob.stdout();
    for (server, s) in [(&a, "s1"), (&b, "s2")] {
        let line = out.lines().find(|l| l.contains(s)).unwrap();
        assert!(
            line.contains(&format!(r#""source":"{}""#, server.url())),
            "{out}"
        );
    }
}

#[test]
fn bad_urls_are_usage_errors() {
    for (url, why) in [
        ("ftp://h:1/ws", "bad scheme"),
        ("ws://h:70000/ws", "bad port"),
        ("ws://:1/ws", "missing host"),
    ] {
        let mut ob = Obtail::run(&[url]);
        assert_eq!(ob.wait_exit(WAIT), Some(2), "{url}");
        assert!(ob.stderr().contains(why), "{}", ob.stderr());
    }
}

#[test]
fn a_password_with_url_delimiters_is_never_shown_or_used_as_host() {
    for url in [
        "ws://admin:pa/ss@127.0.0.1:x/ws",
        "ws://admin:pa?ss@h h:1/ws",
        "ws://admin:pa#ss@:1/ws",
    ] {
        let mut ob = Obtail::run(&[url]);
        assert_eq!(ob.wait_exit(WAIT), Some(2), "{url}");
        let err = ob.stderr();
        assert!(err.contains("bad URL") && err.contains("%2F"), "{err}");
        for secret in ["pa/ss", "pa?ss", "pa#ss", "admin"] {
            assert!(!err.contains(secret), "{err}");
        }
    }
    // Percent-encoded, the password reaches the node intact.
    let server = one_frame_server(ServerOpts {
        require: Some(("authorization".into(), basic("admin", "pa/ss?#@"))),
        ..Default::default()
    });
    let url = format!("ws://admin:pa%2Fss%3F%23@@127.0.0.1:{}/ws", server.port);
    let mut ob = Obtail::run(&["-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
}

/// RFC 3986: the host is the one before the first '/', whatever follows. A raw '@' after it
/// is refused before any connection, so neither node hears of it nor of the text before it.
#[test]
fn an_at_sign_in_the_path_never_moves_the_connection_to_another_host() {
    let first = one_frame_server(ServerOpts::default());
    let second = one_frame_server(ServerOpts::default());
    let url = format!(
        "ws://127.0.0.1:{}/node@127.0.0.1:{}/ws",
        first.port, second.port
    );
    let mut ob = Obtail::run(&["--no-reconnect", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(2), "{}", ob.stderr());
    let err = ob.stderr();
    assert!(err.contains("an '@' after the host"), "{err}");
    assert!(err.contains("write it as %40"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    thread::sleep(Duration::from_millis(100));
    assert!(first.log.lines().is_empty() && second.log.lines().is_empty());
    // Written as the path it is, it goes to the first host.
    let url = format!("ws://127.0.0.1:{}/ws?node=a%40b", first.port);
    let mut ob = Obtail::run(&["-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(first.log.count("connect"), 1);
    assert_eq!(second.log.count("connect"), 0);
}

#[test]
fn a_scheme_typo_is_a_usage_error_not_a_plain_connection() {
    let server = one_frame_server(ServerOpts::default());
    for (url, fix) in [
        (format!("wss//user:pw@127.0.0.1:{}", server.port), "wss://"),
        (format!("ws:/127.0.0.1:{}/ws", server.port), "ws://"),
        (format!("wws://127.0.0.1:{}/ws", server.port), "wss://"),
    ] {
        let mut ob = Obtail::run(&["--no-reconnect", &url]);
        assert_eq!(ob.wait_exit(WAIT), Some(2), "{url}: {}", ob.stderr());
        let err = ob.stderr();
        assert!(err.contains(fix) && err.contains("bad URL"), "{url}: {err}");
        assert!(!err.contains("pw") && !err.contains("user"), "{err}");
    }
    thread::sleep(Duration::from_millis(100));
    assert_eq!(server.log.count("connect"), 0);
}

#[test]
fn url_and_password_from_the_environment() {
    let server = one_frame_server(ServerOpts {
        require: Some(("authorization".into(), basic("bob", "env-pw"))),
        ..Default::default()
    });
    let url = format!("http://bob@127.0.0.1:{}", server.port);
    let env = [("OBTAIL_URL", url.as_str()), ("OBTAIL_PASSWORD", "env-pw")];
    let mut ob = Obtail::run_env(&["-n", "1"], &env);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
}

/// A TCP server that answers every connection's first bytes with `response` (maybe nothing)
/// and closes.
fn raw_http_server(response: &'static str) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { return };
            use std::io::{Read, Write};
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf);
            let _ = tcp.write_all(response.as_bytes());
        }
    });
    port
}

/// obtail ends at once with exit 1 and one line holding every one of `words`.
fn fails_at_once(args: &[&str], words: &[&str]) {
    let started = Instant::now();
    let mut ob = Obtail::run(args);
    assert_eq!(ob.wait_exit(WAIT), Some(1), "{args:?}: {}", ob.stderr());
    let err = ob.stderr();
    for w in words {
        assert!(err.contains(w), "{args:?}: wants '{w}': {err}");
    }
    assert!(!err.contains("retrying"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(started.elapsed() < Duration::from_secs(4), "not retried");
}

#[test]
fn plain_websocket_to_a_tls_port_says_use_wss() {
    let dir = tempfile::tempdir().unwrap();
    let tls = self_signed(dir.path(), true);
    let server = one_frame_server(ServerOpts {
        tls: Some(tls.server.clone()),
        ..Default::default()
    });
    let url = format!("ws://127.0.0.1:{}/ws", server.port);
    let fix = format!("use wss://127.0.0.1:{}/ws", server.port);
    fails_at_once(&[&url], &["the port speaks TLS", &fix]);
    // What openbazaar-go answers a plain request on its TLS port (protocol.md §9.2).
    let port = raw_http_server(
        "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
    );
    let url = format!("http://127.0.0.1:{port}");
    let fix = format!("use wss://127.0.0.1:{port}/ws");
    fails_at_once(&[&url], &["the port speaks TLS", &fix]);
}

/// An HTTP answer that does not parse (here a control character in its reason) is said to be
/// that, not taken for a TLS port.
#[test]
fn a_garbled_http_answer_is_not_called_a_tls_port() {
    let port = raw_http_server("HTTP/1.1 401 \x1b[2J\r\nContent-Length: 0\r\n\r\n");
    let url = format!("ws://127.0.0.1:{port}/ws");
    let mut ob = Obtail::run(&[&url, "--no-reconnect"]);
    assert_eq!(ob.wait_exit(WAIT), Some(1), "{}", ob.stderr());
    let err = ob.stderr();
    assert!(!err.contains("TLS"), "{err}");
    assert!(err.contains("the node's answer is not valid HTTP"), "{err}");
}

#[test]
fn tls_to_a_plain_port_says_use_ws() {
    // A plain server that closes on a request it cannot parse (tungstenite's own server does).
    let port = raw_http_server("");
    let url = format!("wss://127.0.0.1:{port}/ws");
    let fix = format!("use ws://127.0.0.1:{port}/ws");
    fails_at_once(&[&url], &["does not speak TLS", &fix]);
    // One that answers it in plain HTTP.
    let port = raw_http_server("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let url = format!("https://127.0.0.1:{port}/ws");
    let fix = format!("use ws://127.0.0.1:{port}/ws");
    fails_at_once(&[&url], &["does not speak TLS", &fix]);
}

#[test]
fn a_wrong_path_or_port_is_named_not_retried() {
    let port =
        raw_http_server("HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n404 page not found\n");
    let url = format!("ws://127.0.0.1:{port}/api/ws");
    fails_at_once(
        &[&url],
        &[
            "HTTP 404",
            "is /api/ws the websocket path? the node serves /ws",
        ],
    );
    let url = format!("ws://127.0.0.1:{port}/ws");
    fails_at_once(&[&url], &["HTTP 404", "API port"]);
    // A server error may pass: retried.
    let port = raw_http_server("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    let url = format!("ws://127.0.0.1:{port}/ws");
    let ob = Obtail::run(&[&url]);
    assert!(ob.wait_stderr(WAIT, |e| e.contains("HTTP 503") && e.contains("retrying")));
}

#[test]
fn an_unknown_host_is_named_not_retried() {
    fails_at_once(
        &["ws://no-such-node.invalid:4002/ws"],
        &[
            "cannot resolve the host name 'no-such-node.invalid'",
            "typo",
        ],
    );
}

#[test]
fn nothing_at_the_default_url_suggests_starting_the_node_or_the_demo() {
    if std::net::TcpListener::bind("127.0.0.1:4002").is_err() {
        eprintln!("skipped: something listens on 127.0.0.1:4002");
        return;
    }
    let ob = Obtail::run(&[]);
    assert!(
        ob.wait_stderr(WAIT, |e| e.contains("retrying")),
        "{}",
        ob.stderr()
    );
    let err = ob.stderr();
    assert!(
        err.contains(
            "connection refused (is openbazaar-go running? obtail --demo shows what obtail does)"
        ),
        "{err}"
    );
    // A URL the user typed gets no such guess.
    let port = free_port();
    let ob = Obtail::run(&[&format!("127.0.0.1:{port}")]);
    assert!(ob.wait_stderr(WAIT, |e| e.contains("retrying")));
    assert!(
        !ob.stderr().contains("openbazaar-go running"),
        "{}",
        ob.stderr()
    );
}

fn write_cookie(home: &Path, dir: &str, value: &str) {
    let dir = home.join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".cookie"),
        format!("OpenBazaar_Auth_Cookie={value}"),
    )
    .unwrap();
}

#[cfg(target_os = "linux")]
#[test]
fn the_right_cookie_is_found_among_the_mainnet_and_testnet_ones() {
    let server = one_frame_server(ServerOpts {
        require: Some(("cookie".into(), "OpenBazaar_Auth_Cookie=main".into())),
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    write_cookie(home.path(), ".openbazaar", "main");
    write_cookie(home.path(), ".openbazaar-testnet", "stale");
    let h = home.path().to_str().unwrap();
    // Not port 4002: the testnet cookie is tried first, refused, then the mainnet one.
    let addr = format!("127.0.0.1:{}", server.port);
    let mut ob = Obtail::run_env(&["-n", "1", &addr], &[("HOME", h)]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    assert_eq!(server.log.count("403"), 1);
    assert_eq!(server.log.count("connect"), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn a_refused_default_cookie_names_every_file_tried() {
    let server = one_frame_server(ServerOpts {
        require: Some(("cookie".into(), "OpenBazaar_Auth_Cookie=right".into())),
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    write_cookie(home.path(), ".openbazaar", "old-s3cret");
    write_cookie(home.path(), ".openbazaar-testnet", "older-s3cret");
    let h = home.path().to_str().unwrap();
    let mut ob = Obtail::run_env(&[&format!("127.0.0.1:{}", server.port)], &[("HOME", h)]);
    assert_eq!(ob.wait_exit(WAIT), Some(3), "{}", ob.stderr());
    let err = ob.stderr();
    assert!(
        err.contains(
            "it refused the cookie of ~/.openbazaar-testnet/.cookie and of ~/.openbazaar/.cookie"
        ),
        "{err}"
    );
    assert!(err.contains("--datadir DIR"), "{err}");
    assert!(!err.contains("s3cret") && !err.contains("given"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // No cookie at all: the hint names the testnet data dir, the likelier for this port.
    let empty = tempfile::tempdir().unwrap();
    let h = empty.path().to_str().unwrap();
    let mut ob = Obtail::run_env(&[&format!("127.0.0.1:{}", server.port)], &[("HOME", h)]);
    assert_eq!(ob.wait_exit(WAIT), Some(3), "{}", ob.stderr());
    let err = ob.stderr();
    assert!(
        err.contains(
            "no cookie was found in ~/.openbazaar-testnet/.cookie or ~/.openbazaar/.cookie"
        ),
        "{err}"
    );
    assert!(
        err.contains("--cookie-file ~/.openbazaar-testnet/.cookie"),
        "{err}"
    );
}

#[test]
fn given_credentials_are_never_replaced_by_a_cookie_found_on_disk() {
    let server = one_frame_server(ServerOpts {
        require: Some(("authorization".into(), basic("alice", "pw"))),
        ..Default::default()
    });
    let home = tempfile::tempdir().unwrap();
    write_cookie(home.path(), ".openbazaar", "lying-around");
    write_cookie(home.path(), ".openbazaar-testnet", "lying-around");
    let h = home.path().to_str().unwrap();
    let url = server.url();
    let mut ob = Obtail::run_env(&["-u", "alice:pw", "-n", "1", &url], &[("HOME", h)]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(
        server.log.count("header cookie"),
        0,
        "{:?}",
        server.log.lines()
    );
    let mut ob = Obtail::run_env(&["-u", "alice:wrong", &url], &[("HOME", h)]);
    assert_eq!(ob.wait_exit(WAIT), Some(3));
    let err = ob.stderr();
    assert!(
        err.contains("the user name or password given was refused"),
        "{err}"
    );
    assert!(!err.contains("cookie given"), "{err}");
}

#[test]
fn a_mistyped_command_is_not_taken_for_a_host() {
    for (word, command) in [("simm", "sim"), ("kind", "kinds")] {
        let mut ob = Obtail::run(&[word]);
        assert_eq!(ob.wait_exit(WAIT), Some(2), "{word}: {}", ob.stderr());
        let err = ob.stderr();
        assert!(err.contains(&format!("did you mean '{command}'?")), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn labels_name_nodes_everywhere_and_line_up() {
    let a = one_frame_server(ServerOpts::default());
    let b = one_frame_server(ServerOpts::default());
    let a_arg = format!("a=ws://127.0.0.1:{}", a.port);
    let b_arg = format!("longer-name=ws://127.0.0.1:{}/ws", b.port);
    let args = ["-o", "pretty", "-n", "2", &a_arg, "--label", &b_arg];
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let lines = ob.stdout_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let column = |l: &str| l.find("status").unwrap();
    assert_eq!(column(&lines[0]), column(&lines[1]), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("[a] ")), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("[longer-name] ")),
        "{lines:?}"
    );
    let args = ["--envelope", "-n", "2", &a_arg, "--label", &b_arg];
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let out = ob.stdout();
    assert!(out.contains(r#""source":"a""#), "{out}");
    assert!(out.contains(r#""source":"longer-name""#), "{out}");
    assert!(!out.contains("127.0.0.1"), "{out}");
}

#[test]
fn the_same_node_twice_is_a_usage_error() {
    let port = free_port();
    for args in [
        vec![
            format!("127.0.0.1:{port}"),
            format!("ws://127.0.0.1:{port}/ws"),
        ],
        vec![
            format!("x=127.0.0.1:{port}"),
            format!("x=127.0.0.1:{}", port + 1),
        ],
        vec!["--label".into(), "no-equals-sign".into()],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut ob = Obtail::run(&args);
        assert_eq!(ob.wait_exit(WAIT), Some(2), "{args:?}: {}", ob.stderr());
        let err = ob.stderr();
        assert!(
            err.contains("given twice") || err.contains("two nodes") || err.contains("NAME=URL"),
            "{err}"
        );
    }
}

#[test]
fn verbose_says_when_a_node_is_first_connected() {
    let server = one_frame_server(ServerOpts::default());
    let url = server.url();
    let mut ob = Obtail::run(&["-v", "-n", "1", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let err = ob.stderr();
    let line = err.lines().next().unwrap_or("");
    let rest = line.strip_prefix("obtail: ").unwrap_or("");
    let (time, said) = rest.split_once(' ').unwrap_or(("", ""));
    assert_eq!(said, format!("{url}: connected"), "{err}");
    assert!(
        chrono::NaiveTime::parse_from_str(time, "%H:%M:%S").is_ok(),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let mut quiet = Obtail::run(&["-n", "1", &url]);
    assert_eq!(quiet.wait_exit(WAIT), Some(0));
    assert_eq!(
        quiet.stderr(),
        "",
        "stderr is not a terminal: a quiet start"
    );
}

fn ping_flood(tls: Option<&Tls>) {
    const FRAMES: usize = 300;
    let opts = ServerOpts {
        tls: tls.map(|t| t.server.clone()),
        write_only_tls: true,
        ..Default::default()
    };
    let server = Server::start(opts, |ws, _, log| {
        // Enough pongs to fill both socket buffers, as nobody reads them here.
        let ping = Message::Ping(vec![b'p'; 125].into());
        for i in 0..40_000 {
            if let Err(e) = ws.write(ping.clone()) {
                log.push(format!("write failed: {e}"));
                return;
            }
            if i % 100 == 0 {
                if let Err(e) = ws.flush() {
                    log.push(format!("flush failed: {e}"));
                    return;
                }
            }
        }
        for i in 1..=FRAMES {
            let _ = ws.write(ping.clone());
            if let Err(e) = ws.send(Message::text(status(i))) {
                log.push(format!("send failed: {e}"));
                return;
            }
        }
        thread::sleep(Duration::from_secs(30));
    });
    let n = FRAMES.to_string();
    let url = match tls {
        Some(_) => format!("wss://127.0.0.1:{}/ws", server.port),
        None => server.url(),
    };
    let mut args = vec!["-n", &n, "--ping-timeout", "60s", &url];
    if let Some(t) = tls {
        args.extend(["--cacert", t.cert_pem.to_str().unwrap()]);
    }
    let mut ob = Obtail::run(&args);
    // Stalled on each pong, this took 100 ms a frame (minutes); it takes about a second.
    assert_eq!(
        ob.wait_exit(Duration::from_secs(10)),
        Some(0),
        "{} frames read; {}",
        ob.stdout_lines().len(),
        ob.stderr() + &format!("{:?}", server.log.lines())
    );
    assert_eq!(ob.stdout_lines(), statuses(1..=FRAMES));
}

#[test]
fn a_ping_flood_whose_pongs_are_never_read_does_not_slow_the_tail() {
    ping_flood(None);
}

#[test]
fn a_ping_flood_over_tls_does_not_slow_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    ping_flood(Some(&self_signed(dir.path(), true)));
}

#[test]
fn a_text_frame_that_is_not_utf8_keeps_its_bytes_live_and_in_the_record() {
    let server = Server::start(ServerOpts::default(), |ws, _, log| {
        let bad = Frame::message(vec![b'{', 0xff, b'}'], OpCode::Data(Data::Text), true);
        ws.send(Message::Frame(bad)).unwrap();
        // Fragmented, with the bad byte in the continuation.
        let first = Frame::message(b"{\"a\":\"".to_vec(), OpCode::Data(Data::Text), false);
        let rest = Frame::message(vec![0xc3, b'"', b'}'], OpCode::Data(Data::Continue), true);
        ws.send(Message::Frame(first)).unwrap();
        ws.send(Message::Frame(rest)).unwrap();
        send(ws, "{\"status\":\"héllo\"}");
        drain(ws, log);
    });
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.ndjson");
    let rec = rec.to_str().unwrap();
    let mut ob = Obtail::run(&["-n", "3", "--record", rec, &server.url()]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    let lines = ob.stdout_lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains(r#""base64":"e/99""#), "{lines:?}");
    assert!(lines[1].contains(r#""base64":"eyJhIjoiwyJ9""#), "{lines:?}");
    assert_eq!(lines[2], "{\"status\":\"héllo\"}");
    let record = std::fs::read_to_string(rec).unwrap();
    assert!(record.contains(r#""base64":"e/99""#), "{record}");
    // Replayed, the bytes are the same frames again.
    let mut replay = Obtail::run(&["--replay", rec]);
    assert_eq!(replay.wait_exit(WAIT), Some(0), "{}", replay.stderr());
    assert_eq!(replay.stdout_lines(), lines);
}

/// Live frames are filtered on the skim's kind as replayed ones are, yet every printed frame
/// is validated first: an order frame with bytes after it, or broken inside, is not an order.
#[test]
fn filtered_live_frames_print_only_valid_frames_of_their_kind() {
    const ORDER: &str =
        r#"{"notification":{"notificationId":"QmA","orderId":"QmO","type":"order"}}"#;
    let server = Server::start(ServerOpts::default(), |ws, _, log| {
        send(ws, &status(1));
        send(ws, &format!("{ORDER} x"));
        send(ws, r#"{"notification":{"type":"order","x":[1,}}"#);
        send(ws, &format!("{ORDER}\n"));
        send(ws, ORDER);
        drain(ws, log);
    });
    let url = server.url();
    let program = r#"select(.notification.type=="order")"#;
    for filter in [["-t", "notification.order"], ["-f", program]] {
        let mut live = Obtail::run(&[filter[0], filter[1], "-o", "ndjson", "-n", "2", &url]);
        assert_eq!(live.wait_exit(WAIT), Some(0), "{}", live.stderr());
        assert_eq!(live.stdout_lines(), [ORDER, ORDER], "{filter:?}");
    }
}

/// Frames go to the main thread in one batch per socket read, handed over before the node
/// thread reads (and may wait on) the socket again: a burst is printed whole while the node
/// says nothing more. The node pings meanwhile, so the socket is never quiet long enough for
/// the read timeout's tick: a frame held back until then would never be printed.
#[test]
fn a_burst_is_printed_whole_before_the_node_sends_more() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    const BURST: usize = 300;
    const ROUNDS: usize = 4;
    let allowed = Arc::new(AtomicUsize::new(0));
    let go = allowed.clone();
    let server = Server::start(ServerOpts::default(), move |ws, _, log| {
        for round in 0..ROUNDS {
            while go.load(Ordering::SeqCst) < round {
                if ws.send(Message::Ping(Default::default())).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(10));
            }
            // Written together, so they arrive in as few reads as the kernel makes them.
            for i in 0..BURST {
                ws.write(Message::text(status(round * BURST + i))).unwrap();
            }
            ws.flush().unwrap();
            log.push(format!("burst {round}"));
        }
        drain(ws, log);
    });
    let ob = Obtail::run(&["--no-recover", &server.url()]);
    for round in 0..ROUNDS {
        let want = (round + 1) * BURST;
        assert!(
            ob.wait_stdout(WAIT, |out| out.lines().count() >= want),
            "round {round}: {} of {want} lines; stderr: {}",
            ob.stdout_lines().len(),
            ob.stderr()
        );
        assert_eq!(ob.stdout_lines(), statuses(0..=want - 1), "round {round}");
        allowed.store(round + 1, Ordering::SeqCst);
    }
}

/// A server that sends `s1`, then `raw` (frames written as bytes, unmasked as a server's are),
/// then `s2` as a text frame, and reads until the client leaves.
fn raw_frames_server(raw: Vec<u8>) -> Server {
    use std::io::Write;
    Server::start(ServerOpts::default(), move |ws, _, log| {
        send(ws, &status(1));
        let conn = ws.get_mut();
        let mut bytes = raw.clone();
        bytes.extend_from_slice(b"\x81\x0f{\"status\":\"s2\"}");
        let _ = conn.write_all(&bytes).and_then(|_| conn.flush());
        loop {
            match ws.read() {
                Ok(Message::Close(Some(f))) => log.push(format!("close frame {}", f.code)),
                Ok(Message::Close(None)) => log.push("close frame"),
                Ok(_) => {}
                Err(e) => {
                    log.push(format!("ended: {e}"));
                    return;
                }
            }
        }
    })
}

/// A close frame's bytes: code and reason as given.
fn close_bytes(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut f = vec![0x88, 2 + reason.len() as u8];
    f.extend_from_slice(&code.to_be_bytes());
    f.extend_from_slice(reason);
    f
}

#[test]
fn a_close_frame_with_a_reason_that_is_not_utf8_ends_the_session_as_a_protocol_error() {
    let server = raw_frames_server(close_bytes(1000, b"bye \xff\xfe"));
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("rec.ndjson");
    let url = server.url();
    let args = ["--no-reconnect", "--record", record.to_str().unwrap(), &url];
    let mut ob = Obtail::run(&args);
    assert_eq!(ob.wait_exit(WAIT), Some(1), "{}", ob.stderr());
    // The frame before the close is printed, the one after it never; no empty `invalid`.
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
    let err = ob.stderr();
    assert!(
        err.contains(
            "protocol error: the node's close frame (code 1000) has a reason that is not UTF-8"
        ),
        "{err}"
    );
    assert!(!err.contains("bye"), "{err}");
    let recorded = std::fs::read_to_string(&record).unwrap();
    assert_eq!(recorded.lines().count(), 1, "{recorded}");
    assert!(!recorded.contains("invalid"), "{recorded}");
    // obtail answered with 1007 (invalid payload data) before it left.
    assert!(
        server.log.wait("close frame 1007", WAIT),
        "{:?}",
        server.log.lines()
    );
}

#[test]
fn reserved_close_codes_on_the_wire_are_protocol_errors() {
    for code in [1005u16, 999, 1006, 1015, 2000, 5000] {
        let server = raw_frames_server(close_bytes(code, b""));
        let url = server.url();
        let mut ob = Obtail::run(&["--no-reconnect", &url]);
        assert_eq!(ob.wait_exit(WAIT), Some(1), "{code}: {}", ob.stderr());
        assert_eq!(ob.stdout_lines(), statuses(1..=1), "{code}");
        let want = format!(
            "obtail: error: {url}: protocol error: the node's close frame has code {code}, \
             which no endpoint may send (RFC 6455 7.4)\n"
        );
        assert_eq!(ob.stderr(), want);
        // tungstenite's answer to a code it may not echo: 1002, protocol error.
        assert!(
            server.log.wait("close frame 1002", WAIT),
            "{:?}",
            server.log.lines()
        );
    }
}

#[test]
fn nothing_after_a_clean_close_frame_is_printed() {
    for (code, reason) in [(1000u16, &b"bye"[..]), (1001, b""), (4000, b"app")] {
        let server = raw_frames_server(close_bytes(code, reason));
        let url = server.url();
        let mut ob = Obtail::run(&["--no-reconnect", "-q", &url]);
        assert_eq!(ob.wait_exit(WAIT), Some(0), "{code}: {}", ob.stderr());
        assert_eq!(ob.stdout_lines(), statuses(1..=1), "{code}");
        assert_eq!(ob.stderr(), "", "{code}");
        // The close was answered with the same code (RFC 6455 5.5.1).
        let echo = format!("close frame {code}");
        assert!(server.log.wait(&echo, WAIT), "{:?}", server.log.lines());
    }
    // A close frame without a code is clean too.
    let server = raw_frames_server(vec![0x88, 0x00]);
    let url = server.url();
    let mut ob = Obtail::run(&["--no-reconnect", "-q", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=1));
}

/// A websocket server whose 101 names `permessage-deflate`, which obtail never offers.
fn deflate_server() -> (u16, Log) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Log::default();
    let log2 = log.clone();
    thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let log = log2.clone();
            thread::spawn(move || {
                #[allow(clippy::result_large_err)]
                let add =
                    |req: &tungstenite::handshake::server::Request,
                     mut resp: tungstenite::handshake::server::Response| {
                        let offered = req.headers().get("sec-websocket-extensions").is_some();
                        log.push(format!("offered: {offered}"));
                        resp.headers_mut().insert(
                            "Sec-WebSocket-Extensions",
                            "permessage-deflate; server_no_context_takeover"
                                .parse()
                                .unwrap(),
                        );
                        Ok(resp)
                    };
                if let Ok(mut ws) = tungstenite::accept_hdr(tcp, add) {
                    let _ = ws.send(Message::text(status(1)));
                    while ws.read().is_ok() {}
                }
            });
        }
    });
    (port, log)
}

#[test]
fn an_extension_obtail_did_not_offer_fails_the_connection() {
    let (port, log) = deflate_server();
    let url = format!("ws://127.0.0.1:{port}/ws");
    fails_at_once(
        &[&url],
        &[
            "a websocket extension obtail did not ask for (permessage-deflate; server_no_context_takeover)",
            "protocol error",
        ],
    );
    assert_eq!(log.lines(), ["offered: false"]);
}

/// A TCP server that runs `each` on every connection it accepts.
fn tcp_server(each: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let each = std::sync::Arc::new(each);
    thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let each = each.clone();
            thread::spawn(move || each(tcp));
        }
    });
    port
}

/// Reads what a client sends first (a request or a TLS hello), then drips `answer` a byte
/// at a time, `every` apart, and then more of the same for as long as the client stays.
fn drip(mut tcp: std::net::TcpStream, answer: &'static [u8], every: Duration) {
    use std::io::{Read, Write};
    let mut buf = [0u8; 4096];
    let _ = tcp.read(&mut buf);
    for b in answer.iter().cycle().take(200) {
        if tcp.write_all(&[*b]).is_err() {
            return;
        }
        thread::sleep(every);
    }
}

/// `--connect-timeout` bounds the whole handshake: obtail ends within it (and a little), says
/// how long it waited, and no dripping stretches it.
fn ends_by_the_deadline(url: &str, words: &[&str]) {
    let started = Instant::now();
    let mut ob = Obtail::run(&[
        "--connect-timeout",
        "1s",
        "--no-reconnect",
        "--no-recover",
        url,
    ]);
    assert_eq!(
        ob.wait_exit(Duration::from_secs(10)),
        Some(1),
        "{}",
        ob.stderr()
    );
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1900), "{url}: took {took:?}");
    let err = ob.stderr();
    for w in words {
        assert!(err.contains(w), "{url}: wants '{w}': {err}");
    }
}

#[test]
fn a_dripped_handshake_ends_by_the_connect_timeout() {
    let every = Duration::from_millis(200);
    let port = tcp_server(move |tcp| drip(tcp, b"HTTP/1.1 101 Switching Protocols\r\nX: ", every));
    let url = format!("ws://127.0.0.1:{port}/ws");
    ends_by_the_deadline(&url, &["websocket handshake timed out after 1s"]);
    // A TLS server that drips its hello: the TLS handshake ends by the same deadline.
    let port = tcp_server(move |tcp| drip(tcp, b"\x16\x03\x03\x40\x00\x02", every));
    let url = format!("wss://127.0.0.1:{port}/ws");
    ends_by_the_deadline(&url, &["TLS handshake timed out after 1s"]);
    // Over TLS, a websocket answer dripped inside TLS records.
    let dir = tempfile::tempdir().unwrap();
    let tls = self_signed(dir.path(), true);
    let config = tls.server.clone();
    let port = tcp_server(move |tcp| {
        use std::io::{Read, Write};
        let conn = rustls::ServerConnection::new(config.clone()).unwrap();
        let mut s = rustls::StreamOwned::new(conn, tcp);
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        for b in b"HTTP/1.1 101 Switching Protocols\r\nX: "
            .iter()
            .cycle()
            .take(100)
        {
            if s.write_all(&[*b]).and_then(|_| s.flush()).is_err() {
                return;
            }
            thread::sleep(every);
        }
    });
    let url = format!("wss://127.0.0.1:{port}/ws");
    let cacert = tls.cert_pem.to_str().unwrap().to_string();
    let started = Instant::now();
    let args = [
        "--cacert",
        &cacert,
        "--connect-timeout",
        "1s",
        "--no-reconnect",
        "--no-recover",
        &url,
    ];
    let mut ob = Obtail::run(&args);
    assert_eq!(
        ob.wait_exit(Duration::from_secs(10)),
        Some(1),
        "{}",
        ob.stderr()
    );
    assert!(
        started.elapsed() < Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    assert!(
        ob.stderr()
            .contains("websocket handshake timed out after 1s"),
        "{}",
        ob.stderr()
    );
}

#[test]
fn a_port_that_accepts_and_never_answers_ends_by_the_connect_timeout() {
    let port = tcp_server(|tcp| {
        thread::sleep(Duration::from_secs(20));
        drop(tcp);
    });
    let url = format!("ws://127.0.0.1:{port}/ws");
    ends_by_the_deadline(&url, &["websocket handshake timed out after 1s"]);
    let url = format!("wss://127.0.0.1:{port}/ws");
    ends_by_the_deadline(&url, &["TLS handshake timed out after 1s"]);
}

/// A TLS port that closes without a word on a plain request, as OpenSSL-based servers do,
/// and answers a TLS hello with an alert.
#[test]
fn a_tls_port_that_closes_silently_on_a_plain_request_says_use_wss() {
    let port = tcp_server(|mut tcp| {
        use std::io::{Read, Write};
        let mut first = [0u8; 1];
        if tcp.read(&mut first).is_ok() && first[0] == 0x16 {
            let _ = tcp.write_all(b"\x15\x03\x03\x00\x02\x02\x28");
        }
    });
    let url = format!("ws://127.0.0.1:{port}/ws");
    let fix = format!("use wss://127.0.0.1:{port}/ws");
    fails_at_once(&[&url], &["the port speaks TLS", &fix]);
    // A port that closes silently on everything may be a node in trouble: retried, with
    // the hint all the same.
    let port = tcp_server(drop);
    let url = format!("ws://127.0.0.1:{port}/ws");
    let ob = Obtail::run(&[&url]);
    let hint = format!(
        "without answering the websocket request (if the port speaks TLS, use wss://127.0.0.1:{port}/ws); retrying"
    );
    assert!(
        ob.wait_stderr(WAIT, |e| e.contains(&hint)),
        "{}",
        ob.stderr()
    );
}

#[test]
fn a_page_or_a_redirect_instead_of_a_websocket_ends_the_first_connection() {
    let port = raw_http_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    );
    let url = format!("ws://127.0.0.1:{port}/ob/config");
    fails_at_once(
        &[&url],
        &[
            "HTTP 200 OK instead of a websocket",
            "is /ob/config the websocket path? the node serves /ws",
        ],
    );
    let port = raw_http_server(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
    );
    let url = format!("ws://127.0.0.1:{port}/ws");
    fails_at_once(&[&url], &["HTTP 301 Moved Permanently", "API port"]);
}

/// The node's swarm port speaks libp2p, not HTTP: both schemes get the same fix.
#[test]
fn a_port_that_does_not_speak_http_gets_one_fix_whatever_the_scheme() {
    let port = tcp_server(|mut tcp| {
        use std::io::{Read, Write};
        let _ = tcp.write_all(b"\x13/multistream/1.0.0\n");
        let mut buf = [0u8; 4096];
        let _ = tcp.read(&mut buf);
        thread::sleep(Duration::from_millis(200));
    });
    let fix = format!("port {port} does not speak HTTP");
    for scheme in ["ws", "wss"] {
        let url = format!("{scheme}://127.0.0.1:{port}/ws");
        fails_at_once(&[&url], &[&fix, "is it the node's API port"]);
    }
}
