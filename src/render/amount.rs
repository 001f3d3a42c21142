//! Exact money: base-unit integers (any size) shown in whole units with integer arithmetic
//! on their decimal digits, for both node generations' currency shapes.

use crate::json::Value;

/// An amount in whole units, e.g. `-0.00027236` and `LTC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub amount: String,
    pub code: String,
}

impl Money {
    pub fn is_negative(&self) -> bool {
        self.amount.starts_with('-')
    }

    pub fn is_zero(&self) -> bool {
        self.amount.trim_start_matches(['-', '+']) == "0"
    }

    /// The amount with an explicit sign (`+0.1`, `-0.1`).
    pub fn signed(&self) -> String {
        if self.is_negative() {
            self.amount.clone()
        } else {
            format!("+{}", self.amount)
        }
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount, self.code)
    }
}

/// Shifts the decimal point of an integer `digits` left by `places`, trimming trailing
/// zeros: `("1834217", 8)` gives `0.01834217`. `None` unless `digits` is an integer.
pub fn shift(digits: &str, places: u32) -> Option<String> {
    let (negative, body) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, digits.strip_prefix('+').unwrap_or(digits)),
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let body = body.trim_start_matches('0');
    let places = places as usize;
    let padded = format!("{body:0>width$}", width = places + 1);
    let (int, frac) = padded.split_at(padded.len() - places);
    let frac = frac.trim_end_matches('0');
    let zero = int.bytes().all(|b| b == b'0') && frac.is_empty();
    let mut out = String::with_capacity(padded.len() + 2);
    if negative && !zero {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// Divisibility of the coins the node knows, for 0.13 frames that name only the code.
pub fn default_divisibility(code: &str) -> Option<u32> {
    let base = code
        .strip_prefix('T')
        .filter(|c| c.len() == 3)
        .unwrap_or(code);
    match base {
        "BTC" | "BCH" | "LTC" | "ZEC" => Some(8),
        "ETH" => Some(18),
        _ => None,
    }
}

/// 0.14 gives the exponent (`8`); 0.13's `coinDivisibility` gives the factor (`100000000`).
fn divisibility_from(number: &str) -> Option<u32> {
    let n: u128 = number.parse().ok()?;
    if n <= 30 {
        return Some(n as u32);
    }
    let text = n.to_string();
    (text.starts_with('1') && text[1..].bytes().all(|b| b == b'0')).then(|| text.len() as u32 - 1)
}

fn integer_text<'a>(v: &'a Value) -> Option<std::borrow::Cow<'a, str>> {
    match v {
        Value::Number(n) => Some(std::borrow::Cow::Borrowed(n)),
        Value::String(_) => v.as_str(),
        _ => None,
    }
}

/// Reads money in any of the node's shapes: a 0.14 CurrencyValue, a 0.13 price object, or a
/// bare integer whose currency `code` comes from a sibling field.
pub fn money(value: &Value, code: Option<&str>) -> Option<Money> {
    let (digits, code, places) = if let Some(currency) = value.get("currency") {
        let code = currency.str_at("code")?.into_owned();
        let places = match currency.get("divisibility") {
            Some(d) => divisibility_from(d.as_number()?)?,
            None => default_divisibility(&code)?,
        };
        (integer_text(value.get("amount")?)?, code, places)
    } else if let Some(code) = value.str_at("currencyCode") {
        let places = match value.get("coinDivisibility").and_then(Value::as_number) {
            Some(d) => divisibility_from(d)?,
            None => default_divisibility(&code)?,
        };
        (
            integer_text(value.get("amount")?)?,
            code.into_owned(),
            places,
        )
    } else {
        let code = code?.to_string();
        let places = default_divisibility(&code)?;
        (integer_text(value)?, code, places)
    };
    Some(Money {
        amount: shift(&digits, places)?,
        code: crate::sanitize::escape(&code),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn shifts_exactly_without_floats() {
        assert_eq!(shift("1834217", 8).unwrap(), "0.01834217");
        assert_eq!(shift("-27236", 8).unwrap(), "-0.00027236");
        assert_eq!(shift("100000000", 8).unwrap(), "1");
        assert_eq!(shift("0", 8).unwrap(), "0");
        assert_eq!(shift("-0", 8).unwrap(), "0");
        assert_eq!(
            shift("18446744073709551616", 18).unwrap(),
            "18.446744073709551616"
        );
        assert_eq!(
            shift("340282366920938463463374607431768211457", 18).unwrap(),
            "340282366920938463463.374607431768211457"
        );
        assert_eq!(shift("1", 18).unwrap(), "0.000000000000000001");
        assert_eq!(shift("42", 0).unwrap(), "42");
        assert_eq!(shift("1.5", 8), None);
        assert_eq!(shift("", 8), None);
    }

    #[test]
    fn reads_both_generations() {
        let v014 = parse(
            r#"{"amount":"-120000000000000000000","currency":{"code":"ETH","divisibility":18}}"#,
        )
        .unwrap();
        assert_eq!(money(&v014, None).unwrap().to_string(), "-120 ETH");
        let v013 = parse(r#"{"amount":23422,"coinDivisibility":100000000,"currencyCode":"LTC","priceModifier":0}"#).unwrap();
        assert_eq!(money(&v013, None).unwrap().to_string(), "0.00023422 LTC");
        let bare = parse("21756").unwrap();
        assert_eq!(money(&bare, Some("LTC")).unwrap().signed(), "+0.00021756");
        assert_eq!(
            money(&bare, Some("TBTC")).unwrap().to_string(),
            "0.00021756 TBTC"
        );
        assert_eq!(
            money(&bare, Some("DOGE")),
            None,
            "unknown divisibility is not guessed"
        );
        let huge = parse(
            r#"{"amount":18446744073709551616,"coinDivisibility":100000000,"currencyCode":"BTC"}"#,
        )
        .unwrap();
        assert_eq!(money(&huge, None).unwrap().amount, "184467440737.09551616");
    }
}
