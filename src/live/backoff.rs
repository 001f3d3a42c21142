//! Reconnect delays: capped exponential backoff with jitter. The first retries after a drop
//! come within a few hundred milliseconds and the cap is low (5 s by default), so a node that
//! restarts is re-joined within a couple of seconds: a restarted node sends events in its
//! first moments back only to the clients connected then.

use std::time::Duration;

const FIRST: Duration = Duration::from_millis(100);
/// The default `--max-backoff`.
pub const DEFAULT_CAP: Duration = Duration::from_secs(5);
/// A connection that lived this long was up: the next failure starts over from `FIRST`.
pub const HEALTHY: Duration = Duration::from_secs(1);

/// How long to wait before each reconnect attempt.
#[derive(Debug)]
pub struct Backoff {
    failures: u32,
    cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(DEFAULT_CAP)
    }
}

impl Backoff {
    pub fn new(cap: Duration) -> Self {
        Backoff {
            failures: 0,
            cap: cap.max(Duration::from_millis(1)),
        }
    }

    /// The next delay; `unit` is a random number in [0, 1). The delay lies between half and
    /// all of 100 ms × 2^failures (capped), so nodes do not retry in step.
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let base = FIRST
            .saturating_mul(1 << self.failures.min(16))
            .min(self.cap);
        self.failures = self.failures.saturating_add(1);
        base.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_resets() {
        let mut b = Backoff::default();
        let ms = |d: Duration| d.as_millis();
        assert_eq!(ms(b.next_delay(1.0)), 100);
        assert_eq!(ms(b.next_delay(1.0)), 200);
        assert_eq!(ms(b.next_delay(0.0)), 200);
        for _ in 0..20 {
            b.next_delay(0.5);
        }
        assert_eq!(b.next_delay(1.0), DEFAULT_CAP);
        assert_eq!(b.next_delay(0.0), DEFAULT_CAP / 2);
        b.reset();
        assert_eq!(ms(b.next_delay(0.0)), 50);
    }

    #[test]
    fn a_restarted_node_is_rejoined_within_two_seconds() {
        // The worst case (no jitter luck): the sum of the waits before the attempt that
        // follows a one-second outage.
        let mut b = Backoff::default();
        let mut waited = Duration::ZERO;
        while waited < Duration::from_secs(1) {
            waited += b.next_delay(1.0);
        }
        assert!(waited <= Duration::from_millis(1600), "{waited:?}");
    }

    #[test]
    fn the_cap_is_configurable() {
        let mut b = Backoff::new(Duration::from_millis(300));
        for _ in 0..10 {
            assert!(b.next_delay(1.0) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut b = Backoff::default();
        for n in 0..40u32 {
            let d = b.next_delay(rng.f64());
            let base = (FIRST * 2u32.pow(n.min(16))).min(DEFAULT_CAP);
            assert!(d >= base / 2 && d <= base, "{n}: {d:?}");
        }
    }
}
