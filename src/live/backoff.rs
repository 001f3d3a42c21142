//! Reconnect delays: capped exponential backoff with jitter, reset after a healthy minute.

use std::time::Duration;

const FIRST: Duration = Duration::from_millis(250);
const CAP: Duration = Duration::from_secs(30);
/// A connection that lived this long counts as healthy: the next failure starts over.
pub const HEALTHY: Duration = Duration::from_secs(60);

/// How long to wait before each reconnect attempt.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The next delay; `unit` is a random number in [0, 1). The delay lies between half and
    /// all of 250 ms × 2^failures (capped at 30 s), so nodes do not retry in step.
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let base = FIRST.saturating_mul(1 << self.failures.min(16)).min(CAP);
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
        assert_eq!(ms(b.next_delay(1.0)), 250);
        assert_eq!(ms(b.next_delay(1.0)), 500);
        assert_eq!(ms(b.next_delay(0.0)), 500);
        for _ in 0..20 {
            b.next_delay(0.5);
        }
        assert_eq!(b.next_delay(1.0), CAP);
        assert_eq!(b.next_delay(0.0), CAP / 2);
        b.reset();
        assert_eq!(ms(b.next_delay(0.0)), 125);
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut b = Backoff::default();
        for n in 0..40u32 {
            let d = b.next_delay(rng.f64());
            let base = (FIRST * 2u32.pow(n.min(16))).min(CAP);
            assert!(d >= base / 2 && d <= base, "{n}: {d:?}");
        }
    }
}
