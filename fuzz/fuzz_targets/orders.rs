//! `obtail orders`' readers and writers of a stranger's lists (`orders::row::parse`, the
//! board, `orders::object`, `orders::line`, `orders::trigger`): a list is read exactly when it
//! is a JSON object whose list member is absent, null or an array, and then every item is
//! either a row (its id the item's own, non-empty) or counted as left out; every row's object
//! is valid JSON, terminal-safe once written, with the row's id and total (equal as JSON); its
//! next step is one the contract names, `needsMe` exactly when the user is among the actors;
//! its pretty line, colors on or off, cut to an input-chosen width or not, is one terminal-safe
//! line no wider than the width; every order a frame names can be sent back to a node.
#![no_main]

use libfuzzer_sys::fuzz_target;
use obtail::json::text::write_compact;
use obtail::live::recover::is_node_id;
use obtail::orders::assess::assess;
use obtail::orders::board::Board;
use obtail::orders::line::{line, Layout, Shown};
use obtail::orders::row::parse;
use obtail::orders::state::Role;
use obtail::orders::{object, trigger};
use obtail::render::fit;
use obtail::style::Palette;
use obtail_fuzz::{
    assert_terminal_safe, assert_valid_json, lone_surrogate, same_json, strip_palette, valid_json,
};
use serde_json::Value;

const ACTORS: [&str; 8] = [
    "you", "you or buyer", "you or vendor", "buyer", "vendor", "moderator", "nobody", "unknown",
];

/// What the list should hold, by serde_json's reading (when it has one): `None` when the
/// answer is no list at all, else how many items.
fn expected_items(v: &Value, role: Role) -> Option<Option<usize>> {
    let top = v.as_object()?;
    Some(match top.get(role.list()) {
        None | Some(Value::Null) => Some(0),
        Some(Value::Array(items)) => Some(items.len()),
        Some(_) => None,
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&opts, body)) = data.split_first() else {
        return;
    };
    let role = Role::ALL[usize::from(opts % 3)];
    let width = [None, Some(12), Some(40), Some(80)][usize::from(opts >> 2) % 4];
    for id in trigger::orders_named(body) {
        assert!(is_node_id(&id), "a frame named {id:?}, which cannot be sent back");
    }
    let parsed = parse(body, role);
    if let Some(value) = valid_json(body) {
        match (expected_items(&value, role), &parsed) {
            (Some(Some(n)), Ok(listed)) => {
                assert_eq!(listed.rows.len() + listed.unreadable, n, "items lost or invented")
            }
            (Some(None) | None, Err(_)) => {}
            (want, got) => panic!("read {got:?}, but the answer is {want:?}"),
        }
    }
    let Ok(listed) = parsed else {
        return;
    };
    let now = chrono::Utc::now();
    let rows = listed.rows.clone();
    let mut board = Board::default();
    board.whole_list(0, role, listed.rows, now);
    // Every party's handle learned, so that look-alike marks are drawn too.
    let mut lookalikes = obtail::memory::Lookalikes::default();
    for row in &rows {
        for party in [&row.buyer, &row.vendor] {
            let frame = serde_json::json!({"notification": {
                "buyerHandle": party.handle, "buyerId": party.id,
            }});
            if let Ok(tree) = obtail::json::parse(&frame.to_string()) {
                lookalikes.learn(&tree);
            }
        }
    }
    for row in &rows {
        assert!(!row.id.is_empty());
    }
    for (key, entry, a) in board.sorted(now) {
        let text = object::order(entry, &a, "ws://node\u{1b}[2J/ws");
        let mut safe = Vec::new();
        write_compact(&mut safe, text.as_bytes());
        assert_valid_json(&safe, "order object");
        assert_terminal_safe(&safe, false, false, "order object");
        // A total is the node's own JSON text: a lone surrogate escape in it (valid JSON
        // grammar, which serde_json refuses) is passed on as it came, as tailing passes frames.
        let Ok(o) = serde_json::from_slice::<Value>(&safe) else {
            assert!(lone_surrogate(body), "serde_json cannot read {:?}", String::from_utf8_lossy(&safe));
            continue;
        };
        assert_eq!(o["orderId"], key.id.as_str());
        let actor = o["next"]["actor"].as_str().unwrap_or_default();
        assert!(ACTORS.contains(&actor), "actor {actor:?}");
        assert_eq!(o["needsMe"], actor.starts_with("you"));
        if let Some(total) = entry.row.total.as_deref().and_then(|t| serde_json::from_str(t).ok()) {
            assert!(same_json(&o["total"], &total), "{} is not {total}", o["total"]);
        }
        for (palette, colored) in [(Palette::plain(), false), (Palette::ansi(), true)] {
            let layout = Layout { width, label: Some(6), ..Layout::default() };
            let shown = Shown {
                entry,
                assessed: &a,
                label: Some("n\u{202e}1"),
                change: None,
                lookalikes: Some(&lookalikes),
            };
            let l = line(&shown, &layout, now, &palette);
            assert!(!l.contains('\n'), "two lines: {l:?}");
            assert_terminal_safe(l.as_bytes(), false, colored, "pretty line");
            if let Some(w) = width {
                let visible = String::from_utf8(strip_palette(l.as_bytes())).unwrap();
                assert!(fit::width(&visible) <= w, "{} columns for {w}: {l:?}", fit::width(&visible));
            }
        }
        let _ = assess(&entry.row, now);
    }
});
