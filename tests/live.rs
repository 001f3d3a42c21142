//! The live source end to end: the obtail binary against websocket servers started here.

mod common;

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
    assert!(err.contains("retrying in"), "{err}");
    let shown = format!("ws://alice@127.0.0.1:{}/ws", server.port);
    assert!(out.contains(&format!(r#""source":"{shown}""#)), "{out}");
    assert!(record.contains(&shown), "{record}");
    for text in [&out, &err, &record] {
        assert!(!text.contains("s3cret"), "{text}");
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

#[test]
fn tls_untrusted_certificate_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let tls = self_signed(dir.path(), true);
    let other = tempfile::tempdir().unwrap();
    let wrong_pin = self_signed(other.path(), false);
    let server = one_frame_server(ServerOpts {
        tls: Some(tls.server.clone()),
        ..Default::default()
    });
    let url = format!("wss://127.0.0.1:{}/ws", server.port);
    for extra in [
        vec![],
        vec!["--cacert", wrong_pin.cert_pem.to_str().unwrap()],
    ] {
        let mut args = extra.clone();
        args.push(&url);
        let mut ob = Obtail::run(&args);
        assert_eq!(ob.wait_exit(WAIT), Some(1), "{extra:?}: {}", ob.stderr());
        let err = ob.stderr();
        assert!(err.contains("certificate is not trusted"), "{err}");
        assert!(
            err.contains("--cacert FILE, or -k to skip verification"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
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
    let want =
        format!(" {url}: the node dropped the connection without a close frame; retrying in ");
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
    assert!(
        again.contains(&format!(" {url}: connected again after ")),
        "{err}"
    );
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
    assert_eq!(ob.stderr(), "");
}

#[test]
fn a_clean_close_is_followed_by_a_reconnect() {
    let server = closing_server();
    let url = server.url();
    let mut ob = Obtail::run(&["-n", "2", &url]);
    assert_eq!(ob.wait_exit(WAIT), Some(0), "{}", ob.stderr());
    assert_eq!(ob.stdout_lines(), statuses(1..=2));
    assert!(ob
        .stderr()
        .contains("the node closed the connection; retrying in"));
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
        ob.stderr().contains("cannot resume mid-frame; retrying in"),
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
    assert!(
        ob.stderr().ends_with(&format!(" {url}: connected\n")),
        "{}",
        ob.stderr()
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
