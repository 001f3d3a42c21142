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
    /// `-o json`, in jq's order: null, false, true, numbers, strings, arrays, objects, and
    /// object keys; brackets, commas and colons take their container's color.
    pub json: [String; 8],
}

/// Which of `Palette::json` colors a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Json {
    Null = 0,
    False,
    True,
    Number,
    String,
    Array,
    Object,
    Key,
}

/// jq 1.7's colors (`JQ_COLORS` unset), the object key color as jq 1.7.1 lets it be set.
const JQ_DEFAULT: [&str; 8] = [
    "1;30", "0;39", "0;39", "0;39", "0;32", "1;39", "1;39", "34;1",
];

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
            json: Default::default(),
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
            // 256-color tones of middle lightness, that read on a white background and on a
            // black one alike (a test measures their contrast with both): none is one of the
            // kind colors (`family`), so a party never reads as a kind, and none is red, so
            // no one reads as an error.
            parties: PARTIES.map(|(sgr, _)| sgr),
            json: JQ_DEFAULT.map(|c| format!("\x1b[{c}m")),
        }
    }

    /// The `-o json` colors as `JQ_COLORS` sets them, as jq 1.7 reads it: up to eight
    /// `:`-separated SGR codes (digits and `;`), the missing ones left as they are; anything
    /// else keeps every default, with a warning.
    pub fn with_jq_colors(mut self, spec: Option<&str>) -> (Self, Option<String>) {
        let Some(spec) = spec.filter(|s| !s.is_empty() && !self.is_plain()) else {
            return (self, None);
        };
        let fields: Vec<&str> = spec.split(':').take(8).collect();
        let valid = fields
            .iter()
            .all(|f| f.len() <= 12 && f.bytes().all(|b| b.is_ascii_digit() || b == b';'));
        if !valid {
            let warning = "JQ_COLORS is not a list of color codes like 1;30:0;39:0;39: the \
                           default -o json colors are used";
            return (self, Some(warning.to_string()));
        }
        for (slot, code) in self.json.iter_mut().zip(fields) {
            *slot = format!("\x1b[{code}m");
        }
        (self, None)
    }

    pub fn json(&self, token: Json) -> &str {
        &self.json[token as usize]
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

/// The peers' colors, with their red, green and blue as xterm's 256-color cube gives them.
const PARTIES: [(&str, [u8; 3]); 6] = [
    ("\x1b[38;5;166m", [215, 95, 0]),
    ("\x1b[38;5;32m", [0, 135, 215]),
    ("\x1b[38;5;127m", [175, 0, 175]),
    ("\x1b[38;5;29m", [0, 135, 95]),
    ("\x1b[38;5;136m", [175, 135, 0]),
    ("\x1b[38;5;98m", [135, 95, 215]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG's contrast ratio between a color and white or black.
    fn contrast(rgb: [u8; 3], background: f64) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
        let (hi, lo) = if l > background {
            (l, background)
        } else {
            (background, l)
        };
        (hi + 0.05) / (lo + 0.05)
    }

    #[test]
    fn party_colors_read_on_light_and_dark_backgrounds() {
        for (sgr, rgb) in PARTIES {
            let index: u32 = sgr
                .trim_start_matches("\x1b[38;5;")
                .trim_end_matches('m')
                .parse()
                .unwrap();
            let level = |n: u32| [0u8, 95, 135, 175, 215, 255][n as usize];
            let cube = index - 16;
            assert_eq!(
                rgb,
                [level(cube / 36), level(cube / 6 % 6), level(cube % 6)],
                "{sgr:?}"
            );
            assert!(contrast(rgb, 1.0) >= 2.5, "{sgr:?} fades on white");
            assert!(contrast(rgb, 0.0) >= 3.0, "{sgr:?} fades on black");
        }
    }

    #[test]
    fn jq_colors_are_read_as_jq_reads_them() {
        let (p, warning) = Palette::ansi().with_jq_colors(Some("0;31:0;32"));
        assert_eq!(warning, None);
        assert_eq!(p.json(Json::Null), "\x1b[0;31m");
        assert_eq!(p.json(Json::False), "\x1b[0;32m");
        assert_eq!(
            p.json(Json::String),
            "\x1b[0;32m",
            "the rest keep jq's defaults"
        );
        assert_eq!(p.json(Json::Key), "\x1b[34;1m");
        let all = "1:2:3:4:5:6:7:8:9";
        let (p, _) = Palette::ansi().with_jq_colors(Some(all));
        assert_eq!(
            p.json(Json::Key),
            "\x1b[8m",
            "an eighth field colors object keys"
        );
        for bad in ["red", "1;31m", "0;31:x", "1234567890123"] {
            let (p, warning) = Palette::ansi().with_jq_colors(Some(bad));
            assert!(warning.unwrap().starts_with("JQ_COLORS"), "{bad}");
            assert_eq!(p.json(Json::Null), "\x1b[1;30m", "{bad}: defaults kept");
        }
        let (p, warning) = Palette::plain().with_jq_colors(Some("0;31"));
        assert!(
            p.json(Json::Null).is_empty() && warning.is_none(),
            "no color, no colors"
        );
    }

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
