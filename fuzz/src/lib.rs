//! Oracles the fuzz targets share. They are written independently of obtail's own code (its
//! `sanitize::is_unsafe`, its JSON readers), so a target checks obtail against a second
//! opinion rather than against itself.

use obtail::style::Palette;
use serde_json::Value;

/// A character that must never reach a terminal raw: C0 (newline and, where allowed, tab
/// excepted), DEL, C1, bidi marks, overrides and isolates, zero-width characters, line and
/// paragraph separators and the BOM.
pub fn is_dangerous(c: char, allow_tab: bool) -> bool {
    match c {
        '\n' => false,
        '\t' => !allow_tab,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' => true,
        '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}' => true,
        _ => false,
    }
}

/// The escape sequences obtail's own palette writes: the only ESC allowed in colored output.
fn palette_codes() -> Vec<&'static str> {
    let p = Palette::ansi();
    let mut codes = vec![
        p.reset,
        p.time,
        p.dim,
        p.amount,
        p.title,
        p.warn,
        p.json_key,
        p.json_string,
        p.json_number,
        p.json_literal,
        p.json_null,
        p.json_punct,
    ];
    codes.extend(p.parties);
    codes.retain(|c| !c.is_empty());
    // Longest first, so that a code is never cut by a shorter one it starts with.
    codes.sort_by_key(|c| std::cmp::Reverse(c.len()));
    codes
}

/// `out` without the palette's own color codes.
pub fn strip_palette(out: &[u8]) -> Vec<u8> {
    let codes = palette_codes();
    let mut kept = Vec::with_capacity(out.len());
    let mut i = 0;
    'outer: while i < out.len() {
        if out[i] == 0x1b {
            for code in &codes {
                if out[i..].starts_with(code.as_bytes()) {
                    i += code.len();
                    continue 'outer;
                }
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
    if let Some((at, c)) = text
        .char_indices()
        .find(|&(_, c)| is_dangerous(c, allow_tab))
    {
        panic!(
            "{what}: raw U+{:04X} at byte {at} of the output: {:?}",
            c as u32, text
        );
    }
}

/// What serde_json makes of `bytes`: `Some(Ok)` valid, `Some(Err)` invalid, `None` when only
/// its recursion limit stopped it (validity unknown).
pub fn serde_verdict(bytes: &[u8]) -> Option<Result<Value, serde_json::Error>> {
    match serde_json::from_slice::<Value>(bytes) {
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => None,
        r => Some(r),
    }
}

/// Valid JSON by serde_json, nested no deeper than its limit.
pub fn valid_json(bytes: &[u8]) -> Option<Value> {
    serde_verdict(bytes).and_then(Result::ok)
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
