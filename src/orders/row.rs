//! One row of an order list, read from the node's answer (orders.md §2.2). The answer is a
//! stranger's bytes: any field may be missing or of another type, and a row without an id is
//! left out and counted; nothing here panics or trusts a length.
//!
//! Texts are kept as listed (HTML-escaped by the node's sanitizer): the board decodes and
//! escapes them where it shows them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::state::{Role, State};
use crate::frame::{parse_node_time, Stamp};

/// A party to an order as its row names it; either may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub id: Option<String>,
    pub handle: Option<String>,
}

/// One order as the list gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `orderId`, or `caseId` (the same value) for a case.
    pub id: String,
    pub role: Role,
    pub state: State,
    /// Paid into a 2-of-3 escrow with a moderator.
    pub moderated: bool,
    /// Cases: the buyer opened the dispute (else the vendor did).
    pub buyer_opened: bool,
    /// The row's `timestamp`: when the order was made (for a case, when the dispute reached
    /// the moderator). `None` when missing or no time at all (Go's zero time).
    pub created: Option<Stamp>,
    pub buyer: Party,
    pub vendor: Party,
    pub title: String,
    /// The `total` exactly as listed (JSON text), when there is one.
    pub total: Option<String>,
    pub unread_chat: u64,
    pub read: bool,
}

/// What the unit tests start from: a moderated order with no parties, title or total.
#[cfg(test)]
impl Row {
    pub fn sample(id: &str, role: Role, state: &str, created: &str) -> Row {
        Row {
            id: id.into(),
            role,
            state: State::of(state),
            moderated: true,
            buyer_opened: true,
            created: parse_node_time(created),
            buyer: Party::default(),
            vendor: Party::default(),
            title: String::new(),
            total: None,
            unread_chat: 0,
            read: false,
        }
    }
}

impl Row {
    /// The party the user deals with: the buyer of a sale, the vendor of a purchase, and for
    /// a case whoever opened the dispute.
    pub fn counterparty(&self) -> &Party {
        match self.role {
            Role::Sale => &self.buyer,
            Role::Purchase => &self.vendor,
            Role::Case if self.buyer_opened => &self.buyer,
            Role::Case => &self.vendor,
        }
    }

    /// For a case, the other side of the dispute.
    pub fn other_disputant(&self) -> Option<&Party> {
        match (self.role, self.buyer_opened) {
            (Role::Case, true) => Some(&self.vendor),
            (Role::Case, false) => Some(&self.buyer),
            _ => None,
        }
    }
}

/// What one list's answer held.
#[derive(Debug, Default, PartialEq)]
pub struct Listed {
    pub rows: Vec<Row>,
    /// Rows left out: not an object, or without an id.
    pub unreadable: usize,
}

type Fields<'a> = BTreeMap<Cow<'a, str>, &'a RawValue>;

/// Parses `{"queryCount": N, "<sales|purchases|cases>": [...]}`. An empty list has no array
/// at all (`{"queryCount": 0}`), and a `null` one is empty too.
pub fn parse(body: &[u8], role: Role) -> Result<Listed, String> {
    let top: Fields = serde_json::from_slice(body)
        .map_err(|e| format!("the {} list is not a JSON object: {e}", role.list()))?;
    let Some(raw) = top.get(role.list()) else {
        return Ok(Listed::default());
    };
    if raw.get() == "null" {
        return Ok(Listed::default());
    }
    let items: Vec<&RawValue> = serde_json::from_str(raw.get())
        .map_err(|_| format!("the {} list's '{}' is not a list", role.list(), role.list()))?;
    let mut listed = Listed::default();
    for item in items {
        match serde_json::from_str::<Fields>(item.get())
            .ok()
            .and_then(|f| row(&f, role))
        {
            Some(r) => listed.rows.push(r),
            None => listed.unreadable += 1,
        }
    }
    Ok(listed)
}

/// JSON text without its insignificant whitespace, and nothing a terminal would obey.
fn compact(json: &str) -> String {
    let mut out = Vec::with_capacity(json.len());
    crate::json::text::write_compact(&mut out, json.as_bytes());
    String::from_utf8(out).unwrap_or_default()
}

fn text(f: &Fields, key: &str) -> Option<String> {
    serde_json::from_str::<String>(f.get(key)?.get()).ok()
}

fn flag(f: &Fields, key: &str) -> bool {
    f.get(key)
        .and_then(|v| serde_json::from_str::<bool>(v.get()).ok())
        .unwrap_or(false)
}

