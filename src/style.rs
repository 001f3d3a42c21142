//! Colors as data: a palette whose entries are empty strings when color is off, so renderers
//! never branch on whether to color.

use crate::kind::Family;

#[derive(Debug, Clone)]
pub struct Palette {
    pub reset: &'static str,
    pub time: &'static str,
    pub dim: &'static str,
    pub amount: &'static str,
    pub title: &'static str,
    pub warn: &'static str,
    pub parties: [&'static str; 6],
    pub json_key: &'static str,
    pub json_string: &'static str,
    pub json_number: &'static str,
    pub json_literal: &'static str,
    pub json_null: &'static str,
    pub json_punct: &'static str,
}

impl Palette {
    pub fn plain() -> Self {
        Palette {
            reset: "",
            time: "",
            dim: "",
            amount: "",
            title: "",
            warn: "",
            parties: [""; 6],
            json_key: "",
            json_string: "",
            json_number: "",
            json_literal: "",
            json_null: "",
            json_punct: "",
        }
    }

    /// ANSI colors; the JSON ones are jq's defaults so the output looks like jq's.
    pub fn ansi() -> Self {
        Palette {
            reset: "\x1b[0m",
            time: "\x1b[2m",
            dim: "\x1b[2m",
            amount: "\x1b[1m",
            title: "\x1b[3m",
            warn: "\x1b[1;31m",
            // Soft 256-color tones: none is one of the kind colors (`family`), so a party
            // never reads as a kind, and none is red, so no one reads as an error.
            parties: [
                "\x1b[38;5;215m",
                "\x1b[38;5;183m",
                "\x1b[38;5;151m",
                "\x1b[38;5;117m",
                "\x1b[38;5;223m",
                "\x1b[38;5;109m",
            ],
            json_key: "\x1b[34;1m",
            json_string: "\x1b[0;32m",
            json_number: "\x1b[0;39m",
            json_literal: "\x1b[0;39m",
            json_null: "\x1b[1;30m",
            json_punct: "\x1b[1;39m",
        }
    }

    pub fn new(color: bool) -> Self {
        if color {
            Self::ansi()
        } else {
            Self::plain()
        }
    }

    pub fn is_plain(&self) -> bool {
        self.reset.is_empty()
    }

    pub fn family(&self, family: Family) -> &'static str {
        if self.is_plain() {
            return "";
        }
        match family {
            Family::Balance => "\x1b[34m",
            Family::Incoming => "\x1b[32m",
            Family::Outgoing => "\x1b[31m",
            Family::Notification => "\x1b[1;33m",
            Family::Chat => "\x1b[36m",
            Family::Status => "\x1b[35m",
            Family::Reply => "\x1b[94m",
            Family::Other => "\x1b[2m",
            Family::Problem => "\x1b[1;31m",
        }
    }

    /// A stable color per peer, so one party keeps one color through the whole stream.
    pub fn party(&self, peer_id: &str) -> &'static str {
        let hash = peer_id
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
        self.parties[hash as usize % self.parties.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_colors_are_not_kind_colors_or_warnings() {
        let p = Palette::ansi();
        let families = [
            Family::Balance,
            Family::Incoming,
            Family::Outgoing,
            Family::Notification,
            Family::Chat,
            Family::Status,
            Family::Reply,
            Family::Other,
            Family::Problem,
        ];
        for party in p.parties {
            assert!(!party.is_empty());
            assert_ne!(party, p.warn);
            for f in families {
                assert_ne!(party, p.family(f), "{party:?} is the color of {f:?}");
            }
            // No red of any shade: 31, 91, or the 256-color reds.
            for red in ["[31m", "[91m", "5;196m", "5;160m", "5;9m", "5;1m"] {
                assert!(!party.ends_with(red), "{party:?} is red");
            }
        }
    }
}
