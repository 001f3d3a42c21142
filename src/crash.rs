//! The last line of defence: a panic is a bug, but its message can quote a frame, so it is
//! printed as one escaped, clipped line (never raw peer text, never a backtrace) and obtail
//! exits 101 at once, whichever thread panicked.

use std::any::Any;
use std::io::Write;
use std::panic::{Location, PanicHookInfo};

/// The exit code of a panic, as Rust's own.
pub const EXIT_CODE: i32 = 101;

/// Longer panic messages are clipped: one line, readable, not a frame dump.
const MAX_MESSAGE: usize = 200;

/// Installs the hook; the binary calls it first thing.
pub fn install() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo| {
        let line = describe(info.payload(), info.location());
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
        std::process::exit(EXIT_CODE);
    }));
}

/// The one line a panic prints.
pub fn describe(payload: &(dyn Any + Send), location: Option<&Location>) -> String {
    let msg = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown cause");
    let mut clipped: String = msg.chars().take(MAX_MESSAGE).collect();
    if clipped.len() < msg.len() {
        clipped.push('…');
    }
    let at = location.map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
    format!(
        "obtail: internal error{at}: {} (this is a bug in obtail; please report it)\n",
        crate::sanitize::escape(&clipped)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_panic_text_is_one_escaped_line() {
        let hostile = format!(
            "byte index 12 is not a char boundary; it is inside '本' of `&日本語\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\n\u{202e}{}`",
            "x".repeat(1000)
        );
        let line = describe(&hostile, Some(Location::caller()));
        assert!(line.ends_with('\n'));
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        assert!(
            !line.trim_end().chars().any(crate::sanitize::is_unsafe),
            "{line}"
        );
        assert!(line.contains("\\x1b]52;c;"), "{line}");
        assert!(line.contains("src/crash.rs"), "{line}");
        assert!(line.len() < 600, "{}", line.len());
        let static_str: &'static str = "plain";
        assert!(describe(&static_str, None).contains(": plain ("));
        assert!(describe(&42u8, None).contains("unknown cause"));
    }
}
