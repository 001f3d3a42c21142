//! Oracles the fuzz targets share. They are written independently of obtail's own code (its
//! `sanitize::is_unsafe`, its JSON readers), so a target checks obtail against a second
//! opinion rather than against itself.

use serde_json::Value;

use icu_properties::props::{
    DefaultIgnorableCodePoint, Emoji, GeneralCategory, NoncharacterCodePoint,
};
use icu_properties::{CodePointMapData, CodePointSetData};

/// A character a terminal obeys or draws as nothing, by the Unicode data as ICU4X ships it
/// (an independent source: obtail's table comes from the unicode-rs crates): controls,
/// format characters, line and paragraph separators, Default_Ignorable_Code_Point,
/// noncharacters.
pub fn unicode_unsafe(c: char) -> bool {
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    matches!(
        gc,
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointSetData::new::<NoncharacterCodePoint>().contains(c)
}

/// A combining mark (Mn, Mc, Me) that is not unsafe.
pub fn unicode_mark(c: char) -> bool {
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    matches!(
        gc,
        GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark
    ) && !unicode_unsafe(c)
}

/// Emoji=Yes.
pub fn unicode_emoji(c: char) -> bool {
    CodePointSetData::new::<Emoji>().contains(c)
}

/// The most combining marks in a row any output may hold raw.
pub const MAX_MARKS: usize = 4;

/// A character that must never reach a terminal raw: every `unicode_unsafe` one but newline
/// and, where allowed, tab.
pub fn is_dangerous(c: char, allow_tab: bool) -> bool {
    match c {
        '\n' => false,
        '\t' => !allow_tab,
        c => unicode_unsafe(c),
    }
}

/// What may stand raw inside an emoji sequence: a zero-width joiner between two emoji (the
/// first maybe with its presentation selector), the presentation selector after an emoji.
fn shapes_emoji(prev: Option<char>, c: char, next: Option<char>) -> bool {
    let emoji = |c: Option<char>| c.is_some_and(unicode_emoji);
    match c {
        '\u{200d}' => (emoji(prev) || prev == Some('\u{fe0f}')) && emoji(next),
        '\u{fe0f}' => emoji(prev),
        _ => false,
    }
}

/// `out` without SGR color sequences (`ESC [ digits;… m`): they only color text. Targets also
/// render with colors off, where any ESC at all is a failure, so a frame cannot smuggle a
/// color code past this.
pub fn strip_palette(out: &[u8]) -> Vec<u8> {
    let mut kept = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        if out[i] == 0x1b && out.get(i + 1) == Some(&b'[') {
            let params = out[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b';')
                .count();
            if out.get(i + 2 + params) == Some(&b'm') {
                i += params + 3;
                continue;
            }
        }
        kept.push(out[i]);
        i += 1;
    }
    kept
}

/// Panics, naming `what`, when `out` (with the palette's codes taken out when `colored`) is
/// not UTF-8 or holds a character a terminal would obey.
pub fn assert_terminal_safe(out: &[u8], allow_tab: bool, colored: bool, what: &str) {
    let stripped;
    let bytes = if colored {
        stripped = strip_palette(out);
        &stripped[..]
    } else {
        out
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => panic!(
            "{what}: output is not UTF-8 at {}: {:?}",
            e.valid_up_to(),
            out
        ),
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut marks = 0;
    for (i, &(at, c)) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).map(|&(_, c)| c);
        let next = chars.get(i + 1).map(|&(_, c)| c);
        if is_dangerous(c, allow_tab) && !shapes_emoji(prev, c, next) {
            panic!(
                "{what}: raw U+{:04X} at byte {at} of the output: {:?}",
                c as u32, text
            );
        }
        marks = if unicode_mark(c) { marks + 1 } else { 0 };
        if marks > MAX_MARKS {
            panic!("{what}: more than {MAX_MARKS} combining marks in a row at byte {at}: {text:?}");
        }
    }
}

/// What RFC 8259 says of a text, with serde_json's value when serde_json can make one.
#[derive(Debug)]
pub enum Verdict {
    /// Valid JSON. The value is missing when serde_json cannot represent it (a lone surrogate
    /// escape, a number beyond f64, nesting beyond its limit of 128).
    Valid(Option<Value>),
    Invalid(String),
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid(_))
    }
    pub fn value(&self) -> Option<&Value> {
        match self {
            Verdict::Valid(v) => v.as_ref(),
            Verdict::Invalid(_) => None,
        }
    }
}

/// Judges `bytes` by the JSON grammar (RFC 8259, UTF-8), independently of serde_json.
pub fn verdict(bytes: &[u8]) -> Verdict {
    match check_grammar(bytes) {
        Err(e) => Verdict::Invalid(e),
        Ok(_) => Verdict::Valid(serde_json::from_slice(bytes).ok()),
    }
}

