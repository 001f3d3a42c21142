//! `obtail sim`, the stand-in node, run as a child of the test: killed when the test ends
//! however it ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::thread;

pub struct Sim {
    pub child: Child,
    pub port: u16,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    /// Starts `obtail sim` on a free port with `seed` and the `extra` options, and `input`
    /// on its stdin; returns once it listens.
    pub fn start(seed: u64, extra: &[&str], input: Option<&str>) -> Sim {
        Sim::launch(seed, "127.0.0.1:0", extra, input, &[])
    }

    /// Starts `obtail sim` listening on `listen`, with `env` set; returns once it listens
    /// (with `--up-before`, once its story has run ahead and the listener is open).
    pub fn launch(
        seed: u64,
        listen: &str,
        extra: &[&str],
        input: Option<&str>,
        env: &[(&str, &str)],
    ) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_obtail"))
            .args(["sim", "--listen", listen, "--seed", &seed.to_string()])
            .args(extra)
            .envs(env.iter().copied())
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run obtail sim");
        if let Some(input) = input {
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input.as_bytes()).unwrap();
        }
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("obtail sim: listening on ") {
            line.clear();
            if err.read_line(&mut line).unwrap() == 0 {
                break;
            }
        }
        // Keep reading so the sim never blocks on a full stderr pipe.
        thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = err.read_to_end(&mut sink);
        });
        let mut sim = Sim { child, port: 0 };
        assert!(line.starts_with("obtail sim: listening on "), "{line}");
        sim.port = line
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        sim
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }
}

/// A chunked body's bytes, joined (what is not well-formed chunking is kept as it is).
pub fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            return body.to_vec();
        };
        let size = std::str::from_utf8(&rest[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let Some(size) = size else {
            return body.to_vec();
        };
        rest = &rest[eol + 2..];
        if size == 0 {
            return out;
        }
        let Some(chunk) = rest.get(..size) else {
            return body.to_vec();
        };
        out.extend_from_slice(chunk);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

/// An HTTP answer's head and its body, de-chunked when it came chunked.
pub fn split_response(resp: &str) -> (String, String) {
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((resp, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("\r\ntransfer-encoding: chunked")
    {
        String::from_utf8(dechunk(body.as_bytes())).unwrap()
    } else {
        body.to_string()
    };
    (head.to_string(), body)
}
