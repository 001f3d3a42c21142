//! A row judged at a moment: its next step and its deadline, from the table in `steps` and
//! the row's own time (never a timer notification's nominal `expiresIn`, orders.md §5), and
//! how near that deadline is, in the steps the board announces.

use chrono::Duration;

use super::row::Row;
use super::steps::{self, Clock, Step};
use crate::frame::Stamp;

/// When the next step is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// The node tracks none.
    None,
    /// At this time, when this happens.
    At { when: Stamp, what: &'static str },
    /// The node tracks one, but the lists cannot tell when.
    NotKnown { what: &'static str },
}

impl Deadline {
    pub fn when(&self) -> Option<Stamp> {
        match self {
            Deadline::At { when, .. } => Some(*when),
            _ => None,
        }
    }
}

/// The next step and its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessed {
    pub step: Step,
    pub deadline: Deadline,
    /// Nothing more happens to the order.
    pub is_final: bool,
}

impl Assessed {
    pub fn needs_you(&self) -> bool {
        self.step.actor.includes_you()
    }
}

/// Time left at which the board says a deadline came nearer: 30, 15, 5 and 1 days, an hour,
/// and passed.
const THRESHOLDS: [i64; 6] = [30 * 86_400, 15 * 86_400, 5 * 86_400, 86_400, 3_600, 0];

/// The row's next step and deadline at `now`.
pub fn assess(row: &Row, now: Stamp) -> Assessed {
    let rule = steps::rule(row.role, &row.state, row.moderated);
    let deadline = match (rule.clock, row.created) {
        (Clock::None, _) => Deadline::None,
        (Clock::FromRow { days, what }, Some(created)) => Deadline::At {
            when: created + Duration::days(days),
            what,
        },
        (Clock::FromRow { what, .. }, None) => Deadline::NotKnown { what },
        (Clock::NotListed { what }, _) => Deadline::NotKnown { what },
    };
    let passed = deadline.when().is_some_and(|w| w <= now);
    Assessed {
        step: match (passed, rule.after) {
            (true, Some(after)) => after,
            _ => rule.step,
        },
        deadline,
        is_final: steps::is_final(row.role, &row.state),
    }
}

/// How many of the thresholds the deadline has crossed at `now` (0 with no deadline).
pub fn nearness(deadline: &Deadline, now: Stamp) -> usize {
    let Some(when) = deadline.when() else {
        return 0;
    };
    THRESHOLDS
        .iter()
        .filter(|&&t| when <= now + Duration::seconds(t))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::parse_time;
    use crate::orders::state::Role;
    use crate::orders::steps::Actor;

    fn row(role: Role, state: &str, moderated: bool, created: &str) -> Row {
        Row {
            moderated,
            ..Row::sample("QmX", role, state, created)
        }
    }

    #[test]
    fn deadlines_start_at_the_rows_own_time() {
        let r = row(
            Role::Purchase,
            "FULFILLED",
            true,
            "2026-01-01T00:00:00-05:00",
        );
        let now = parse_time("2026-01-20T00:00:00Z").unwrap();
        let a = assess(&r, now);
        assert_eq!(a.deadline.when(), parse_time("2026-02-15T05:00:00Z"));
        assert_eq!(a.step.actor, Actor::You);
        assert!(a.needs_you());
        let direct = row(Role::Purchase, "FULFILLED", false, "2026-01-01T00:00:00Z");
        assert_eq!(assess(&direct, now).deadline, Deadline::None);
        let disputed = row(Role::Sale, "DISPUTED", true, "2026-01-01T00:00:00Z");
        assert!(matches!(
            assess(&disputed, now).deadline,
            Deadline::NotKnown { .. }
        ));
        let timeless = row(Role::Case, "DISPUTED", true, "0001-01-01T00:00:00Z");
        assert!(matches!(
            assess(&timeless, now).deadline,
            Deadline::NotKnown { .. }
        ));
    }

    #[test]
    fn a_passed_deadline_changes_who_acts() {
        let case = row(Role::Case, "DISPUTED", true, "2026-01-01T00:00:00Z");
        let before = parse_time("2026-02-14T23:59:59Z").unwrap();
        let after = parse_time("2026-02-15T00:00:00Z").unwrap();
        assert_eq!(assess(&case, before).step.actor, Actor::You);
        assert_eq!(assess(&case, after).step.actor, Actor::Nobody);
        assert!(!assess(&case, after).is_final, "expired, but still listed");
        let sale = row(Role::Sale, "FULFILLED", true, "2026-01-01T00:00:00Z");
        assert_eq!(assess(&sale, before).step.actor, Actor::Buyer);
        assert_eq!(assess(&sale, after).step.actor, Actor::YouOrBuyer);
    }

    #[test]
    fn nearness_counts_the_thresholds_crossed() {
        let case = row(Role::Case, "DISPUTED", true, "2026-01-01T00:00:00Z");
        let at = |t: &str| {
            let now = parse_time(t).unwrap();
            nearness(&assess(&case, now).deadline, now)
        };
        assert_eq!(at("2026-01-01T00:00:00Z"), 0);
        assert_eq!(at("2026-01-16T00:00:00Z"), 1, "30 days left");
        assert_eq!(at("2026-02-13T23:59:59Z"), 3);
        assert_eq!(at("2026-02-14T00:00:00Z"), 4, "1 day left");
        assert_eq!(at("2026-02-14T23:00:00Z"), 5, "an hour left");
        assert_eq!(at("2026-02-15T00:00:00Z"), 6, "passed");
        assert_eq!(
            nearness(&Deadline::None, parse_time("2026-01-01T00:00:00Z").unwrap()),
            0
        );
    }
}
