//! Which orders a frame from the socket is about (orders.md §8): each is a cue to read that
//! order's row again. Notifications name their order by `orderId`, `purchaseOrderId` or
//! `disputeCaseId`; a wallet transaction by `orderId`; an order's chat by its `subject`. Only
//! ids that can be sent back to the node are kept.

use std::borrow::Cow;

use serde::Deserialize;

use crate::live::recover::is_node_id;

#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(borrow, default)]
    notification: Option<Ids<'a>>,
    #[serde(borrow, default)]
    wallet: Option<Ids<'a>>,
    #[serde(borrow, default)]
    message: Option<Ids<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ids<'a> {
    #[serde(borrow, default)]
    order_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    purchase_order_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dispute_case_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subject: Option<Cow<'a, str>>,
}

/// The orders a frame names; none for a frame about no order, or one that is not JSON.
pub fn orders_named(bytes: &[u8]) -> Vec<String> {
    let Ok(frame) = serde_json::from_slice::<Frame>(bytes) else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for inner in [frame.notification, frame.wallet, frame.message]
        .into_iter()
        .flatten()
    {
        let named = [
            inner.order_id,
            inner.purchase_order_id,
            inner.dispute_case_id,
            inner.subject,
        ];
        for id in named.into_iter().flatten() {
            if is_node_id(&id) && !ids.iter().any(|i| i == &id) {
                ids.push(id.into_owned());
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "QmbMY8sGFe3kRqkHLWWGMzNwQoaQtbZCwYYUPYxS3zBfaa";

    #[test]
    fn frames_name_their_orders() {
        let note = format!(r#"{{"notification": {{"type": "order", "orderId": "{ID}"}}}}"#);
        assert_eq!(orders_named(note.as_bytes()), [ID]);
        let timer = format!(r#"{{"notification": {{"purchaseOrderId": "{ID}", "expiresIn": 0}}}}"#);
        assert_eq!(orders_named(timer.as_bytes()), [ID]);
        let case = format!(r#"{{"notification": {{"disputeCaseId": "{ID}"}}}}"#);
        assert_eq!(orders_named(case.as_bytes()), [ID]);
        let tx = format!(r#"{{"wallet": {{"orderId": "{ID}", "value": 5}}}}"#);
        assert_eq!(orders_named(tx.as_bytes()), [ID]);
        let chat = format!(r#"{{"message": {{"subject": "{ID}", "message": "hi"}}}}"#);
        assert_eq!(orders_named(chat.as_bytes()), [ID]);
        for none in [
            r#"{"notification": {"type": "follow", "peerId": "QmX"}}"#,
            r#"{"message": {"subject": ""}}"#,
            r#"{"message": {"subject": "x' OR 1=1 --"}}"#,
            r#"{"wallet": {"orderId": 7}}"#,
            r#"{"BTC": {"confirmed": 1}}"#,
            "not json",
        ] {
            assert!(orders_named(none.as_bytes()).is_empty(), "{none}");
        }
    }
}
