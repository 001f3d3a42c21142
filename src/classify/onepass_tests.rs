use super::*;
use crate::classify::classify;
use crate::fixtures;
use crate::json::text::write_compact;

/// The one pass against what it replaces, `classify` and `write_compact`: same verdict,
/// same kind, same text. Returns the kind.
fn agrees(bytes: &[u8]) -> Kind<'_> {
    let mut out = b"kept".to_vec();
    let pass = compact_classified(&mut out, bytes);
    let c = classify(bytes);
    let shown = String::from_utf8_lossy(bytes);
    if c.kind == Kind::Invalid {
        assert_eq!(pass, OnePass::Invalid, "valid to the one pass: {shown:?}");
        assert_eq!(out, b"kept", "invalid input left output behind: {shown:?}");
        return c.kind;
    }
    assert_eq!(
        pass,
        OnePass::Valid(Some(c.kind.clone())),
        "kind differs from the classifier's on {shown:?}"
    );
    let mut want = b"kept".to_vec();
    write_compact(&mut want, bytes);
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&want),
        "output differs from write_compact on {shown:?}"
    );
    c.kind
}

fn kind_of(text: &str) -> Kind<'_> {
    agrees(text.as_bytes())
}

fn fixture_frames() -> Vec<Vec<u8>> {
    fixtures::both_spellings()
}

#[test]
fn fixture_frames_agree_and_have_their_kinds() {
    let mut kinds = std::collections::HashSet::new();
    for frame in fixture_frames() {
        let kind = agrees(&frame);
        assert_ne!(kind, Kind::Invalid, "{}", String::from_utf8_lossy(&frame));
        kinds.insert(kind.name().into_owned());
    }
    // The fixtures hold most kinds: the test would notice a pass that finds only one.
    assert!(kinds.len() >= 10, "{kinds:?}");
}

/// Thousands of mutated node frames, with bytes that matter to the grammar, to UTF-8 and to
/// the keys: verdict, kind and output must agree every time.
#[test]
fn mutated_frames_agree() {
    let mut alphabet = b"{}[]\":,\\ \n\t-01.eEtfnu\"abdsy".to_vec();
    alphabet.extend_from_slice(&[0x00, 0x7f, 0x80, 0xc2, 0xe2, 0xed, 0xf0, 0xff]);
    fixtures::check_mutants(20261202, &alphabet, 30_000, |m| agrees(m) != Kind::Invalid);
}

/// Frames put together from the members the kind rules read, spelled in every way that
/// matters (escaped, duplicated, nested, of the wrong type, empty), then mutated: the kinds
/// must agree where random bytes would seldom reach.
#[test]
fn assembled_frames_agree() {
    const KEYS: &[&str] = &[
        "walletUpdate",
        "wallet",
        "notification",
        "notificati\\u006fn",
        "message",
        "messageTyping",
        "messageRead",
        "status",
        "st\\u0061tus",
        "id",
        "\\u0069d",
        "profile",
        "peerId",
        "peerID",
        "error",
        "ratingId",
        "rating",
        "other",
        "\\ud800",
    ];
    const VALUES: &[&str] = &[
        "{}",
        "{\"value\":5}",
        "{\"value\":-5}",
        "{\"value\":{\"amount\":\"-12\",\"currency\":{}}}",
        "{\"value\":{\"amount\":\"7\"}}",
        "{\"value\":\"lots\"}",
        "{\"value\":1e400}",
        "{\"v\\u0061lue\":-1}",
        "{\"type\":\"order\"}",
        "{\"type\":\"\"}",
        "{\"typ\\u0065\":\"follow\",\"type\":\"o\\u0072der\"}",
        "{\"type\":\"\\ud800x\"}",
        "{\"type\":1}",
        "{\"subject\":\"Qm\"}",
        "{\"subject\":\"\"}",
        "{\"subject\":null}",
        "{\"a\":{\"type\":\"deep\"},\"subject\":\"s\"}",
        "\"publishing\"",
        "\"publish complete\"",
        "\"error publishing\"",
        "\"publ\\u0069shing\"",
        "\"\"",
        "[{\"type\":\"x\"}]",
        "null",
        "-1e999",
        "\"\\udc00\"",
    ];
    let mut rng = fastrand::Rng::with_seed(14);
    let mut assembled = Vec::new();
    for _ in 0..4000 {
        let members: Vec<String> = (0..rng.usize(1..5))
            .map(|_| {
                let key = KEYS[rng.usize(..KEYS.len())];
                let value = VALUES[rng.usize(..VALUES.len())];
                format!("\"{key}\" : {value}")
            })
            .collect();
        assembled.push(format!("{{{}}}", members.join(",")).into_bytes());
    }
    let mut kinds = std::collections::HashSet::new();
    for frame in &assembled {
        kinds.insert(agrees(frame).name().into_owned());
    }
    assert!(kinds.len() >= 15, "{kinds:?}");
    let alphabet = b"{}[]\":,\\ -0u";
    for _ in 0..20_000 {
        agrees(&fixtures::mutant(&mut rng, &assembled, alphabet));
    }
}

