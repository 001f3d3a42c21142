//! The recorded fixtures, split into frames, for the unit tests of every stage. Splitting is
//! deliberately naive (each frame starts with `{` at column 0) so stage tests do not depend on
//! the replay source.

pub const SESSION_014: &str = include_str!("../tests/fixtures/session-0.14.json");
pub const GUIDE_013: &str = include_str!("../tests/fixtures/guide-0.13.json");

/// The frames of a fixture, as the node wrote them (pretty, trimmed).
pub fn frames(fixture: &str) -> Vec<String> {
    fixture
        .split("\n{")
        .map(|v| {
            let v = v.trim();
            if v.starts_with('{') {
                v.to_string()
            } else {
                format!("{{{v}")
            }
        })
        .collect()
}

/// A frame without its insignificant whitespace.
pub fn compact(frame: &str) -> String {
    let mut out = Vec::new();
    crate::json::text::write_compact(&mut out, frame.as_bytes());
    String::from_utf8(out).expect("compact JSON of UTF-8 is UTF-8")
}

/// One of `frames`, with one to three bytes removed, inserted or replaced from `alphabet`:
/// the mutants the property tests feed the skim, the validating pass and the jq reader.
pub fn mutant(rng: &mut fastrand::Rng, frames: &[Vec<u8>], alphabet: &[u8]) -> Vec<u8> {
    let mut m = frames[rng.usize(..frames.len())].clone();
    let edits = rng.usize(1..4);
    mutate(rng, &mut m, edits, alphabet);
    m
}

/// `edits` times: one byte of `bytes` removed, or one from `alphabet` inserted or put in its
/// place, at random.
pub fn mutate(rng: &mut fastrand::Rng, bytes: &mut Vec<u8>, edits: usize, alphabet: &[u8]) {
    for _ in 0..edits {
        if bytes.is_empty() {
            return;
        }
        let at = rng.usize(..bytes.len());
        match rng.u8(..3) {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, alphabet[rng.usize(..alphabet.len())]),
            _ => bytes[at] = alphabet[rng.usize(..alphabet.len())],
        }
    }
}

/// Every frame of both recorded sessions, as recorded (indented) and compact.
pub fn both_spellings() -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    for fixture in [SESSION_014, GUIDE_013] {
        for f in frames(fixture) {
            all.push(compact(&f).into_bytes());
            all.push(f.into_bytes());
        }
    }
    all
}

/// Gives `n` mutants of `frames` to `check`, which tests one and says whether it was valid;
/// fails when valid or invalid mutants were too rare for the checks to mean anything.
pub fn check_mutants(seed: u64, alphabet: &[u8], n: usize, mut check: impl FnMut(&[u8]) -> bool) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let frames = both_spellings();
    let (mut valid, mut invalid) = (0, 0);
    for _ in 0..n {
        if check(&mutant(&mut rng, &frames, alphabet)) {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert!(
        valid > n / 10 && invalid > n / 10,
        "too one-sided to mean anything: {valid} valid, {invalid} invalid"
    );
}
