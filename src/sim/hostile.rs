//! Chat from peers who choose their own message ids and subjects (protocol.md §9.4): quotes,
//! ampersands, angle brackets, spaces, 500 characters, and now and then an ordinary message.
//! The node stores them as sent and returns them HTML-escaped; a client that pages with them,
//! or decodes them first, loses rows or hands the node's SQL a quote.

use fastrand::Rng;

use super::ids::{b58, qm};
use serde_json::{json, Value};

/// What a hostile peer puts in an id or a subject.
pub const SHAPES: [&str; 8] = [
    "it's",
    "fish & chips",
    "<3",
    "say \"hi\"",
    "two words",
    "x') union select key, 'config', value, 0,0,0 from config --",
    "&#39;",
    ">.<",
];

/// The node accepts subjects up to this long, and ids of any length.
pub const LONG: usize = 500;

/// The `i`th hostile id or subject, unique by its random tail.
fn chosen(rng: &mut Rng, i: usize) -> String {
    let shape = SHAPES[i % SHAPES.len()];
    format!("{shape} {}", b58(rng, 8))
}

fn long(rng: &mut Rng) -> String {
    format!("Qm{}", b58(rng, LONG - 2))
}

/// The `n`th message of a hostile batch (raw, incoming, unread, no timestamp yet): direct or
/// about one of `orders`, from one of `peers` (made up when there is none).
pub fn message(rng: &mut Rng, n: usize, peers: &[String], orders: &[String]) -> Value {
    let peer = match peers.len() {
        0 => qm(rng),
        len => peers[rng.usize(..len)].clone(),
    };
    let order = match orders.len() {
        0 => qm(rng),
        len => orders[rng.usize(..len)].clone(),
    };
    // Three hostile ids and two hostile subjects in every eight messages, each a shape
    // further on: 32 messages hold every shape in both.
    let (ids, subjects) = (3 * (n / 8), 2 * (n / 8));
    let (id, subject) = match n % 8 {
        0 => (chosen(rng, ids), String::new()),
        1 => (chosen(rng, ids + 1), order),
        2 => (qm(rng), chosen(rng, subjects)),
        3 => (chosen(rng, ids + 2), chosen(rng, subjects + 1)),
        4 => (qm(rng), String::new()),
        5 => (long(rng), String::new()),
        6 => (qm(rng), long(rng)),
        _ => (qm(rng), order),
    };
    json!({
        "message": format!("message {n}: paying soon & thanks <3"), "messageId": id,
        "outgoing": false, "peerId": peer, "read": false, "subject": subject,
        "timestamp": "",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_mix_hostile_and_ordinary_and_never_repeat() {
        let mut rng = Rng::with_seed(1);
        let batch: Vec<Value> = (0..32)
            .map(|n| message(&mut rng, n, &["P".into()], &["O".into()]))
            .collect();
        let ids: std::collections::BTreeSet<&str> = batch
            .iter()
            .map(|m| m["messageId"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 32);
        let text =
            |k: &str| -> Vec<&str> { batch.iter().map(|m| m[k].as_str().unwrap()).collect() };
        for c in ['\'', '&', '<', '>', '"', ' '] {
            assert!(text("messageId").iter().any(|id| id.contains(c)), "{c}");
            assert!(text("subject").iter().any(|s| s.contains(c)), "{c}");
        }
        assert!(text("messageId").iter().any(|id| id.len() == LONG));
        assert!(text("subject").iter().any(|s| s.len() == LONG));
        assert!(text("subject").iter().all(|s| s.len() <= LONG));
        assert!(text("messageId")
            .iter()
            .any(|id| id.starts_with("Qm") && id.len() == 46));
        assert!(text("subject").contains(&"O") && text("subject").contains(&""));
    }
}
