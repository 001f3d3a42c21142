//! Kind patterns of `-t`/`-T`: exact names, dotted prefixes and `*` globs, case-insensitive.

use crate::exit::Failure;
use crate::suggest;

/// Every kind name of the catalog, and the families they belong to.
fn known_names() -> impl Iterator<Item = &'static str> {
    crate::kind::completion_names().into_iter()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindPattern {
    /// Lower-cased pattern text.
    text: String,
    glob: bool,
}

impl KindPattern {
    /// Parses a pattern given to `flag` (`-t` or `-T`). A plain name outside the open
    /// `notification.` family that names no kind is a usage error: it could never match.
    pub fn parse(pattern: &str, flag: &str) -> Result<Self, Failure> {
        let text = pattern.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Err(Failure::usage(format!(
                "{flag}: an empty kind pattern: give a kind, a family or a * glob \
                 (`obtail kinds` lists them)"
            )));
        }
        let p = KindPattern {
            glob: text.contains('*'),
            text,
        };
        if p.glob || p.text.starts_with("notification.") || p.matches_any_known() {
            return Ok(p);
        }
        let shown = crate::sanitize::escape(pattern.trim());
        let hint = match suggest::closest(&p.text, known_names()).as_slice() {
            [] => String::new(),
            near => format!("did you mean {}? ", suggest::either(near)),
        };
        Err(Failure::usage(format!(
            "{flag}: '{shown}' is not a kind: {hint}`obtail kinds` lists them"
        )))
    }

    /// A warning when the pattern matches no kind obtail knows: a typo, or a notification
    /// type newer than obtail (which still passes).
    pub fn unknown_warning(&self, flag: &str) -> Option<String> {
        if self.matches_any_known() {
            return None;
        }
        let shown = crate::sanitize::escape(&self.text);
        let near = if self.glob {
            let literal = self.text.split('*').max_by_key(|part| part.len());
            suggest::containing(literal.unwrap_or_default(), known_names())
        } else {
            suggest::closest(&self.text, known_names())
        };
        let hint = match near.as_slice() {
            [] => "(`obtail kinds` lists them)".to_string(),
            near => format!("did you mean {}?", suggest::either(near)),
        };
        Some(format!(
            "{flag} '{shown}' matches no kind obtail knows: {hint} A notification type from \
             a newer node would still match it"
        ))
    }

    fn matches_any_known(&self) -> bool {
        known_names().any(|name| self.matches_lowercase(&name.to_ascii_lowercase()))
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
        KindPattern::parse(pattern, "-t")
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
        let e = KindPattern::parse("notifcation", "-t")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "-t: 'notifcation' is not a kind: did you mean 'notification'? `obtail kinds` lists them"
        );
        assert!(KindPattern::parse("notification.somethingNew", "-t").is_ok());
        assert!(KindPattern::parse("reply", "-T").is_ok());
        assert!(KindPattern::parse(" ", "-t").is_err());
    }

    #[test]
    fn patterns_that_match_no_known_kind_are_warned_about() {
        let warning = |p: &str| KindPattern::parse(p, "-t").unwrap().unknown_warning("-t");
        let typo = warning("notification.ordr").unwrap();
        assert!(
            typo.starts_with("-t 'notification.ordr' matches no kind obtail knows: did you mean 'notification.order'?"),
            "{typo}"
        );
        assert!(typo.contains("newer node"), "{typo}");
        let glob = warning("*dispte*").unwrap();
        assert!(glob.contains("'notification.disputeOpen'"), "{glob}");
        assert!(warning("foo*")
            .unwrap()
            .contains("`obtail kinds` lists them"));
        for fine in [
            "notification.order",
            "*dispute*",
            "wallet",
            "message*",
            "invalid",
        ] {
            assert_eq!(warning(fine), None, "{fine}");
        }
    }
}
