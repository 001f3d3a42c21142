//! The README and docs/ cannot lie: every command in their `sh` blocks runs here, as written,
//! against the fixtures or a simulated node standing in for the hosts it names.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{bin, Running};

const PASSWORD: &str = "pass-secret";
const COOKIE: &str = "cookie-secret";

/// The README and the pages of docs/, README first, then the pages by name.
fn pages() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    std::iter::once(root.join("README.md"))
        .chain(docs)
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// The command lines of the `sh` blocks of the README and docs/, comments removed.
fn readme_commands() -> Vec<String> {
    let mut in_sh = false;
    let mut commands = Vec::new();
    for (_, page) in pages() {
        for line in page.lines() {
            if line.starts_with("```") {
                in_sh = line == "```sh";
                continue;
            }
            let command = match line.find("  #") {
                Some(i) => line[..i].trim(),
                None => line.trim(),
            };
            // `VAR=value cargo …` is cargo too (the chaos test's long run).
            let program = command.split_whitespace().find(|w| !w.contains('='));
            if in_sh && !command.is_empty() && !command.starts_with('#') && program != Some("cargo")
            {
                commands.push(command.to_string());
            }
        }
    }
    commands
}

/// The first program a command runs (in a pipeline or a list) that is not on `path`, if any.
fn missing_tool(command: &str, path: &str) -> Option<String> {
    // Split at `|`, `;` and `&` outside quotes: a jq program's own pipes are not the shell's.
    let mut stages = vec![String::new()];
    let mut quote = None;
    for c in command.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '|' | ';' | '&') => {
                stages.push(String::new());
                continue;
            }
            _ => {}
        }
        stages.last_mut().unwrap().push(c);
    }
    stages
        .iter()
        .filter_map(|stage| stage.split_whitespace().next())
        .filter(|word| !word.contains('='))
        .find(|tool| !std::env::split_paths(path).any(|dir| dir.join(tool).is_file()))
        .map(str::to_string)
}

#[test]
fn missing_tools_are_found_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("obtail"), "").unwrap();
    let path = dir.path().to_str().unwrap();
    assert_eq!(missing_tool("obtail -n 1", path), None);
    assert_eq!(
        missing_tool("obtail -n 1 | jq -r .x", path),
        Some("jq".to_string())
    );
    assert_eq!(missing_tool("obtail -f '.a | {b}' && obtail", path), None);
}

/// The stand-in nodes run seed 3's story: the commands' handles (`@alice`) are in it.
fn sim(args: &[&str]) -> support::Sim {
    support::sim_seeded(3, args)
}

/// A home directory with the node's cookie file and a password file, a certificate for the
/// TLS stand-in, and the repository's fixtures and completions at hand.
fn workspace(dir: &Path) -> PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".openbazaar")).unwrap();
    std::fs::write(
        home.join(".openbazaar/.cookie"),
        format!("OpenBazaar_Auth_Cookie={COOKIE}"),
    )
    .unwrap();
    std::fs::write(home.join(".ob-pass"), format!("{PASSWORD}\n")).unwrap();
    // A password file readable by its owner only, as a named node requires; the cookie as
    // the node writes it.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        home.join(".ob-pass"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shared in ["tests", "completions"] {
        std::os::unix::fs::symlink(root.join(shared), dir.join(shared)).unwrap();
    }
    support::self_signed(dir);
    home
}

/// The config file of named nodes in docs/connecting.md, its hosts replaced by the stand-ins:
/// `shop` by the TLS node with basic auth, `home` by the node with cookie auth.
fn named_nodes(home: &Path, tls: &str, cookie: &str, dir: &Path) {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/connecting.md"))
            .unwrap();
    let start = readme
        .find("```toml\n")
        .expect("a config file in docs/connecting.md")
        + 8;
    let toml = &readme[start..start + readme[start..].find("```").unwrap()];
    let config = home.join(".config/obtail");
    std::fs::create_dir_all(&config).unwrap();
    let toml = toml
        .replace("wss://shop.example:4002", &format!("wss://{tls}"))
        .replace("127.0.0.1:4002", cookie);
    std::fs::write(config.join("config.toml"), toml).unwrap();
    std::fs::copy(dir.join("node.crt"), config.join("node.crt")).unwrap();
}

/// Flags that make a command that would tail forever stop by itself.
fn bounded(command: &str) -> String {
    let at = if command.starts_with("obtail") {
        0
    } else if let Some(i) = command.find("| obtail") {
        i + 2
    } else {
        return command.to_string();
    };
    // A board read once ends by itself.
    let board = command.contains(" orders") && !command.contains("--watch");
    let live = !command.contains("--replay")
        && !board
        && ![
            "obtail sim",
            "obtail kinds",
            "obtail nodes",
            "obtail completions",
            "obtail man",
        ]
        .iter()
        .any(|c| command.contains(c));
    let mut extra = String::new();
    if live && !command.contains(" -n ") {
        extra.push_str(" -n 3");
    }
    if live && !command.contains("--timeout") {
        // Nothing in the stand-in's story is about the README's example order.
        extra.push_str(if command.contains("--order") {
            " --timeout 2s"
        } else {
            " --timeout 20s"
        });
    }
    if command.contains("--demo") && !command.contains("--demo-speed") {
        extra.push_str(" --demo-speed 0");
    }
    let end = at + "obtail".len();
    format!("{}{extra}{}", &command[..end], &command[end..])
}

