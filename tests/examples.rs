//! The examples of `--help` and the man page (one list, `cli::EXAMPLES`) do what they say:
//! each runs against a stand-in node or a recording, and what it prints is checked against
//! its description. An example added without a check here fails the test.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use obtail::cli::EXAMPLES;
use serde_json::Value;
use support::{bin, sim, stderr, stdout};

const PASSWORD: &str = "example-pass";

/// Runs an example, with `extra` options after `obtail`, in `dir` (where `~` is too).
fn run(dir: &Path, example: &str, extra: &str, env: &[(&str, &str)]) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_obtail")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let command = example.replacen("obtail", &format!("obtail{extra}"), 1);
    Command::new("bash")
        .args(["-o", "pipefail", "-c", &command])
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir)
        .env("TZ", "UTC")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("OBTAIL_URL")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn envelopes(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn kinds(o: &Output) -> Vec<String> {
    envelopes(o)
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn ok(o: &Output, example: &str) {
    assert!(o.status.success(), "{example}: {}", stderr(o));
    assert!(!stdout(o).trim().is_empty(), "{example} printed nothing");
}

#[test]
fn every_example_does_what_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let plain = sim(&[]);
    let (crt, key) = support::self_signed(home);
    let tls = sim(&[
        "--user",
        &format!("admin:{PASSWORD}"),
        "--tls-cert",
        crt.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    std::fs::write(home.join(".ob-pass"), PASSWORD).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(home.join(".ob-pass"), PermissionsExt::from_mode(0o600)).unwrap();
    std::fs::create_dir_all(home.join(".config/obtail")).unwrap();
    std::fs::write(
        home.join(".config/obtail/config.toml"),
        format!("[nodes.shop]\nurl = \"ws://{}\"\n", plain.addr),
    )
    .unwrap();
    let url = format!("ws://{}/ws", plain.addr);
    let local = [("OBTAIL_URL", url.as_str())];

    let mut checked = 0;
    for (what, example) in EXAMPLES {
        let example = example.replace("wss://shop.example:4002", &format!("wss://{}", tls.addr));
        match *what {
            "watch the built-in simulated marketplace" => {
                let o = run(home, &example, " -n 5 --demo-speed 0 --envelope", &[]);
                ok(&o, &example);
                assert_eq!(kinds(&o).len(), 5);
                assert!(stderr(&o).contains("simulated node"), "{}", stderr(&o));
            }
            "tail the local node, with its own cookie"
            | "tail the node named shop in the config file"
            | "basic auth, TLS with a self-signed certificate" => {
                let o = run(home, &example, " -n 3 --envelope", &local);
                ok(&o, &example);
                assert_eq!(kinds(&o).len(), 3, "{example}");
                assert!(!stdout(&o).contains(PASSWORD) && !stderr(&o).contains(PASSWORD));
            }
            "notifications, without follows and unfollows" => {
                let o = run(home, &example, " -n 40 --envelope", &local);
                ok(&o, &example);
                for kind in kinds(&o) {
                    assert!(kind.starts_with("notification."), "{kind}");
                    assert!(!kind.ends_with("follow"), "{example} printed {kind}");
                }
            }
            "wait until an order is paid (exit 4 after 10m)" => {
                let example = example.replace("10m", "1s");
                let o = run(home, &example, "", &local);
                assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
                assert!(stderr(&o).contains("--timeout 1s passed before -n 1 was reached"));
                // Any order's payment ends the wait at once.
                let any = example
                    .replace(" --order QmXyZ123", "")
                    .replace("1s", "20s");
                let o = run(home, &any, " --envelope", &local);
                ok(&o, &any);
                assert_eq!(kinds(&o), ["notification.payment"]);
            }
            "every order waiting on you, and until when" => {
                // The stand-in has told its story for a while by now (the examples above).
                let o = run(home, &example, " -o ndjson", &local);
                ok(&o, &example);
                for line in stdout(&o).lines() {
                    let order: Value = serde_json::from_str(line).unwrap();
                    assert_eq!(order["needsMe"], true, "{line}");
                    assert!(order["next"]["actor"].as_str().unwrap().starts_with("you"));
                }
            }
            "record a session until Ctrl-C (or -n, --timeout)" => {
                let o = run(home, &example, " -n 300", &local);
                assert!(o.status.success(), "{}", stderr(&o));
                let recorded = std::fs::read_to_string(home.join("session.ndjson")).unwrap();
                assert_eq!(recorded.lines().count(), 300);
            }
            _ => continue,
        }
        checked += 1;
    }
    // The examples that read the recording, once it is made; the order's story is told by a
    // stand-in serving it, so that it starts from the beginning.
    let replayed = sim(&["--frames", home.join("session.ndjson").to_str().unwrap()]);
    let order = busiest_order(&home.join("session.ndjson"));
    let url = format!("ws://{}/ws", replayed.addr);
    for (what, example) in EXAMPLES {
        match *what {
            "follow one order's whole story across kinds" => {
                let story = example.replace("QmXyZ123", &order);
                let o = run(
                    home,
                    &story,
                    " --envelope --timeout 5s",
                    &[("OBTAIL_URL", &url)],
                );
                ok(&o, &story);
                let seen = kinds(&o);
                let families: std::collections::BTreeSet<&str> =
                    seen.iter().map(|k| k.split('.').next().unwrap()).collect();
                assert!(families.len() >= 2, "one kind only: {seen:?}");
                for line in stdout(&o).lines() {
                    assert!(line.contains(&order), "not about the order: {line}");
                }
            }
            "count the events of a recording per kind" => {
                let o = run(home, example, "", &[]);
                ok(&o, example);
                let counted: u64 = stdout(&o)
                    .lines()
                    .map(|l| {
                        let (n, kind) = l.trim().split_once(' ').unwrap();
                        assert!(!kind.contains(' '), "{l}");
                        n.parse::<u64>().unwrap()
                    })
                    .sum();
                assert_eq!(counted, 300, "every recorded event counted once");
            }
            "read it back with new filters" => {
                let o = run(home, example, "", &[]);
                ok(&o, example);
                let values = serde_json::Deserializer::from_str(&stdout(&o))
                    .into_iter::<Value>()
                    .map(Result::unwrap)
                    .collect::<Vec<_>>();
                assert!(!values.is_empty());
                for v in values {
                    assert!(v.get("message").is_some(), "not a message: {v}");
                }
            }
            _ => continue,
        }
        checked += 1;
    }
    assert_eq!(checked, EXAMPLES.len(), "an example without a check");
}

#[test]
fn help_and_man_page_show_the_same_examples() {
    let help = stdout(&bin().arg("--help").env("COLUMNS", "100").output().unwrap());
    let man = String::from_utf8(bin().arg("man").output().unwrap().stdout).unwrap();
    for (what, example) in EXAMPLES {
        assert!(help.contains(example), "--help lacks {example}");
        // Each on one line: a description that wraps at 100 columns reads badly.
        assert!(
            help.lines().any(|l| l.ends_with(what)),
            "--help lacks {what}"
        );
        let roff = example.replace('\\', "\\e").replace('-', "\\-");
        assert!(man.contains(&roff), "the man page lacks {example}");
    }
}

/// The order of a recording whose id is in frames of the most families (kinds before their
/// first dot).
fn busiest_order(recording: &Path) -> String {
    let text = std::fs::read_to_string(recording).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let orders: std::collections::BTreeSet<String> = lines
        .iter()
        .filter_map(|l| {
            l["frame"]["notification"]["orderId"]
                .as_str()
                .map(String::from)
        })
        .collect();
    let families = |order: &str| {
        lines
            .iter()
            .filter(|l| l.to_string().contains(order))
            .map(|l| {
                l["kind"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    orders
        .into_iter()
        .max_by_key(|o| families(o))
        .expect("an order in the recording")
}
