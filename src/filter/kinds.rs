//! Kind patterns of `-t`/`-T`: exact names, dotted prefixes and `*` globs, case-insensitive.

use crate::exit::Failure;
use crate::kind::CATALOG;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindPattern {
    /// Lower-cased pattern text.
    text: String,
    glob: bool,
}

impl KindPattern {
    /// Parses a pattern; a plain name that names no kind is a usage error, since it would
    /// silently match nothing (any `notification.X` is accepted: new types may come).
    pub fn parse(pattern: &str) -> Result<Self, Failure> {
        let text = pattern.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Err(Failure::usage(
                "empty kind pattern in --type/--exclude-type",
            ));
        }
        let p = KindPattern {
            glob: text.contains('*'),
            text,
        };
        let known = p.glob
            || p.text.starts_with("notification.")
            || CATALOG.iter().any(|(name, _)| {
                let name = name.to_ascii_lowercase();
                p.matches_lowercase(&name)
            });
        if !known {
            return Err(Failure::usage(format!(
                "unknown kind '{}' in --type/--exclude-type; `obtail kinds` lists them",
                crate::sanitize::escape(pattern)
            )));
        }
        Ok(p)
    }

    /// Whether the pattern matches `kind`, which the caller has lower-cased.
    pub fn matches_lowercase(&self, kind: &str) -> bool {
        if self.glob {
            return glob(self.text.as_bytes(), kind.as_bytes());
        }
        kind == self.text
            || (kind.len() > self.text.len()
                && kind.starts_with(&self.text)
                && kind.as_bytes()[self.text.len()] == b'.')
    }
}

/// `*` matches any run of characters (dots included); everything else matches itself.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            back = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((bp, bt)) = back {
            p = bp + 1;
            t = bt + 1;
            back = Some((bp, bt + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, kind: &str) -> bool {
        KindPattern::parse(pattern)
            .unwrap()
            .matches_lowercase(&kind.to_ascii_lowercase())
    }

    #[test]
    fn exact_and_dotted_prefix() {
        assert!(m("notification.order", "notification.order"));
        assert!(m("notification", "notification.order"));
        assert!(!m("notification.order", "notification.orderConfirmation"));
        assert!(!m("message", "messageTyping"));
        assert!(m("message", "message.direct"));
        assert!(m("reply.profile", "reply.profile.error"));
        assert!(m("wallet", "wallet.outgoing"));
        assert!(!m("wallet", "walletUpdate"));
    }

    #[test]
    fn case_insensitive() {
        assert!(m(
            "NOTIFICATION.ORDERCOMPLETE",
            "notification.orderComplete"
        ));
        assert!(m("walletupdate", "walletUpdate"));
    }

    #[test]
    fn globs() {
        assert!(m("*dispute*", "notification.disputeOpen"));
        assert!(m("notification.dispute*", "notification.disputeAccepted"));
        assert!(!m(
            "notification.dispute*",
            "notification.buyerDisputeTimeout"
        ));
        assert!(m("message*", "messageTyping"));
        assert!(m("*.error", "reply.rating.error"));
        assert!(m("*", "invalid"));
        assert!(!m("status.*x", "status.error"));
    }

    #[test]
    fn unknown_names_are_refused_but_new_notification_types_are_not() {
        let e = KindPattern::parse("notifcation").unwrap_err().to_string();
        assert!(e.contains("unknown kind 'notifcation'"), "{e}");
        assert!(KindPattern::parse("notification.somethingNew").is_ok());
        assert!(KindPattern::parse("reply").is_ok());
        assert!(KindPattern::parse(" ").is_err());
    }
}
