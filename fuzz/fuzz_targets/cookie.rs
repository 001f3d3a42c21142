//! Cookie- and password-file parsing: the header obtail sends carries exactly the file's first
//! line (trimmed, `OpenBazaar_Auth_Cookie=` taken off, for a cookie; as written, for a
//! password), and no error or debug output ever shows the secret.
#![no_main]

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use obtail::config::{Env, LiveSettings};
use obtail::live::auth::AuthOptions;
use obtail::endpoint::url::NodeUrl;
use tungstenite::http::header::{AUTHORIZATION, COOKIE};

/// Secrets start with this, so their presence anywhere is unmistakable.
const MARK: &str = "Ck7Z";

fn settings(file: PathBuf, cookie: bool) -> LiveSettings {
    LiveSettings {
        connect_timeout: Duration::from_secs(1),
        ping_interval: Duration::from_secs(1),
        ping_timeout: Duration::from_secs(1),
        reconnect: false,
        max_backoff: Duration::from_secs(5),
        recover: false,
        buffer: 1 << 20,
        since: None,
        cacert: None,
        insecure: false,
        user: (!cookie).then(|| "alice".to_string()),
        password_file: (!cookie).then(|| file.clone()),
        cookie: None,
        cookie_file: cookie.then_some(file),
        datadir: None,
        headers: vec![],
        announce: false,
        ..LiveSettings::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&opts, rest)) = data.split_first() else {
        return;
    };
    if rest.windows(MARK.len()).any(|w| w == MARK.as_bytes()) {
        return;
    }
    let mut content = Vec::new();
    if opts & 1 != 0 {
        content.extend_from_slice(b"OpenBazaar_Auth_Cookie=");
    }
    content.extend_from_slice(MARK.as_bytes());
    content.extend_from_slice(rest);
    let path = std::env::temp_dir().join(format!("obtail-fuzz-secret-{}", std::process::id()));
    std::fs::write(&path, &content).expect("cannot write the secret file");
    let cookie = opts & 2 == 0;
    let url = NodeUrl::parse("ws://127.0.0.1:4002/ws").unwrap();
    let env = Env::default();
    let result = AuthOptions::resolve(&settings(path.clone(), cookie), &env)
        .and_then(|mut a| a.for_node(&url).map(|h| (a, h)));
    let _ = std::fs::remove_file(&path);
    let (options, auth) = match result {
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains(MARK), "an error shows the secret: {msg}");
            return;
        }
        Ok(v) => v,
    };
    for shown in [format!("{options:?}"), format!("{auth:?}")] {
        assert!(
            !shown.contains(MARK),
            "debug output shows the secret: {shown}"
        );
    }
    let text = String::from_utf8(content).expect("read_to_string accepted it, so it is UTF-8");
    let line = text.lines().next().unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (name, want) = if cookie {
        let v = line.trim();
        let v = v.strip_prefix("OpenBazaar_Auth_Cookie=").unwrap_or(v);
        (COOKIE, format!("OpenBazaar_Auth_Cookie={v}"))
    } else {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("alice:{line}"));
        (AUTHORIZATION, format!("Basic {token}"))
    };
    let sent: Vec<_> = auth.headers.iter().filter(|(n, _)| *n == name).collect();
    assert_eq!(sent.len(), 1, "expected one {name} header: {auth:?}");
    assert_eq!(
        sent[0].1.as_bytes(),
        want.as_bytes(),
        "the {name} header is not the file's first line"
    );
    assert!(sent[0].1.is_sensitive());
});