#[test]
fn the_last_of_duplicate_keys_counts_as_in_serde() {
    assert_eq!(
        kind_of(r#"{"notification":{"type":"order"},"notification":{"type":"cancel"}}"#),
        Kind::Notification("cancel".into())
    );
    assert_eq!(
        kind_of(r#"{"notification":{"type":"order"},"notification":[]}"#),
        Kind::Unknown
    );
    assert_eq!(
        kind_of(r#"{"notification":{"type":"a","type":"b"}}"#),
        Kind::Notification("b".into())
    );
    assert_eq!(
        kind_of(r#"{"wallet":{"value":{"amount":"-1"}},"wallet":"x"}"#),
        Kind::Unknown
    );
    assert_eq!(
        kind_of(r#"{"status":"publishing","status":"nope"}"#),
        Kind::Unknown
    );
    // Flags are any of the keys, wherever they come.
    assert_eq!(
        kind_of(r#"{"id":1,"profile":{},"id":2}"#),
        Kind::ReplyProfile
    );
}

#[test]
fn escaped_keys_and_values_are_read_decoded() {
    assert_eq!(
        kind_of(r#"{"st\u0061tus":"publishing"}"#),
        Kind::StatusPublishing
    );
    assert_eq!(
        kind_of(r#"{"status":"publ\u0069shing"}"#),
        Kind::StatusPublishing
    );
    assert_eq!(
        kind_of(r#"{"notification":{"t\u0079pe":"o\u0072der"}}"#),
        Kind::Notification("order".into())
    );
    assert_eq!(
        kind_of(r#"{"m\u0065ssage":{"subject":"\u0041"}}"#),
        Kind::MessageOrder
    );
    assert_eq!(
        kind_of(r#"{"\u0069d":1,"peerId":"Qm"}"#),
        Kind::ReplyModerator
    );
    assert_eq!(kind_of(r#"{"wallet\/":{}}"#), Kind::Unknown);
}

#[test]
fn lone_surrogates_read_as_the_replacement_character() {
    assert_eq!(
        kind_of(r#"{"notification":{"type":"\ud800"}}"#),
        Kind::Notification("\u{fffd}".into())
    );
    assert_eq!(
        kind_of(r#"{"\ud800":1,"notification":{"\udc00":1,"type":"x\udbff"}}"#),
        Kind::Notification("x\u{fffd}".into())
    );
    assert_eq!(
        kind_of(r#"{"message":{"subject":"\udfff"}}"#),
        Kind::MessageOrder
    );
    assert_eq!(kind_of(r#"{"status\ud800":"publishing"}"#), Kind::Unknown);
}

#[test]
fn only_an_object_at_the_top_has_a_kind() {
    for text in [
        "[]",
        r#"[{"walletUpdate":{}}]"#,
        r#""status""#,
        "1e400",
        "null",
        " true ",
        "{}",
    ] {
        assert_eq!(kind_of(text), Kind::Unknown, "{text}");
    }
}

#[test]
fn strings_and_other_values_are_told_apart() {
    assert_eq!(kind_of(r#"{"walletUpdate":{}}"#), Kind::WalletUpdate);
    assert_eq!(kind_of(r#"{"walletUpdate":"{}"}"#), Kind::Unknown);
    assert_eq!(kind_of(r#"{"status":["publishing"]}"#), Kind::Unknown);
    assert_eq!(
        kind_of(r#"{"notification":{"type":["order"]}}"#),
        Kind::Unknown
    );
    assert_eq!(kind_of(r#"{"message":{"subject":7}}"#), Kind::MessageDirect);
    assert_eq!(
        kind_of(r#"{"message":{"subject":""}}"#),
        Kind::MessageDirect
    );
    assert_eq!(kind_of(r#"{"notification":{"type":""}}"#), Kind::Unknown);
    assert_eq!(
        kind_of(r#"{"wallet":{"value":-0.5}}"#),
        Kind::WalletOutgoing
    );
    assert_eq!(
        kind_of(r#"{"wallet":{"value":1e400}}"#),
        Kind::WalletIncoming
    );
    assert_eq!(
        kind_of(r#"{"wallet":{"value":{ "amount" : "-3" }}}"#),
        Kind::WalletOutgoing
    );
    assert_eq!(kind_of(r#"{"wallet":{"value":"5"}}"#), Kind::Unknown);
    assert_eq!(
        kind_of(r#"{"messageTyping":{"a":[1,{"b":2}]}}"#),
        Kind::MessageTyping
    );
}

#[test]
fn whitespace_and_depth_do_not_move_the_values() {
    let pretty = "{\n  \"status\" : \"publish complete\" ,\n  \"x\": [[[[{\"status\":1}]]]]\n}\n";
    assert_eq!(kind_of(pretty), Kind::StatusComplete);
    let deep = format!(
        "{{\"notification\":{{\"a\":{}1{},\"type\":\"deep\"}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(kind_of(&deep), Kind::Notification("deep".into()));
}

#[test]
fn invalid_frames_have_no_kind_and_leave_no_output() {
    for text in [
        "",
        "{",
        r#"{"status":"publishing""#,
        r#"{"status":"publishing"} x"#,
        "{\"status\":\"a\x01\"}",
        r#"{"a":01}"#,
    ] {
        assert_eq!(kind_of(text), Kind::Invalid, "{text:?}");
    }
    assert_eq!(agrees(b"{\"type\":\"\xff\"}"), Kind::Invalid);
}
