//! The node's clock and the ways it writes a time.
//!
//! The simulated node lives in the present: every event is stamped with the wall clock when it
//! is told. A real node writes one instant four ways (protocol.md §6, §9.1; orders.md §10):
//! chat and wallet frames as Go's `time.Time` in the node's local zone with trimmed
//! nanoseconds, notification rows as whole seconds UTC, order rows as whole seconds in the
//! local zone. The local zone is the process's (`TZ` decides it, as it does for the node).

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Local, Offset, TimeZone, Utc};

/// Nanoseconds since the Unix epoch, now.
pub fn now_nanos() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

pub fn secs(nanos: i64) -> i64 {
    nanos.div_euclid(1_000_000_000)
}

fn local(nanos: i64) -> DateTime<Local> {
    Local.timestamp_nanos(nanos)
}

/// Go's `Z07:00`: `Z` for a zero offset, else `+hh:mm`.
fn zone(t: &DateTime<Local>) -> String {
    if t.offset().fix().local_minus_utc() == 0 {
        "Z".into()
    } else {
        t.format("%:z").to_string()
    }
}

/// A chat or wallet timestamp: RFC 3339 in the local zone, fraction trimmed as Go trims it.
pub fn local_nanos(nanos: i64) -> String {
    let t = local(nanos);
    let frac = format!("{:09}", t.timestamp_subsec_nanos());
    let frac = frac.trim_end_matches('0');
    let dot = if frac.is_empty() { "" } else { "." };
    format!("{}{dot}{frac}{}", t.format("%Y-%m-%dT%H:%M:%S"), zone(&t))
}

/// An order row's timestamp: whole seconds in the local zone.
pub fn local_secs(secs: i64) -> String {
    let t = local(secs.saturating_mul(1_000_000_000));
    format!("{}{}", t.format("%Y-%m-%dT%H:%M:%S"), zone(&t))
}

/// A notification row's timestamp: whole seconds, UTC.
pub fn utc_secs(secs: i64) -> String {
    match Utc.timestamp_opt(secs, 0) {
        chrono::LocalResult::Single(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        _ => String::new(),
    }
}

/// The sim's own log times: RFC 3339 UTC with all nine digits, so they sort as text.
pub fn utc_nanos(nanos: i64) -> String {
    Utc.timestamp_nanos(nanos)
        .format("%Y-%m-%dT%H:%M:%S%.9fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_writes_times_like_this() {
        // 2026-12-06T21:34:38.817564160Z, in whatever zone the test runs.
        let n = 1_796_592_878_817_564_160;
        assert_eq!(utc_secs(secs(n)), "2026-12-06T21:34:38Z");
        assert_eq!(utc_nanos(n), "2026-12-06T21:34:38.817564160Z");
        let chat = local_nanos(n);
        assert!(chat.contains(":38.81756416"), "{chat}");
        assert!(
            !chat.contains(".817564160"),
            "trailing zeros are trimmed: {chat}"
        );
        let row = local_secs(secs(n));
        assert_eq!(
            DateTime::parse_from_rfc3339(&row).unwrap().timestamp(),
            secs(n)
        );
        assert!(row.ends_with('Z') || row.ends_with(":00") || row.ends_with(":30"));
        assert_eq!(
            DateTime::parse_from_rfc3339(&chat)
                .unwrap()
                .timestamp_nanos_opt(),
            Some(n)
        );
    }
}
