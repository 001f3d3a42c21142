//! Latency probe for bench/live.sh: the time from a websocket server's write of a frame to
//! the moment the client's stdout line carrying it reaches a pipe, for any client command.
//!
//! The probe is the server: it starts the client (every `{url}` in its arguments becomes the
//! probe's address), sends the first lines of FILE at a fixed rate, each with a sequence
//! number put in front (`{"seq":N,…`), and reads the client's stdout through a pipe. The
//! clock is read just before each write and as each line arrives, in this one process, so
//! both ends use the same monotonic clock. The first `--warmup` frames are not counted.
//!
//! Usage: cargo run --release --example latency -- [--rate 100] [--count 2000]
//!        [--warmup 100] --frames FILE -- CMD ARG… ({url} in ARGs)
//! Prints: `received median_us p90_us p99_us max_us` on stdout.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use tungstenite::{Message, WebSocket};

struct Opts {
    rate: f64,
    count: usize,
    warmup: usize,
    frames: String,
    command: Vec<String>,
}

fn main() -> ExitCode {
    let opts = match parse(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("latency: {e}");
            eprintln!(
                "usage: latency [--rate N] [--count N] [--warmup N] --frames FILE -- CMD ARG…"
            );
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("latency: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: Vec<String>) -> Result<Opts, String> {
    let mut opts = Opts {
        rate: 100.0,
        count: 2000,
        warmup: 100,
        frames: String::new(),
        command: Vec::new(),
    };
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} wants a value"));
        match arg.as_str() {
            "--rate" => opts.rate = value()?.parse().map_err(|_| "bad --rate")?,
            "--count" => opts.count = value()?.parse().map_err(|_| "bad --count")?,
            "--warmup" => opts.warmup = value()?.parse().map_err(|_| "bad --warmup")?,
            "--frames" => opts.frames = value()?,
            "--" => {
                opts.command = it.by_ref().collect();
                break;
            }
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    if opts.frames.is_empty() || opts.command.is_empty() || opts.rate <= 0.0 {
        return Err("--frames, a positive --rate and a command are needed".into());
    }
    if opts.warmup >= opts.count {
        return Err("--warmup must be less than --count".into());
    }
    Ok(opts)
}

/// The frames to send, each with its sequence number as the first key.
fn payloads(path: &str, count: usize) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with('{') && l.len() > 2)
        .take(count)
        .collect();
    if lines.is_empty() {
        return Err(format!("{path}: no JSON object lines"));
    }
    Ok((0..count)
        .map(|i| format!("{{\"seq\":{i},{}", &lines[i % lines.len()][1..]))
        .collect())
}

fn run(opts: &Opts) -> Result<(), Box<dyn std::error::Error>> {
    let payloads = payloads(&opts.frames, opts.count)?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("ws://{}/ws", listener.local_addr()?);
    let args: Vec<String> = opts.command[1..]
        .iter()
        .map(|a| a.replace("{url}", &url))
        .collect();
    let mut child = Command::new(&opts.command[0])
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", opts.command[0]))?;
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let reader = std::thread::spawn(move || arrivals(stdout));

    let mut ws = websocket(&listener, Duration::from_secs(10))?;
    let period = Duration::from_secs_f64(1.0 / opts.rate);
    let start = Instant::now() + Duration::from_millis(200);
    let mut sent = Vec::with_capacity(payloads.len());
    for (i, p) in payloads.into_iter().enumerate() {
        let due = start + period * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let msg = Message::text(p);
        sent.push(Instant::now());
        ws.send(msg)?;
    }
    let _ = ws.close(None);
    ws.get_ref()
        .set_read_timeout(Some(Duration::from_secs(2)))?;
    // Reads until the client's close answer (or an error) ends the connection.
    while ws.read().is_ok() {}
    drop(ws);
    let got = reader.join().map_err(|_| "reader thread panicked")?;
    let status = child.wait()?;
    report(&sent, &got, opts.warmup);
    if !status.success() {
        eprintln!("latency: the client exited with {status}");
    }
    Ok(())
}

/// The client's websocket; other requests (a REST call) are answered with a failed handshake.
fn websocket(listener: &TcpListener, within: Duration) -> Result<WebSocket<TcpStream>, String> {
    let until = Instant::now() + within;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let tcp = accept(listener, left)?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        match tungstenite::accept(tcp) {
            Ok(ws) => return Ok(ws),
            Err(e) => eprintln!("latency: not a websocket request ({e}); waiting for another"),
        }
    }
}

fn accept(listener: &TcpListener, within: Duration) -> Result<TcpStream, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let until = Instant::now() + within;
    loop {
        match listener.accept() {
            Ok((tcp, _)) => {
                tcp.set_nonblocking(false).map_err(|e| e.to_string())?;
                return Ok(tcp);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > until {
                    return Err("the client did not open a websocket within 10 s".into());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Each stdout line's sequence number and arrival time, until the client closes stdout.
fn arrivals(stdout: impl Read) -> Vec<(usize, Instant)> {
    let mut out = Vec::new();
    let mut r = BufReader::with_capacity(1 << 16, stdout);
    let mut line = Vec::new();
    let finder = memchr::memmem::Finder::new(b"\"seq\":");
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return out,
            Ok(_) => {}
        }
        let now = Instant::now();
        let Some(at) = finder.find(&line) else {
            continue;
        };
        let digits = line[at + 6..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0usize, |n, b| n * 10 + usize::from(b - b'0'));
        out.push((digits, now));
    }
}

fn report(sent: &[Instant], got: &[(usize, Instant)], warmup: usize) {
    let mut lat: Vec<Duration> = got
        .iter()
        .filter(|(seq, _)| *seq >= warmup && *seq < sent.len())
        .map(|&(seq, at)| at.saturating_duration_since(sent[seq]))
        .collect();
    lat.sort();
    let expected = sent.len() - warmup;
    if lat.is_empty() {
        println!("0/{expected} - - - -");
        return;
    }
    let pct = |p: f64| {
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i].as_secs_f64() * 1e6
    };
    println!(
        "{}/{expected} {:.0} {:.0} {:.0} {:.0}",
        lat.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
}
