//! One harness for driving the real binary: run it with input, or spawn it and kill it on drop.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_obtail"));
    cmd.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("OBTAIL_URL")
        .env_remove("OBTAIL_COOKIE")
        .env_remove("OBTAIL_PASSWORD")
        .env("TZ", "UTC");
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs obtail with `args`, feeding `stdin`, and waits for it.
pub fn run(args: &[&str], stdin: &str) -> Output {
    run_env(args, &[], stdin)
}

/// As `run`, with extra environment variables.
pub fn run_env(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("obtail starts");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("obtail runs");
    writer.join().unwrap();
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Starts obtail with `args`, its stdin and stdout piped, killed when the test ends.
pub fn spawn_piped(args: &[&str]) -> Running {
    Running(
        bin()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("obtail starts"),
    )
}

/// A child process that is killed when the test ends, pass or fail.
pub struct Running(pub Child);

impl Running {
    /// Everything the child wrote to its piped stdout, up to its end.
    pub fn stdout_text(&mut self) -> String {
        read_all(self.0.stdout.take())
    }

    /// Everything the child wrote to its piped stderr, up to its end.
    pub fn stderr_text(&mut self) -> String {
        read_all(self.0.stderr.take())
    }
}

fn read_all(pipe: Option<impl std::io::Read>) -> String {
    let mut text = String::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_string(&mut text).expect("pipe reads");
    }
    text
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `obtail sim` (as fast as clients read) and the `HOST:PORT` it listens on.
pub struct Sim {
    _process: Running,
    pub addr: String,
}

pub fn sim(args: &[&str]) -> Sim {
    sim_seeded(5, args)
}

/// A stand-in node telling the story of `seed`, once it listens (with `--up-before`, a first
/// line says the story runs ahead: the listener opens later).
pub fn sim_seeded(seed: u64, args: &[&str]) -> Sim {
    use std::io::BufRead;
    let seed = seed.to_string();
    let mut child = bin()
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--speed",
            "0",
            "--seed",
            &seed,
        ])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("obtail sim starts");
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
    }
    let addr = line
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Sim {
        _process: Running(child),
        addr,
    }
}

/// A self-signed certificate for 127.0.0.1 and its key, written to `dir` as `node.crt` and
/// `node.key` (for a TLS stand-in node and the `--cacert` that trusts it).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (crt_path, key_path) = (dir.join("node.crt"), dir.join("node.key"));
    std::fs::write(&crt_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (crt_path, key_path)
}
