//! The borrowed tree: for valid JSON (within serde_json's depth limit) it parses, and the tree
//! (strings decoded, numbers read from their kept text, the last of repeated keys winning as
//! `get` does) equals serde_json's value; `get` finds what serde_json finds. Invalid input is
//! refused or read, but never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::json::{parse, Value};
use obtail_fuzz::{check_grammar, same_json, valid_json};
use serde_json::Value as J;

fn to_serde(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => serde_json::from_str(n)
            .unwrap_or_else(|e| panic!("tree kept a number serde_json cannot read: {n:?} ({e})")),
        Value::String(s) => J::String(s.decode().into_owned()),
        Value::Array(items) => J::Array(items.iter().map(to_serde).collect()),
        Value::Object(members) => {
            let mut map = serde_json::Map::new();
            for (k, v) in members {
                map.insert(k.decode().into_owned(), to_serde(v));
            }
            J::Object(map)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let tree = parse(text);
    if check_grammar(data).is_ok_and(|depth| depth <= 127) {
        if let Err(e) = &tree {
            panic!("valid JSON refused by the tree: {e}");
        }
    }
    if let Some(want) = valid_json(data) {
        let tree = tree.unwrap_or_else(|e| panic!("valid JSON refused by the tree: {e}"));
        let got = to_serde(&tree);
        assert!(
            same_json(&got, &want),
            "tree {got} differs from serde_json's {want}"
        );
        if let J::Object(map) = &want {
            for (k, v) in map {
                let found = tree.get(k).map(to_serde);
                assert!(
                    found.as_ref().is_some_and(|f| same_json(f, v)),
                    "get({k:?}) gives {found:?}, serde_json {v}"
                );
            }
        }
    }
});
