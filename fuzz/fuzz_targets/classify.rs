//! Classification: a frame is `invalid` exactly when serde_json says it is not JSON, and its
//! kind is the same with and without a `-f` program: the program sees `$kind` equal to the
//! kind, and the jq reader refuses every frame the classifier calls `invalid`.
#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use obtail::classify::classify;
use obtail::config::JqSettings;
use obtail::jq::{FrameVars, Outcome, Program};
use obtail::kind::Kind;
use obtail_fuzz::{depth, serde_verdict};

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
    match serde_verdict(data) {
        Some(Ok(_)) => assert_ne!(
            c.kind,
            Kind::Invalid,
            "valid JSON called invalid: {:?}",
            c.error
        ),
        Some(Err(e)) => assert_eq!(
            c.kind,
            Kind::Invalid,
            "serde_json refuses it ({e}), the classifier does not"
        ),
        None => {}
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
