//! The skim against the validating pass: whenever the skim answers, its length is in bounds
//! and, if the object it found is valid JSON, its kind is the validating pass's kind and the
//! one-pass splitter (`classify_leading`) ends the value at the same byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::classify::{classify, classify_leading, skim};
use obtail::kind::Kind;

fuzz_target!(|data: &[u8]| {
    let skimmed = skim(data);
    let leading = classify_leading(data);
    if let Some((kind, len)) = &skimmed {
        assert!(
            *len <= data.len(),
            "skim length {len} beyond {} bytes",
            data.len()
        );
        let full = classify(&data[..*len]);
        if full.kind != Kind::Invalid {
            assert_eq!(*kind, full.kind, "skim and validating pass disagree");
            let (lkind, llen) = leading
                .as_ref()
                .expect("valid object, but classify_leading refused it");
            assert_eq!(
                *llen, *len,
                "skim and classify_leading end the value differently"
            );
            assert_eq!(lkind, kind);
        }
    }
    if let Some((kind, len)) = &leading {
        assert!(*len <= data.len());
        let full = classify(&data[..*len]);
        assert_eq!(*kind, full.kind, "classify_leading and classify disagree");
    }
});
