use super::*;
use crate::fixtures::{frames, GUIDE_013, SESSION_014};

fn kind_of(text: &str) -> String {
    classify(text.as_bytes()).kind.to_string()
}

#[test]
fn every_example_of_the_013_guide() {
    let kinds: Vec<String> = frames(GUIDE_013).iter().map(|f| kind_of(f)).collect();
    assert_eq!(
        kinds,
        [
            "walletUpdate",
            "wallet.incoming",
            "wallet.incoming",
            "wallet.outgoing",
            "notification.payment",
            "notification.declined",
            "notification.orderConfirmation",
            "notification.refund",
            "notification.fulfillment",
            "notification.buyerDisputeExpiry",
            "notification.order",
            "notification.orderComplete",
            "notification.disputeOpen",
            "notification.disputeClose",
            "notification.disputeAccepted",
            "notification.moderatorDisputeExpiry",
            "reply.profile",
            "reply.profile.error",
            "message.direct",
            "message.order",
            "messageTyping",
            "notification.follow",
            "notification.unfollow",
            "status.publishing",
            "status.complete",
        ]
    );
}

#[test]
fn every_shape_of_protocol_014() {
    let kinds: Vec<String> = frames(SESSION_014).iter().map(|f| kind_of(f)).collect();
    let expected = [
        "walletUpdate",
        "walletUpdate",
        "wallet.incoming",
        "wallet.outgoing",
        "notification.order",
        "notification.payment",
        "notification.orderConfirmation",
        "notification.orderDeclined",
        "notification.cancel",
        "notification.refund",
        "notification.fulfillment",
        "notification.orderComplete",
        "notification.processingError",
        "notification.disputeOpen",
        "notification.disputeUpdate",
        "notification.disputeClose",
        "notification.disputeAccepted",
        "notification.follow",
        "notification.unfollow",
        "notification.moderatorAdd",
        "notification.moderatorRemove",
        "notification.buyerDisputeTimeout",
        "notification.buyerDisputeExpiry",
        "notification.vendorDisputeTimeout",
        "notification.moderatorDisputeExpiry",
        "notification.vendorFinalizedPayment",
        "message.direct",
        "message.order",
        "messageTyping",
        "messageRead",
        "status.publishing",
        "status.complete",
        "status.error",
        "reply.moderator",
        "reply.profile",
        "reply.profile.error",
        "reply.rating",
        "reply.rating.error",
    ];
    assert_eq!(kinds, expected);
}

