//! The validating compactor: its verdict is the classifier's on every input, and for valid
//! input its output is `write_compact`'s byte for byte, parses to the input's value, is one
//! line and holds no control byte nor anything a terminal would obey. Invalid input leaves
//! the output as it was. The one pass that also finds the kind (`compact_classified`) gives
//! the classifier's verdict, kind and the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::classify::{classify, compact_classified, OnePass};
use obtail::json::compactor::compact_if_valid;
use obtail::json::text::write_compact;
use obtail::kind::Kind;
use obtail_fuzz::{assert_json_equal, assert_terminal_safe, assert_valid_json, verdict};

fuzz_target!(|data: &[u8]| {
    let mut out = b"before".to_vec();
    let valid = compact_if_valid(&mut out, data);
    let c = classify(data);
    let mut once = b"before".to_vec();
    let pass = compact_classified(&mut once, data);
    assert_eq!(once, out, "the one pass and the compactor wrote differently");
    match &pass {
        OnePass::Invalid => assert_eq!(c.kind, Kind::Invalid, "the one pass refused valid JSON"),
        // A kind the pass leaves open is the classifier's to decide: allowed, never wrong.
        OnePass::Valid(kind) => {
            assert_ne!(c.kind, Kind::Invalid, "the one pass accepted invalid input");
            if let Some(kind) = kind {
                assert_eq!(*kind, c.kind, "the one pass and the classifier give different kinds");
            }
        }
    }
    assert_eq!(
        valid,
        c.kind != Kind::Invalid,
        "the compactor and the classifier ({:?}) disagree",
        c.error
    );
    if !valid {
        assert_eq!(out, b"before", "an invalid input left output behind");
        return;
    }
    let compact = &out[b"before".len()..];
    let mut want = Vec::new();
    write_compact(&mut want, data);
    assert_eq!(compact, want, "the compactor and write_compact differ");
    assert!(
        !compact.iter().any(|&b| b < 0x20),
        "a control byte in the output"
    );
    assert_valid_json(compact, "compactor");
    assert_terminal_safe(compact, false, false, "compactor");
    let input = verdict(data);
    assert!(input.is_valid(), "accepted text that is not JSON");
    if let Some(value) = input.value() {
        assert_json_equal(compact, value, "compactor");
    }
});
