//! Named nodes: the config file names nodes with their URL, credentials source and label;
//! `obtail NAME` and `obtail @NAME` tail them against real `obtail sim` servers, several names
//! merge, and no secret of the file reaches any output.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use support::{bin, sim, stderr, stdout};

const PASSWORD: &str = "pass-secret-1";
const COOKIE: &str = "cookie-secret-2";
const USER: &str = "admin-user-3";

/// A home directory with a config file of this text and private secret files.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = Home { dir };
        std::fs::create_dir_all(home.path().join(".config/obtail")).unwrap();
        std::fs::write(home.path().join(".config/obtail/config.toml"), config).unwrap();
        home.secret(".ob-pass", &format!("{PASSWORD}\n"), 0o600);
        std::fs::create_dir_all(home.path().join("node")).unwrap();
        home.secret(
            "node/.cookie",
            &format!("OpenBazaar_Auth_Cookie={COOKIE}"),
            0o600,
        );
        home
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn secret(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        bin()
            .args(args)
            .env("HOME", self.path())
            .env_remove("XDG_CONFIG_HOME")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

fn assert_no_secret(o: &Output) {
    for secret in [PASSWORD, COOKIE, USER] {
        assert!(
            !stdout(o).contains(secret) && !stderr(o).contains(secret),
            "{secret} shown:\n{}\n{}",
            stdout(o),
            stderr(o)
        );
    }
}

/// The labels of the frames printed (`--envelope` lines' `source`).
fn sources(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["source"].to_string())
        .collect()
}

#[test]
fn a_named_node_is_tailed_with_its_own_credentials_by_name_or_at_name() {
    let basic = sim(&["--user", &format!("{USER}:{PASSWORD}")]);
    let cookie = sim(&["--cookie", COOKIE]);
    let home = Home::new(&format!(
        "[nodes.shop]\nurl = \"ws://{}\"\nuser = \"{USER}\"\npassword_file = \"~/.ob-pass\"\n\n\
         [nodes.home]\nurl = \"{}\"\nlabel = \"here\"\ndatadir = \"node\"\n\n\
         [nodes.env]\nurl = \"ws://{}\"\nuser = \"{USER}\"\npassword_env = \"SHOP_PW\"\n",
        basic.addr, cookie.addr, basic.addr
    ));
    // `datadir = "node"` is relative to the config file's directory; its cookie is readable
    // by all, as openbazaar-go writes it, and taken as it is.
    std::fs::create_dir_all(home.path().join(".config/obtail/node")).unwrap();
    home.secret(
        ".config/obtail/node/.cookie",
        &format!("OpenBazaar_Auth_Cookie={COOKIE}"),
        0o644,
    );
    for name in ["shop", "@shop"] {
        let o = home.run(&[name, "-n", "3", "--envelope", "-o", "ndjson"], &[]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(sources(&o), ["\"shop\""; 3], "{name}");
        assert_no_secret(&o);
    }
    let o = home.run(&["env", "-n", "1"], &[("SHOP_PW", PASSWORD)]);
    assert!(o.status.success(), "password_env: {}", stderr(&o));
    let o = home.run(&["env", "-n", "1"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("SHOP_PW, which is not set"),
        "{}",
        stderr(&o)
    );
    // Two names merge, each with its own credentials and label.
    let o = home.run(
        &["shop", "@home", "-n", "400", "--envelope", "-o", "ndjson"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = sources(&o);
    assert!(seen.contains(&"\"shop\"".to_string()), "{seen:?}");
    assert!(seen.contains(&"\"here\"".to_string()), "{seen:?}");
    assert_no_secret(&o);
}

#[test]
fn nodes_lists_names_urls_and_where_credentials_come_from_never_what_they_are() {
    let home = Home::new(&format!(
        "[nodes.shop]\nurl = \"wss://shop.example:4002\"\nuser = \"{USER}\"\n\
         password_file = \"~/.ob-pass\"\ncacert = \"shop.crt\"\n\
         [nodes.home]\nurl = \"127.0.0.1:4002\"\n"
    ));
    let o = home.run(&["nodes"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("NAME "), "{out}");
    assert!(out.contains("wss://shop.example:4002/ws"), "{out}");
    assert!(
        out.contains("basic, password from a file; --cacert"),
        "{out}"
    );
    assert!(out.contains("ws://127.0.0.1:4002/ws"), "{out}");
    assert_no_secret(&o);
    let empty = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("nodes")
        .env("HOME", empty.path())
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    assert!(o.status.success(), "the file is optional");
    assert!(stdout(&o).contains("[nodes.shop]"), "how to write one");
}

#[test]
fn the_files_mistakes_are_clear_and_show_no_secret() {
    for (config, needle) in [
        (
            format!("[nodes.shop]\nurl = \"x:1\"\npassword = \"{PASSWORD}\"\n"),
            "refuses: use password_file",
        ),
        (
            format!("[nodes.shop]\nurl = \"ws://{USER}:{PASSWORD}@x:1\"\n"),
            "the url holds credentials",
        ),
        (
            format!("[nodes.shop]\nurl = \"x:1\"\nuser = {PASSWORD}\n"),
            "config.toml: line 3, column",
        ),
        (
            "[nodes.shop]\nurl = \"x:1\"\nusr = \"a\"\n".to_string(),
            "unknown field `usr`",
        ),
    ] {
        let home = Home::new(&config);
        let o = home.run(&["shop"], &[]);
        assert_eq!(o.status.code(), Some(2), "{config}");
        assert!(stderr(&o).contains(needle), "{config}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("~/.config/obtail/config.toml"),
            "{}",
            stderr(&o)
        );
        assert_no_secret(&o);
    }
}

#[test]
fn a_secret_file_every_user_can_read_is_refused() {
    let home = Home::new(&format!(
        "[nodes.shop]\nurl = \"127.0.0.1:9\"\nuser = \"{USER}\"\npassword_file = \"~/open-pass\"\n"
    ));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    home.secret("open-pass", PASSWORD, 0o644);
    let o = home.run(&["shop"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("~/open-pass holds a secret and every user of this machine can read it: make it yours alone with chmod 600 ~/open-pass"),
        "{}",
        stderr(&o)
    );
    assert_no_secret(&o);
}

#[test]
fn unknown_names_are_named_and_never_looked_up() {
    let home = Home::new("[nodes.shop]\nurl = \"127.0.0.1:9\"\n");
    let o = home.run(&["@shp"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no node is named 'shp'"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("did you mean 'shop'?"),
        "{}",
        stderr(&o)
    );
    let o = home.run(&["shp"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean 'shop'?"),
        "{}",
        stderr(&o)
    );
}
