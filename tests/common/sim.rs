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
        let mut child = Command::new(env!("CARGO_BIN_EXE_obtail"))
            .args([
                "sim",
                "--listen",
                "127.0.0.1:0",
                "--seed",
                &seed.to_string(),
            ])
            .args(extra)
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
        err.read_line(&mut line).unwrap();
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