#[test]
fn wallet_direction_follows_the_sign_in_both_generations() {
    assert_eq!(
        kind_of(r#"{"wallet":{"value":0,"wallet":"BTC"}}"#),
        "wallet.incoming"
    );
    assert_eq!(kind_of(r#"{"wallet":{"value":-1}}"#), "wallet.outgoing");
    let big = r#"{"wallet":{"value":{"amount":"-340282366920938463463374607431768211456","currency":{"code":"ETH","divisibility":18}}}}"#;
    assert_eq!(kind_of(big), "wallet.outgoing");
    assert_eq!(
        kind_of(r#"{"wallet":{"value":{"amount":"5"}}}"#),
        "wallet.incoming"
    );
    assert_eq!(kind_of(r#"{"wallet":{"value":"lots"}}"#), "unknown");
    assert_eq!(kind_of(r#"{"wallet":{}}"#), "unknown");
    assert_eq!(kind_of(r#"{"wallet":"BTC"}"#), "unknown");
}

#[test]
fn notifications_need_a_non_empty_string_type() {
    assert_eq!(
        kind_of(r#"{"notification":{"type":"brandNew"}}"#),
        "notification.brandNew"
    );
    assert_eq!(kind_of(r#"{"notification":{"type":""}}"#), "unknown");
    assert_eq!(kind_of(r#"{"notification":{"type":7}}"#), "unknown");
    assert_eq!(kind_of(r#"{"notification":{}}"#), "unknown");
    assert_eq!(kind_of(r#"{"notification":[1,2]}"#), "unknown");
    assert_eq!(
        kind_of(r#"{"notification":{"type":"o\u0072der"}}"#),
        "notification.order"
    );
}

#[test]
fn status_values_outside_the_three_known_ones_are_unknown() {
    assert_eq!(kind_of(r#"{"status":"error publishing"}"#), "status.error");
    assert_eq!(kind_of(r#"{"status":"rebooting"}"#), "unknown");
    assert_eq!(kind_of(r#"{"status":1}"#), "unknown");
}

#[test]
fn replies_are_told_apart_by_their_keys() {
    assert_eq!(kind_of(r#"{"id":"a","peerId":"Qm1"}"#), "reply.moderator");
    assert_eq!(
        kind_of(r#"{"id":"a","peerId":"Qm1","profile":{}}"#),
        "reply.profile"
    );
    assert_eq!(
        kind_of(r#"{"id":"a","peerID":"Qm1","error":"not found"}"#),
        "reply.profile.error"
    );
    assert_eq!(
        kind_of(r#"{"id":"a","ratingId":"r","rating":{}}"#),
        "reply.rating"
    );
    assert_eq!(
        kind_of(r#"{"id":"a","ratingId":"r","error":"x"}"#),
        "reply.rating.error"
    );
    assert_eq!(
        kind_of(r#"{"peerId":"Qm1"}"#),
        "unknown",
        "no id: not a reply"
    );
    assert_eq!(kind_of(r#"{"id":"a"}"#), "unknown");
}

#[test]
fn echoes_and_non_objects_are_unknown() {
    for text in [
        "[]",
        "42",
        "\"hello\"",
        "null",
        "true",
        "{}",
        r#"{"hello":"world"}"#,
        "18446744073709551616",
    ] {
        assert_eq!(kind_of(text), "unknown", "{text}");
    }
}

#[test]
fn broken_input_is_invalid_with_a_reason() {
    for (text, why) in [
        ("hello", "not JSON"),
        ("{\"a\":", "not JSON"),
        ("{\"a\":1} trailing", "not JSON"),
        ("", "empty frame"),
    ] {
        let c = classify(text.as_bytes());
        assert_eq!(c.kind, Kind::Invalid, "{text}");
        assert!(
            c.error.as_deref().unwrap().contains(why),
            "{text}: {:?}",
            c.error
        );
    }
    let c = classify(b"{\"a\":\"\xff\"}");
    assert!(c.error.unwrap().contains("UTF-8"));
    // Deep nesting is valid JSON; classification skips it without recursing.
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_eq!(classify(deep.as_bytes()).kind, Kind::Unknown);
    let deep_inside = format!(
        "{{\"notification\":{}{}}}",
        "{\"a\":".repeat(50_000),
        "1".to_string() + &"}".repeat(50_000)
    );
    assert_eq!(classify(deep_inside.as_bytes()).kind, Kind::Unknown);
}

#[test]
fn message_subject_decides_direct_or_order() {
    assert_eq!(kind_of(r#"{"message":{"subject":""}}"#), "message.direct");
    assert_eq!(kind_of(r#"{"message":{}}"#), "message.direct");
    assert_eq!(kind_of(r#"{"message":{"subject":"QmX"}}"#), "message.order");
    assert_eq!(kind_of(r#"{"message":"hi"}"#), "unknown");
}

/// Numbers beyond a double are JSON (RFC 8259; jq reads them as the largest double).
#[test]
fn numbers_beyond_a_double_are_json() {
    for (text, kind) in [
        ("1111055e5555111105555555555", Kind::Unknown),
        ("[1e400]", Kind::Unknown),
        (r#"{"status":1e400}"#, Kind::Unknown),
        (
            r#"{"walletUpdate":1e400,"notification":{"type":"order"}}"#,
            Kind::Notification("order".into()),
        ),
        (
            r#"{"message":-1E999,"status":"publishing"}"#,
            Kind::StatusPublishing,
        ),
        (r#"{"wallet":{"value":-1e400}}"#, Kind::WalletOutgoing),
        (
            r#"{"wallet":{"value":{"amount":"1"},"x":1e400}}"#,
            Kind::WalletIncoming,
        ),
        (r#"{"a":"1e400","b":1e400}"#, Kind::Unknown),
    ] {
        assert_eq!(classify(text.as_bytes()).kind, kind, "{text}");
    }
    // Rust's float reader takes these, JSON does not: they stay invalid.
    for bad in [
        r#"{"a":1e400,}"#,
        "1e400x",
        r#"{"a":"1e400}"#,
        "01e400",
        r#"{"status":-01e400}"#,
        "[1.e400]",
        "-.5e400",
        "1e400.5",
    ] {
        assert_eq!(classify(bad.as_bytes()).kind, Kind::Invalid, "{bad}");
    }
}

/// serde_json refuses a lone surrogate escape in a string it decodes (a key, a type) but
/// skips one in a value it ignores; the jq reader and the tree take it as U+FFFD. A frame with
/// one has the same kind whichever reader looks (a fuzz find).
#[test]
fn lone_surrogates_classify_as_the_jq_reader_reads_them() {
    assert_eq!(
        kind_of(r#"{"notification":{"type":"order","a\ud800k":"x"}}"#),
        "notification.order"
    );
    assert_eq!(
        kind_of(r#"{"a\udc00":1,"status":"publishing"}"#),
        "status.publishing"
    );
    assert_eq!(
        kind_of(r#"{"notification":{"type":"ord\ud800er"}}"#),
        "notification.ord\u{fffd}er"
    );
    assert_eq!(
        kind_of(r#"{"notification":{"type":"\ud83d\ude00"}}"#),
        "notification.\u{1f600}"
    );
    assert_eq!(kind_of(r#""\udfff\ud800""#), "unknown");
    assert_eq!(
        kind_of(r#"{"a\\ud800":1e400,"message":{"subject":"\ud801"}}"#),
        "message.order"
    );
    assert_eq!(
        lone_surrogates(br#""\\ud800\ud800\udc00\udc00\ud800""#),
        [20, 26]
    );
    // Still invalid where the frame is broken for another reason.
    assert_eq!(kind_of(r#"{"a\ud800":}"#), "invalid");
}

/// Only a number JSON's grammar allows is tamed: Rust's float parser also takes `1.E5`, and
/// taming it would make a broken frame valid (a fuzz find).
#[test]
fn a_broken_number_stays_invalid_when_huge() {
    assert_eq!(kind_of(r#"{":":-0,"b":1.E0567812345}"#), "invalid");
    assert_eq!(kind_of(r#"{"b":1.E0567812345,"c":"\ud800"}"#), "invalid");
    assert_eq!(
        kind_of(r#"{"b":1.0E0567812345,"status":"publishing"}"#),
        "status.publishing"
    );
    assert_eq!(
        kind_of(r#"{"b":-1e400,"c":"\ud800","status":"publishing"}"#),
        "status.publishing"
    );
    for ok in ["0", "-0", "1.5", "1e5", "-12.5E+3", "0.0e-0"] {
        assert!(is_json_number(ok), "{ok}");
    }
    for bad in [
        "", "-", "01", "1.", ".5", "+1", "1.e5", "1e", "1e+", "--1", "1x", "0x10",
    ] {
        assert!(!is_json_number(bad), "{bad}");
    }
}
