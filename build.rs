//! Puts the commit obtail is built from into `--version` (`0.1.0 (3f2a9c1)`), when it is
//! built from a git work tree; a build from a source archive says the version alone.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["rev-parse", "--short=10", "HEAD"]);
    let full = match &commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=OBTAIL_VERSION={full}");
    // A new commit (or a checkout) moves HEAD or the branch it names: the version follows.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        watch(format!("{dir}/HEAD"));
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
                watch(format!("{common}/{branch}"));
                watch(format!("{common}/packed-refs"));
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// Cargo takes a watched file that does not exist as changed on every build, which would
/// rebuild obtail for every cargo command (and every fuzz target): only existing files are
/// watched.
fn watch(path: String) {
    if std::path::Path::new(&path).exists() {
        println!("cargo:rerun-if-changed={path}");
    }
}