fn party(f: &Fields, id: &str, handle: &str) -> Party {
    let some = |s: Option<String>| s.filter(|s| !s.is_empty());
    Party {
        id: some(text(f, id)),
        handle: some(text(f, handle)),
    }
}

fn row(f: &Fields, role: Role) -> Option<Row> {
    let id = text(f, role.id_key()).filter(|id| !id.is_empty())?;
    Some(Row {
        id,
        role,
        state: State::of(&text(f, "state").unwrap_or_default()),
        moderated: flag(f, "moderated"),
        buyer_opened: flag(f, "buyerOpened"),
        created: text(f, "timestamp").and_then(|t| parse_node_time(&t)),
        buyer: party(f, "buyerId", "buyerHandle"),
        vendor: party(f, "vendorId", "vendorHandle"),
        title: text(f, "title").unwrap_or_default(),
        total: f.get("total").map(|t| compact(t.get())),
        unread_chat: f
            .get("unreadChatMessages")
            .and_then(|v| serde_json::from_str::<u64>(v.get()).ok())
            .unwrap_or(0),
        read: flag(f, "read"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::state::OrderState;
    use std::path::Path;

    fn real(name: &str) -> Vec<u8> {
        let dir =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-node/rest/orders");
        std::fs::read(dir.join(format!("{name}.body"))).unwrap()
    }

    #[test]
    fn the_real_nodes_lists_are_read() {
        let sales = parse(&real("22-A-sales"), Role::Sale).unwrap();
        assert_eq!(sales.unreadable, 0);
        assert_eq!(sales.rows.len(), 3);
        let r = &sales.rows[0];
        assert_eq!(r.id, "QmZaJJg7or1AaMHtXxKNyTAP3rVESEac1dNycdvQ4Eyw9G");
        assert_eq!(r.state, State::Known(OrderState::AwaitingPayment));
        assert_eq!(r.counterparty().handle.as_deref(), Some("bob"));
        assert_eq!(r.title, "Green tea tin");
        assert!(r.total.as_deref().unwrap().contains("\"151000\""));
        assert_eq!(r.created, crate::frame::parse_time("2026-12-06T21:34:22Z"));
        let purchases = parse(&real("34-B-purchases"), Role::Purchase).unwrap();
        assert_eq!(
            purchases.rows[0].counterparty().handle.as_deref(),
            Some("alice")
        );
        // The node's own offset (orders.md §10) is the same instant.
        let ny = parse(&real("86-A-sales-TZ-NewYork"), Role::Sale).unwrap();
        assert_eq!(ny.rows[0].created, r.created);
        for empty in [
            "03-A-sales-empty",
            "24-A-sales-state3-5",
            "30-A-sales-limit0",
        ] {
            assert_eq!(parse(&real(empty), Role::Sale).unwrap(), Listed::default());
        }
        let cases = parse(&real("05-A-cases-empty"), Role::Case).unwrap();
        assert!(cases.rows.is_empty());
    }

    #[test]
    fn strangers_rows_are_read_leniently() {
        let body = br#"{"sales": [
            {"orderId": "A", "state": "SHIPPED_BY_DRONE", "title": 7, "moderated": "yes",
             "timestamp": "0001-01-01T00:00:00Z", "unreadChatMessages": -3},
            {"state": "PENDING"},
            {"orderId": ""},
            "not a row",
            {"orderId": "B", "orderId": "C"}
        ]}"#;
        let listed = parse(body, Role::Sale).unwrap();
        assert_eq!(listed.unreadable, 3);
        let a = &listed.rows[0];
        assert_eq!(a.state, State::Unknown("SHIPPED_BY_DRONE".into()));
        assert_eq!(
            (a.title.as_str(), a.moderated, a.created, a.unread_chat),
            ("", false, None, 0)
        );
        assert_eq!(
            listed.rows[1].id, "C",
            "the last of a repeated key, as Go reads it"
        );
        assert!(parse(br#"{"sales": null}"#, Role::Sale)
            .unwrap()
            .rows
            .is_empty());
        assert!(parse(br#"{"sales": {}}"#, Role::Sale).is_err());
        assert!(parse(b"[]", Role::Sale).is_err());
        assert!(parse(b"", Role::Sale).is_err());
        for depth in [1000, 200_000] {
            let deep = format!(
                "{{\"sales\": [{}{}]}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let listed = parse(deep.as_bytes(), Role::Sale).unwrap();
            assert_eq!(listed.unreadable, 1, "too deep is no row, not a crash");
        }
    }
}
