//! Regenerates `table.rs` from the Unicode Character Database (as the `unicode-properties`
//! crate ships it) and fails when the committed table differs: `OBTAIL_BLESS=1 cargo test
//! --lib sanitize` writes it anew, after a Unicode update, for review.

use unicode_properties::{GeneralCategory as G, UnicodeEmoji, UnicodeGeneralCategory};

/// Other_Default_Ignorable_Code_Point (PropList.txt): with the format characters (Cf) and
/// the variation selectors it makes Default_Ignorable_Code_Point (DerivedCoreProperties.txt
/// says how it is derived). unicode-properties has no binary properties, and these ranges
/// have not changed since Unicode 7.
const OTHER_DEFAULT_IGNORABLE: &[(u32, u32)] = &[
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x2065, 0x2065),
    (0x3164, 0x3164),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0000),
    (0xE0002, 0xE001F),
    (0xE0080, 0xE00FF),
    (0xE01F0, 0xE0FFF),
];

/// Variation_Selector (PropList.txt).
const VARIATION_SELECTORS: &[(u32, u32)] = &[
    (0x180B, 0x180D),
    (0x180F, 0x180F),
    (0xFE00, 0xFE0F),
    (0xE0100, 0xE01EF),
];

fn within(ranges: &[(u32, u32)], c: u32) -> bool {
    ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Noncharacters: never meant for interchange, drawn as nothing or a box.
fn noncharacter(c: u32) -> bool {
    (0xFDD0..=0xFDEF).contains(&c) || c & 0xFFFE == 0xFFFE
}

/// The class of a code point by the UCD: 1 escaped everywhere, 2 a combining mark, 0 text.
fn class(c: char) -> u8 {
    let gc = c.general_category();
    let cp = c as u32;
    let unsafe_ = matches!(
        gc,
        G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator
    ) || within(OTHER_DEFAULT_IGNORABLE, cp)
        || within(VARIATION_SELECTORS, cp)
        || noncharacter(cp);
    let mark = matches!(gc, G::NonspacingMark | G::SpacingMark | G::EnclosingMark);
    if unsafe_ {
        1
    } else if mark {
        2
    } else {
        0
    }
}

/// Ranges of the code points `pick` takes, in order (surrogates are no `char`: a range may
/// not run over them).
fn ranges(pick: impl Fn(char) -> bool) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for cp in 0..=0x10FFFFu32 {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        if !pick(c) {
            continue;
        }
        match out.last_mut() {
            Some((_, hi)) if *hi + 1 == cp => *hi = cp,
            _ => out.push((cp, cp)),
        }
    }
    out
}

fn rust_table(name: &str, doc: &str, ranges: &[(u32, u32)]) -> String {
    let mut s = format!("{doc}\npub(super) const {name}: &[(u32, u32)] = &[\n");
    for (lo, hi) in ranges {
        s.push_str(&format!("    (0x{lo:04X}, 0x{hi:04X}),\n"));
    }
    s.push_str("];\n");
    s
}

/// The text of `table.rs`.
pub fn table_source() -> String {
    let (major, minor, update) = unicode_properties::UNICODE_VERSION;
    let mut s = format!(
        "//! Generated from the Unicode Character Database {major}.{minor}.{update} (the \
         unicode-properties\n//! crate's) by `sanitize::generate`; do not edit: run \
         `OBTAIL_BLESS=1 cargo test --lib sanitize`.\n\n"
    );
    s.push_str(&rust_table(
        "UNSAFE",
        "/// Escaped in every format: controls (Cc), format characters (Cf), line and paragraph\n\
         /// separators, every Default_Ignorable_Code_Point and the noncharacters.",
        &ranges(|c| class(c) == 1),
    ));
    s.push('\n');
    s.push_str(&rust_table(
        "MARKS",
        "/// Combining marks (Mn, Mc, Me) not in `UNSAFE`: a long run of them draws over the\n\
         /// lines around it, so only the first few of a run are kept.",
        &ranges(|c| class(c) == 2),
    ));
    s.push('\n');
    s.push_str(&rust_table(
        "EMOJI",
        "/// Emoji (Emoji=Yes) beyond ASCII: what a zero-width joiner may join and the emoji\n\
         /// presentation selector may follow in pretty output.",
        &ranges(|c| !c.is_ascii() && c.is_emoji_char()),
    ));
    s
}

#[test]
fn the_table_is_the_unicode_data() {
    let want = table_source();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/sanitize/table.rs");
    if std::env::var_os("OBTAIL_BLESS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "src/sanitize/table.rs is not what the Unicode data gives: run \
         `OBTAIL_BLESS=1 cargo test --lib sanitize` and review the difference"
    );
}
