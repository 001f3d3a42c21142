//! The transport ceiling for bench/live.sh: a websocket client with obtail's connection setup
//! (the same tungstenite, TCP_NODELAY, the same frame size limits) that does nothing with the
//! frames. `--print` writes each payload and a newline to stdout through a 64 KiB buffer
//! flushed only at the end: the ceiling for a client that prints.
//!
//! Usage: cargo run --release --example ceiling -- [--print] ws://HOST:PORT/ws
//! Ends at the server's close; prints `frames bytes seconds frames/s` on stderr.

use std::io::{self, BufWriter, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Error, Message};

/// obtail's default --max-frame-size.
const MAX_FRAME: usize = 64 << 20;

fn main() -> ExitCode {
    let mut print = false;
    let mut url = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--print" => print = true,
            _ => url = Some(arg),
        }
    }
    let Some(url) = url else {
        eprintln!("usage: ceiling [--print] ws://HOST:PORT/PATH");
        return ExitCode::from(2);
    };
    match run(&url, print) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ceiling: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(url: &str, print: bool) -> Result<(), Box<dyn std::error::Error>> {
    let authority = url
        .strip_prefix("ws://")
        .ok_or("only ws:// URLs")?
        .split('/')
        .next()
        .unwrap_or_default();
    let tcp = TcpStream::connect(authority)?;
    tcp.set_nodelay(true)?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME))
        .max_frame_size(Some(MAX_FRAME));
    let (mut ws, _) = tungstenite::client::client_with_config(url, tcp, Some(config))
        .map_err(|e| format!("handshake: {e}"))?;
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let began = Instant::now();
    let (mut frames, mut bytes) = (0u64, 0u64);
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => {
                frames += 1;
                bytes += t.len() as u64;
                if print {
                    out.write_all(t.as_bytes())?;
                    out.write_all(b"\n")?;
                }
            }
            Ok(Message::Binary(b)) => {
                frames += 1;
                bytes += b.len() as u64;
            }
            Ok(Message::Close(_)) | Err(Error::ConnectionClosed) => break,
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
    }
    out.flush()?;
    let secs = began.elapsed().as_secs_f64();
    eprintln!(
        "{frames} {bytes} {secs:.3} {:.0}",
        frames as f64 / secs.max(1e-9)
    );
    Ok(())
}
