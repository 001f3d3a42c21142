//! Durations (`250ms`, `30s`, `5m`, `1h30m`) and sizes (`16MiB`, `512k`) as users type them.

use std::time::Duration;

/// The longest duration obtail takes: anything longer is a typo, and would overflow the
/// clock arithmetic (`now + timeout`) it feeds.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 86400);

/// Parses `90`, `250ms`, `30s`, `5m`, `2h`, `1d` or sums like `1m30s` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad =
        || format!("invalid duration '{t}': use a number with a unit, like 250ms, 30s, 5m or 1h");
    if t.is_empty() {
        return Err(bad());
    }
    let too_long = || {
        format!("invalid duration '{t}': longer than 100 years; use a shorter one, like 30s or 2h")
    };
    if let Ok(secs) = t.parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|_| if secs > 0.0 { too_long() } else { bad() })
            .and_then(|d| {
                if d > MAX_DURATION {
                    Err(too_long())
                } else {
                    Ok(d)
                }
            });
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(num_len);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let scale = match unit {
            "ms" => 0.001,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(bad()),
        };
        let part = Duration::try_from_secs_f64(n * scale).map_err(|_| too_long())?;
        total = total
            .checked_add(part)
            .filter(|d| *d <= MAX_DURATION)
            .ok_or_else(too_long)?;
        rest = next;
    }
    Ok(total)
}

/// A simulated time speed: 0 (as fast as possible) or a factor from 0.001 to 1000000; a
/// smaller one would stretch the story's waits past what the clock can add.
pub fn check_speed(speed: f64) -> Result<f64, String> {
    if speed == 0.0 || (0.001..=1e6).contains(&speed) {
        Ok(speed)
    } else {
        Err(format!(
            "'{speed}' is out of range: use 0 (as fast as possible) or a factor from 0.001 to 1000000 (1 = real time)"
        ))
    }
}

/// A duration as `--timeout` takes it: `10m`, `30s`, `1500ms`.
pub fn spoken(d: Duration) -> String {
    match (d.as_secs(), d.subsec_millis()) {
        (s, 0) if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        (s, 0) if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        (s, 0) => format!("{s}s"),
        _ => format!("{}ms", d.as_millis()),
    }
}

/// Parses `1048576`, `512k`, `16M`, `16MiB`, `1G` (binary multiples).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let bad = || format!("invalid size '{t}': use bytes or a unit, like 512k, 16MiB or 1G");
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num.parse().map_err(|_| bad())?;
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    let size = n.checked_mul(scale).ok_or_else(bad)?;
    if size == 0 {
        return Err(format!("invalid size '{t}': must be more than 0"));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_are_spoken_as_typed() {
        use std::time::Duration;
        assert_eq!(super::spoken(Duration::from_secs(600)), "10m");
        assert_eq!(super::spoken(Duration::from_secs(7200)), "2h");
        assert_eq!(super::spoken(Duration::from_secs(30)), "30s");
        assert_eq!(super::spoken(Duration::from_millis(1500)), "1500ms");
    }

    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        for bad in ["", "soon", "5 parsecs", "-1s", "m"] {
            assert!(
                parse_duration(bad)
                    .unwrap_err()
                    .contains("invalid duration"),
                "{bad}"
            );
        }
    }

    #[test]
    fn absurd_durations_are_errors_not_overflows() {
        for absurd in [
            "18000000000000000000",
            "18446744073709551616",
            "1e300",
            "inf",
            "NaN",
            "3155760001",
            "1e19s",
            "18000000000000000000d",
            "99999999999999999999h",
            "5000000000s5000000000s",
            "36500d1d",
        ] {
            assert!(parse_duration(absurd).is_err(), "{absurd}");
        }
        for absurd in ["18000000000000000000", "10000000000000000000s", "36500d1d"] {
            assert!(
                parse_duration(absurd)
                    .unwrap_err()
                    .contains("longer than 100 years"),
                "{absurd}"
            );
        }
        assert_eq!(parse_duration("36500d").unwrap(), MAX_DURATION);
        assert!(std::time::Instant::now()
            .checked_add(MAX_DURATION)
            .is_some());
    }

    #[test]
    fn speeds() {
        for ok in [0.0, 0.001, 1.0, 60.0, 1e6] {
            assert_eq!(check_speed(ok), Ok(ok));
        }
        for bad in [1e-300, 0.0009, -1.0, f64::INFINITY, f64::NAN, 1e7, -0.5] {
            assert!(check_speed(bad).is_err(), "{bad}");
        }
        // The longest story wait divided by the smallest speed still fits the clock.
        let wait = Duration::from_secs(86400).div_f64(0.001);
        assert!(std::time::Instant::now().checked_add(wait).is_some());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB").unwrap(), 16 << 20);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
