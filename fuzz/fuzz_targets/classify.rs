//! Classification: a frame is `invalid` exactly when it is not JSON by the grammar (at any
//! depth: serde skips nested values without recursing), and its
//! kind is the same with and without a `-f` program: the program sees `$kind` equal to the
//! kind, and the jq reader refuses every frame the classifier calls `invalid`.
#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use obtail::classify::classify;
use obtail::config::JqSettings;
use obtail::jq::{FrameVars, Outcome, Program};
use obtail::kind::Kind;
use obtail_fuzz::{check_grammar, depth};

thread_local! {
    static KIND: Program = Program::compile(
        &JqSettings {
            program: "$kind".into(),
            origin: None,
            args: vec![],
            argjson: vec![],
            raw_output: false,
        },
        &[],
        false,
    )
    .unwrap_or_else(|_| panic!("$kind does not compile"));
}

fuzz_target!(|data: &[u8]| {
    let c = classify(data);
    match check_grammar(data) {
        // RFC 8259 (8.2) leaves unpaired surrogate escapes' meaning open; obtail reads each
        // as U+FFFD, so they are JSON like any other escape. Depth is no limit: the
        // classifier reads only the top two levels, and serde skips the rest iteratively.
        Ok(_) => {
            assert_ne!(
                c.kind,
                Kind::Invalid,
                "valid JSON called invalid: {:?}",
                c.error
            )
        }
        Err(e) => assert_eq!(
            c.kind,
            Kind::Invalid,
            "not JSON ({e}), but the classifier accepts it"
        ),
    }
    assert_eq!(c.kind == Kind::Invalid, c.error.is_some());
    if depth(data) > 200 {
        return;
    }
    let name = c.kind.name();
    let time = chrono::Utc::now();
    let vars = FrameVars {
        kind: &name,
        time: &time,
        source: "fuzz",
        recovered: false,
        suspects: &[],
    };
    KIND.with(|program| {
        let mut seen = Vec::new();
        let outcome = program.run(data, &vars, |out| {
            seen.push(out.raw_string().map(|s| s.into_owned()));
            ControlFlow::<()>::Continue(())
        });
        if c.kind == Kind::Invalid {
            assert!(
                matches!(outcome, Outcome::Unreadable(_)),
                "an invalid frame ({:?}) reached the program: {outcome:?}",
                c.error
            );
        } else {
            assert_eq!(outcome, Outcome::Done);
            assert_eq!(seen, vec![Some(name.to_string())]);
        }
    });
});
