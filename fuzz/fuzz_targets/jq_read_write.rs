//! The jq reader and writer, through the program runner the pipeline uses: a frame the reader
//! accepts is valid JSON (serde_json agrees) and valid JSON is accepted; `.` gives back the
//! frame itself and `tojson` a text equal to it; every output of a set of programs (including
//! NaN, infinities, byte strings, object keys built from values) written by `write_value` is
//! one line of valid JSON with no raw control, C1, DEL, bidi or zero-width character.
#![no_main]

use std::ops::ControlFlow;

use libfuzzer_sys::fuzz_target;
use obtail::config::JqSettings;
use obtail::jq::{write_value, FrameVars, Outcome, Program};
use obtail_fuzz::{
    assert_json_equal, assert_terminal_safe, assert_valid_json, depth, verdict, Verdict,
};

const PROGRAMS: &[&str] = &[
    ".",
    "..",
    "tojson",
    "[paths]",
    "to_entries?",
    "tostring",
    ".. | strings | fromjson?",
    "[.[]?] | add?",
    "keys?",
    ".. | numbers | . + 0, . * 1e300, -.",
    ".. | strings | @base64d?",
    "nan, infinite, -infinite, [nan]",
    "{(tostring): .}",
    ".. | strings | explode | implode",
    "[.[]?] | sort?",
    ".. | strings | @html, @uri, @sh?",
    "tojson | fromjson",
    ".. | strings | ascii_downcase | ltrimstr(\"a\")",
    "[..] | length",
    ".. | objects | with_entries(.key |= ascii_upcase)",
];

thread_local! {
    static COMPILED: Vec<Program> = PROGRAMS
        .iter()
        .map(|code| {
            let settings = JqSettings {
                program: code.to_string(),
                origin: None,
                args: vec![],
                argjson: vec![],
                raw_output: false,
            };
            Program::compile(&settings, &[], false)
                .unwrap_or_else(|_| panic!("{code} does not compile"))
        })
        .collect();
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, frame)) = data.split_first() else {
        return;
    };
    let index = usize::from(pick) % PROGRAMS.len();
    let input = verdict(frame);
    let deep = depth(frame) > 250;
    let time = chrono::Utc::now();
    let vars = FrameVars {
        kind: "unknown",
        time: &time,
        source: "fuzz",
        recovered: false,
        suspects: &[],
    };
    COMPILED.with(|programs| {
        let mut outputs = Vec::new();
        let outcome = programs[index].run(frame, &vars, |out| {
            let mut text = Vec::new();
            // As the pipeline: the frame itself prints as its own text (its value may be
            // built only in part, as far as the program reads it).
            if out.is_input {
                text.extend_from_slice(frame);
                outputs.push((text, true));
            } else if write_value(&mut text, out.value).is_ok() {
                outputs.push((text, false));
            }
            ControlFlow::<()>::Continue(())
        });
        let _ = programs[index].take_messages();
        match (&outcome, &input) {
            (Outcome::Unreadable(why), Verdict::Valid(_)) if !deep => {
                panic!("the jq reader refuses valid JSON: {why}")
            }
            (Outcome::Unreadable(_), _) => {}
            (_, Verdict::Invalid(e)) => panic!("the jq reader accepts what is not JSON ({e})"),
            _ => {}
        }
        // What `write_value` wrote; the frame's own text goes to the renderer (its target).
        for (text, _) in outputs.iter().filter(|(_, is_input)| !is_input) {
            assert_terminal_safe(text, false, false, PROGRAMS[index]);
            assert!(
                !text.contains(&b'\n'),
                "{}: output spans lines",
                PROGRAMS[index]
            );
            assert_valid_json(text, PROGRAMS[index]);
        }
        if index == 0 && !matches!(outcome, Outcome::Unreadable(_)) {
            if let Some(want) = input.value() {
                assert_eq!(outputs.len(), 1);
                // `is_input` (print the frame's own text) is only promised for arrays and
                // objects, where it is checked by identity.
                if matches!(
                    want,
                    serde_json::Value::Array(_) | serde_json::Value::Object(_)
                ) {
                    assert!(outputs[0].1, "`.` output is not the input itself");
                }
                assert_json_equal(&outputs[0].0, want, "`.` written back");
            }
        }
        // `tojson` reads the whole frame: its value, written back, is the frame.
        if PROGRAMS[index] == "tojson" && !matches!(outcome, Outcome::Unreadable(_)) {
            if let Some(want) = input.value() {
                assert_eq!(outputs.len(), 1);
                let text: String = serde_json::from_slice(&outputs[0].0).expect("a string");
                assert_json_equal(text.as_bytes(), want, "`tojson` read back");
            }
        }
    });
});