/// Whether the text has a `\uD800`–`\uDFFF` escape not in a high-low pair (a rough scan
/// over the whole text, strings or not).
pub fn lone_surrogate(bytes: &[u8]) -> bool {
    let hex = |i: usize| {
        bytes
            .get(i..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u16::from_str_radix(h, 16).ok())
    };
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' && bytes[i + 1] == b'u' {
            if let Some(u) = hex(i + 2) {
                if (0xDC00..=0xDFFF).contains(&u) {
                    return true;
                }
                if (0xD800..=0xDBFF).contains(&u) {
                    let low = (bytes.get(i + 6) == Some(&b'\\') && bytes.get(i + 7) == Some(&b'u'))
                        .then(|| hex(i + 8))
                        .flatten();
                    if !low.is_some_and(|l| (0xDC00..=0xDFFF).contains(&l)) {
                        return true;
                    }
                    i += 12;
                    continue;
                }
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    false
}

/// Valid JSON that serde_json can read: its value.
pub fn valid_json(bytes: &[u8]) -> Option<Value> {
    match verdict(bytes) {
        Verdict::Valid(v) => v,
        Verdict::Invalid(_) => None,
    }
}

/// The JSON grammar, iteratively (any depth): the maximal nesting depth, or what is wrong.
pub fn check_grammar(bytes: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let b = text.as_bytes();
    let mut i = 0;
    // Open containers: true for an object.
    let mut stack: Vec<bool> = Vec::new();
    let mut max = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    let err = |i: usize, what: &str| Err(format!("{what} at byte {i}"));
    // A member's key, its colon and the whitespace around them: where its value starts.
    let key = |i: usize| -> Result<usize, String> {
        let mut i = string(b, i)?;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return err(i, "expected ':'");
        }
        i += 1;
        ws(&mut i);
        Ok(i)
    };
    ws(&mut i);
    'value: loop {
        // A value starts at i.
        match b.get(i) {
            None => return err(i, "missing value"),
            Some(b'{') | Some(b'[') => {
                let object = b[i] == b'{';
                i += 1;
                stack.push(object);
                max = max.max(stack.len());
                ws(&mut i);
                let close = if object { b'}' } else { b']' };
                if b.get(i) == Some(&close) {
                    i += 1;
                    stack.pop();
                } else {
                    if object {
                        i = key(i)?;
                    }
                    continue 'value;
                }
            }
            Some(b'"') => i = string(b, i)?,
            Some(b't') if b[i..].starts_with(b"true") => i += 4,
            Some(b'f') if b[i..].starts_with(b"false") => i += 5,
            Some(b'n') if b[i..].starts_with(b"null") => i += 4,
            Some(b'-' | b'0'..=b'9') => i = number(b, i)?,
            Some(_) => return err(i, "unexpected character"),
        }
        // After a value: close containers or go on to the next member.
        loop {
            ws(&mut i);
            let Some(&object) = stack.last() else {
                return if i == b.len() {
                    Ok(max)
                } else {
                    err(i, "text after the value")
                };
            };
            match b.get(i) {
                Some(b',') => {
                    i += 1;
                    ws(&mut i);
                    if object {
                        i = key(i)?;
                    }
                    continue 'value;
                }
                Some(b'}') if object => {
                    i += 1;
                    stack.pop();
                }
                Some(b']') if !object => {
                    i += 1;
                    stack.pop();
                }
                _ => return err(i, "expected ',' or a closing bracket"),
            }
        }
    }
}

/// The end of the string starting at `i`.
fn string(b: &[u8], mut i: usize) -> Result<usize, String> {
    if b.get(i) != Some(&b'"') {
        return Err(format!("expected a string at byte {i}"));
    }
    i += 1;
    loop {
        match b.get(i) {
            None => return Err("unterminated string".into()),
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => match b.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => {
                    let hex = b.get(i + 2..i + 6).ok_or("short \\u escape")?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return Err(format!("bad \\u escape at byte {i}"));
                    }
                    i += 6;
                }
                _ => return Err(format!("bad escape at byte {i}")),
            },
            Some(&c) if c < 0x20 => return Err(format!("raw control character at byte {i}")),
            Some(_) => i += 1,
        }
    }
}

/// The end of the number starting at `i`.
fn number(b: &[u8], mut i: usize) -> Result<usize, String> {
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return Err(format!("bad number at byte {i}")),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return Err(format!("no digits after '.' at byte {i}"));
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err(format!("no exponent digits at byte {i}"));
        }
    }
    Ok(i)
}

/// JSON equality where numbers compare by value (`-0` equals `0`, `1.0` equals `1`, an
/// integer beyond 64 bits equals its float) and objects by their members.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                return x == y;
            }
            if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                return x == y;
            }
            x.as_f64() == y.as_f64()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Panics unless `out` is valid JSON by the grammar.
pub fn assert_valid_json(out: &[u8], what: &str) {
    if let Err(e) = check_grammar(out) {
        panic!(
            "{what}: output is not JSON ({e}): {:?}",
            String::from_utf8_lossy(out)
        );
    }
}

/// Parses `out` as one JSON value and checks it equals `want`.
pub fn assert_json_equal(out: &[u8], want: &Value, what: &str) {
    let got: Value = match serde_json::from_slice(out) {
        Ok(v) => v,
        Err(e) => panic!(
            "{what}: output is not JSON ({e}): {:?}",
            String::from_utf8_lossy(out)
        ),
    };
    assert!(
        same_json(&got, want),
        "{what}: output {got} differs from the input {want}"
    );
}

/// The maximal nesting depth of brackets outside strings (for frames of any validity).
pub fn depth(bytes: &[u8]) -> usize {
    let (mut d, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            match b {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                d += 1;
                max = max.max(d);
            }
            b']' | b'}' => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Fuzzer-chosen chunk sizes for a reader: cycles through `sizes` (each at least 1).
pub struct Chunked {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl Chunked {
    pub fn new(data: Vec<u8>, sizes: Vec<usize>) -> Self {
        assert!(!sizes.is_empty());
        Chunked {
            data,
            pos: 0,
            sizes,
            turn: 0,
        }
    }
}

impl std::io::Read for Chunked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = want.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A `Write` whose bytes the target can read back after handing a box of it away.
#[derive(Clone, Default)]
pub struct Shared(pub std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}
