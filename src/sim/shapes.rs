//! Frame shapes that differ between node generations, and the node's exact text encoding.
//!
//! The storyline decides what happens; this module decides how a 0.13 or a 0.14 node would
//! have written it down, so generation quirks live in one place.

use serde_json::{json, Map, Value};

use crate::cli::Generation;

/// A coin the simulated wallet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Coin {
    Bch,
    Btc,
    Eth,
    Ltc,
    Zec,
}

impl Coin {
    pub fn code(self) -> &'static str {
        match self {
            Coin::Bch => "BCH",
            Coin::Btc => "BTC",
            Coin::Eth => "ETH",
            Coin::Ltc => "LTC",
            Coin::Zec => "ZEC",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Coin::Bch => "Bitcoin Cash",
            Coin::Btc => "Bitcoin",
            Coin::Eth => "Ethereum",
            Coin::Ltc => "Litecoin",
            Coin::Zec => "Zcash",
        }
    }

    fn divisibility(self) -> u32 {
        if self == Coin::Eth {
            18
        } else {
            8
        }
    }

    /// The coins a wallet of this generation reports; 0.13 nodes had no ETH wallet.
    pub fn wallets(generation: Generation) -> &'static [Coin] {
        match generation {
            Generation::V013 => &[Coin::Bch, Coin::Btc, Coin::Ltc, Coin::Zec],
            Generation::V014 => &[Coin::Bch, Coin::Btc, Coin::Eth, Coin::Ltc, Coin::Zec],
        }
    }
}

/// An amount in a coin's smallest unit; i128 because ETH amounts exceed 2^64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub coin: Coin,
    pub amount: i128,
}

fn currency(coin: Coin) -> Value {
    json!({
        "code": coin.code(),
        "currencyType": "crypto",
        "divisibility": coin.divisibility(),
        "name": coin.name(),
    })
}

/// 0.14's CurrencyValue: the amount as a decimal string beside its currency definition.
pub fn currency_value(m: Money) -> Value {
    json!({"amount": m.amount.to_string(), "currency": currency(m.coin)})
}

/// A 0.13 integer amount; the storyline keeps 0.13 amounts within i64.
fn integer(amount: i128) -> Value {
    Value::from(i64::try_from(amount).expect("0.13 amounts fit in i64"))
}

/// The price members of an `order` notification.
pub fn order_price(generation: Generation, note: &mut Map<String, Value>, price: Money) {
    match generation {
        Generation::V013 => {
            note.insert(
                "price".into(),
                json!({
                    "amount": integer(price.amount),
                    "coinDivisibility": 100_000_000,
                    "currencyCode": price.coin.code(),
                    "priceModifier": 0,
                }),
            );
        }
        Generation::V014 => {
            note.insert("price".into(), currency_value(price));
            note.insert("priceModifier".into(), Value::from(0));
        }
    }
}

/// The `fundingTotal` of a `payment` notification.
pub fn funding_total(generation: Generation, total: Money) -> Value {
    match generation {
        Generation::V013 => integer(total.amount),
        Generation::V014 => currency_value(total),
    }
}

/// The notification type a vendor's refusal arrives as.
pub fn declined_type(generation: Generation) -> &'static str {
    match generation {
        Generation::V013 => "declined",
        Generation::V014 => "orderDeclined",
    }
}

/// What the wallet listener knows about one transaction.
pub struct WalletTx<'a> {
    pub value: Money,
    pub address: &'a str,
    pub memo: &'a str,
    pub order_id: &'a str,
    pub thumbnail: &'a str,
    pub txid: &'a str,
    pub timestamp: &'a str,
    /// Block height when already mined, 0 while unconfirmed.
    pub height: u64,
}

pub fn wallet_tx(generation: Generation, tx: &WalletTx) -> Value {
    let mut w = json!({
        "address": tx.address,
        "canBumpFee": tx.value.amount > 0,
        "confirmations": u64::from(tx.height > 0),
        "height": tx.height,
        "memo": tx.memo,
        "orderId": tx.order_id,
        "status": if tx.height > 0 { "PENDING" } else { "UNCONFIRMED" },
        "thumbnail": tx.thumbnail,
        "timestamp": tx.timestamp,
        "txid": tx.txid,
    });
    let obj = w.as_object_mut().expect("object literal");
    match generation {
        Generation::V013 => {
            obj.insert("value".into(), integer(tx.value.amount));
            obj.insert("wallet".into(), Value::from(tx.value.coin.code()));
        }
        Generation::V014 => {
            obj.insert("value".into(), currency_value(tx.value));
        }
    }
    json!({ "wallet": w })
}

/// One coin's line in a `walletUpdate` tick.
pub struct Balance {
    pub coin: Coin,
    pub confirmed: i128,
    pub unconfirmed: i128,
    pub height: u64,
}

pub fn wallet_update(generation: Generation, balances: &[Balance]) -> Value {
    let mut coins = Map::new();
    for b in balances {
        let line = match generation {
            Generation::V013 => json!({
                "confirmed": integer(b.confirmed),
                "height": b.height,
                "unconfirmed": integer(b.unconfirmed),
            }),
            Generation::V014 => json!({
                "confirmed": b.confirmed.to_string(),
                "currency": currency(b.coin),
                "height": b.height,
                "unconfirmed": b.unconfirmed.to_string(),
            }),
        };
        coins.insert(b.coin.code().into(), line);
    }
    json!({ "walletUpdate": coins })
}

/// Writes `v` as the node's sanitizer does: Go's `MarshalIndent` with four spaces, keys sorted,
/// `<`, `>`, `&` escaped, no trailing newline.
pub fn render(v: &Value) -> String {
    let mut out = String::with_capacity(512);
    write_value(&mut out, v, 0);
    out
}

fn write_value(out: &mut String, v: &Value, depth: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            // Sorted here rather than trusting the map: serde_json's `preserve_order` feature
            // may be switched on by another crate in the build.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                write_string(out, k);
                out.push_str(": ");
                write_value(out, &map[k], depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    match n.as_f64() {
        // Go prints whole floats without a fraction (4.0 is `4`).
        Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 1e21 => {
            out.push_str(&format!("{f:.0}"))
        }
        _ => out.push_str(&n.to_string()),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_go_marshal_indent() {
        let v = json!({"b": [1, {"z": "<a&b>", "a": 4.5}], "a": {}, "c": [], "d": "café\n"});
        assert_eq!(
            render(&v),
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        {\n            \"a\": 4.5,\n            \
             \"z\": \"\\u003ca\\u0026b\\u003e\"\n        }\n    ],\n    \"c\": [],\n    \"d\": \"café\\n\"\n}"
        );
    }

    #[test]
    fn generations_write_amounts_differently() {
        let m = Money {
            coin: Coin::Eth,
            amount: 21_000_000_000_000_000_000,
        };
        assert_eq!(
            funding_total(Generation::V014, m)["amount"],
            "21000000000000000000"
        );
        let ltc = Money {
            coin: Coin::Ltc,
            amount: 23_366,
        };
        assert_eq!(funding_total(Generation::V013, ltc), json!(23_366));
    }
}
