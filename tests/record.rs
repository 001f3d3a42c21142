//! The --record file: whole lines that start on a fresh line, created private.

mod support;

use support::{run, stderr, stdout};

#[test]
fn a_record_after_a_cut_short_one_starts_on_a_fresh_line() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("session.ndjson");
    // What kill -9 in the middle of a write leaves.
    let fragment = r#"{"time":"2026-12-02T00:00:00Z","kind":"status","source":"ws://h:1/ws","fra"#;
    std::fs::write(&rec, fragment).unwrap();
    let input = "{\"status\":\"one\"}\n{\"status\":\"two\"}\n";
    let rec_arg = rec.to_str().unwrap();
    let out = run(
        &["--replay", "-", "--record", rec_arg, "-o", "ndjson"],
        input,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let recorded = std::fs::read_to_string(&rec).unwrap();
    let lines: Vec<&str> = recorded.lines().collect();
    assert_eq!(lines.len(), 3, "{recorded}");
    assert_eq!(lines[0], fragment, "the fragment keeps its own line");
    assert!(recorded.ends_with('\n'));
    let again = run(&["--replay", rec_arg, "-o", "ndjson"], "");
    let replayed = stdout(&again);
    let replayed: Vec<&str> = replayed.lines().collect();
    assert_eq!(replayed.len(), 3, "{replayed:?}");
    assert!(
        replayed[0].starts_with(r#"{"invalid":"#),
        "the fragment is reported"
    );
    assert_eq!(
        replayed[1..].join("\n") + "\n",
        input,
        "the frames after the fragment are intact"
    );
    // A whole file gets no extra empty line.
    let out = run(
        &["--replay", "-", "--record", rec_arg],
        "{\"status\":\"three\"}\n",
    );
    assert!(out.status.success());
    let recorded = std::fs::read_to_string(&rec).unwrap();
    assert_eq!(recorded.lines().count(), 4);
    assert!(!recorded.contains("\n\n"), "{recorded}");
}

#[cfg(unix)]
#[test]
fn record_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("new.ndjson");
    let out = run(
        &["--replay", "-", "--record", rec.to_str().unwrap()],
        "{\"status\":\"one\"}\n",
    );
    assert!(out.status.success());
    let mode = std::fs::metadata(&rec).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}