#[test]
fn every_readme_command_runs() {
    let dir = tempfile::tempdir().unwrap();
    let home = workspace(dir.path());
    let plain = sim(&[]);
    // A second node: obtail refuses the same node given twice.
    let second = sim(&[]);
    let basic = sim(&["--user", &format!("admin:{PASSWORD}")]);
    let cookie = sim(&["--cookie", COOKIE]);
    let crt = dir.path().join("node.crt");
    let key = dir.path().join("node.key");
    let tls = sim(&[
        "--user",
        &format!("admin:{PASSWORD}"),
        "--tls-cert",
        crt.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    // The board's commands read a node whose story ran a while (its orders).
    let orders = sim(&["--up-before", "1m"]);
    named_nodes(&home, &tls.addr, &cookie.addr, dir.path());
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_obtail")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let commands = readme_commands();
    assert!(commands.len() >= 20, "{commands:?}");
    let mut skipped = Vec::new();
    for original in &commands {
        if let Some(tool) = missing_tool(original, &path) {
            // CI (.ci/run) installs every tool; a developer's machine may lack one.
            eprintln!("readme: SKIPPED (no `{tool}` on PATH; .ci/run installs it): {original}");
            skipped.push(original);
            continue;
        }
        let default_node = if original.contains("--cookie-file") {
            &cookie.addr
        } else if original.contains(" orders") {
            &orders.addr
        } else {
            &plain.addr
        };
        let command = bounded(original)
            .replace("192.168.1.20:4002", &basic.addr)
            .replace("wss://shop.example:4002", &format!("wss://{}", tls.addr))
            .replace("ws://127.0.0.1:4002", &format!("ws://{}", plain.addr))
            .replace("ws://127.0.0.1:4102", &format!("ws://{}", second.addr))
            .replace("--timeout 10m", "--timeout 2s")
            .replace("--timeout 1h", "--timeout 20s")
            .replace("--listen 127.0.0.1:4102", "--listen 127.0.0.1:0")
            .replace("--duration 5m", "--duration 1s");
        let started = Instant::now();
        let mut child = Running(
            Command::new("bash")
                .args(["-o", "pipefail", "-c", &command])
                .current_dir(dir.path())
                .env("PATH", &path)
                .env("HOME", &home)
                .env("OBTAIL_URL", format!("ws://{default_node}/ws"))
                .env_remove("OBTAIL_PASSWORD")
                .env_remove("OBTAIL_COOKIE")
                .env_remove("NO_COLOR")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let (status, out, err) = loop {
            if let Some(status) = child.0.try_wait().unwrap() {
                let mut out = String::new();
                let mut err = String::new();
                std::io::Read::read_to_string(child.0.stdout.as_mut().unwrap(), &mut out).unwrap();
                std::io::Read::read_to_string(child.0.stderr.as_mut().unwrap(), &mut err).unwrap();
                break (status, out, err);
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{original}: still running after 60s"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // An order that the stand-in never saw is a wait that times out: exit 4, as documented.
        let waits_for_an_unknown_order =
            original.contains("--order") && !original.contains("--replay");
        let ok = status.success()
            || (waits_for_an_unknown_order && matches!(status.code(), Some(4) | Some(0)));
        assert!(
            ok,
            "README command failed ({status}): {original}\nran: {command}\nstderr: {err}"
        );
        assert!(!err.contains("panicked"), "{original}: {err}");
        let quiet = waits_for_an_unknown_order
            || original.starts_with("install ")
            || original.starts_with("mkdir ")
            || original.contains(" > ")
            || original.contains("obtail sim")
            || original.contains("--record");
        assert!(
            quiet || !out.trim().is_empty(),
            "README command printed nothing: {original}\nstderr: {err}"
        );
        for secret in [PASSWORD, COOKIE] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{original} leaked a credential"
            );
        }
    }
    assert!(
        skipped.len() < 3,
        "most of the README ran: skipped {skipped:?}"
    );
    assert!(home
        .join(".local/share/bash-completion/completions/obtail")
        .exists());
    assert!(
        std::fs::read_to_string(dir.path().join("session.ndjson"))
            .unwrap()
            .lines()
            .count()
            >= 100
    );
}

/// The README's opening sample is what obtail prints for these frames of the fixture session.
#[test]
fn the_sample_output_is_real() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("```\n18:42:53.115").unwrap() + 4;
    let sample = &readme[start..start + readme[start..].find("```").unwrap()];
    let kinds: Vec<&str> = sample
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .map(|k| {
            k.strip_prefix("n.")
                .map_or(k.to_string(), |t| format!("notification.{t}"))
        })
        .map(|k| Box::leak(k.into_boxed_str()) as &str)
        .collect();
    let out = bin()
        .args([
            "--replay",
            "tests/fixtures/session-0.14.json",
            "-o",
            "pretty",
        ])
        .args(["-t", &kinds.join(",")])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let printed: String = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.ends_with("no wallets"))
        .map(|l| format!("18:42:53.115 {}\n", l.split_once(' ').unwrap().1))
        .collect();
    assert_eq!(printed, sample);
}

#[test]
fn install_uses_the_lock_file() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("cargo install --locked --path ."));
    assert!(!readme.contains("cargo install --path"));
}
