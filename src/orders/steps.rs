//! Who acts next on an order, and by when: orders.md §4 (next actor per role and state) and
//! §5 (the deadlines the node tracks, and where their clocks start) as one table of data.
//!
//! Only what the lists carry decides a row: role, state, `moderated` and the row's
//! `timestamp`. Where the node's deadline starts at a time only the order's details hold (the
//! dispute's opening), the table says the deadline is not known rather than guess it.

use super::state::{OrderState, Role, State};

/// Who can take the next step, relative to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    You,
    YouOrBuyer,
    YouOrVendor,
    Buyer,
    Vendor,
    Moderator,
    Nobody,
    /// A state the node does not have, or one it never gives this role.
    Unknown,
}

impl Actor {
    /// As `-o ndjson` writes `next.actor`.
    pub fn name(self) -> &'static str {
        match self {
            Actor::You => "you",
            Actor::YouOrBuyer => "you or buyer",
            Actor::YouOrVendor => "you or vendor",
            Actor::Buyer => "buyer",
            Actor::Vendor => "vendor",
            Actor::Moderator => "moderator",
            Actor::Nobody => "nobody",
            Actor::Unknown => "unknown",
        }
    }

    /// Whether the user is among those who can act.
    pub fn includes_you(self) -> bool {
        matches!(self, Actor::You | Actor::YouOrBuyer | Actor::YouOrVendor)
    }
}

/// The next step: who, and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub actor: Actor,
    pub action: &'static str,
}

/// The deadline the node tracks for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// None: the node tracks no deadline in this state.
    None,
    /// The row's `timestamp` plus this many days; what happens then.
    FromRow { days: i64, what: &'static str },
    /// The node tracks one, but its start is in the order's details only, which obtail
    /// never reads (reading them marks the order read); what it is.
    NotListed { what: &'static str },
}

/// One row of the table.
struct Entry {
    role: Role,
    state: OrderState,
    /// `Some(m)`: only for rows whose `moderated` is `m`.
    moderated: Option<bool>,
    step: Step,
    clock: Clock,
    /// The step once the deadline has passed, when it changes then.
    after: Option<Step>,
}

const fn step(actor: Actor, action: &'static str) -> Step {
    Step { actor, action }
}

/// The escrow and dispute windows all run 45 days (1080 hours on mainnet, orders.md §5).
const DAYS: i64 = 45;
const BUYER_WINDOW: Clock = Clock::FromRow {
    days: DAYS,
    what: "the buyer's dispute window closes",
};
const YOUR_WINDOW: Clock = Clock::FromRow {
    days: DAYS,
    what: "your dispute window closes",
};
const DISPUTE_LAPSES: Clock = Clock::NotListed {
    what: "the dispute lapses 45 days after it opened; only the order's details say when",
};
const FINAL: Step = step(Actor::Nobody, "final");

macro_rules! entry {
    ($role:ident, $state:ident, $m:expr, $actor:ident, $action:expr, $clock:expr, $after:expr) => {
        Entry {
            role: Role::$role,
            state: OrderState::$state,
            moderated: $m,
            step: step(Actor::$actor, $action),
            clock: $clock,
            after: $after,
        }
    };
}

/// orders.md §4.1–4.3, row by row. A declarative table, hence its length.
#[rustfmt::skip]
const TABLE: &[Entry] = &[
    // Sales: the user is the vendor.
    entry!(Sale, AwaitingPayment, None, Buyer, "pay", Clock::None, None),
    entry!(Sale, Pending, Some(true), You, "confirm or decline", BUYER_WINDOW, None),
    entry!(Sale, Pending, Some(false), You, "confirm or decline", Clock::None, None),
    entry!(Sale, AwaitingPickup, None, Buyer, "pick up", Clock::None, None),
    entry!(Sale, AwaitingFulfillment, Some(true), You, "fulfil or refund", BUYER_WINDOW, None),
    entry!(Sale, AwaitingFulfillment, Some(false), You, "fulfil or refund", Clock::None, None),
    entry!(Sale, PartiallyFulfilled, Some(true), You, "fulfil the rest or refund", BUYER_WINDOW, None),
    entry!(Sale, PartiallyFulfilled, Some(false), You, "fulfil the rest or refund", Clock::None, None),
    entry!(Sale, Fulfilled, Some(true), Buyer, "complete and rate, or dispute", BUYER_WINDOW,
        Some(step(Actor::YouOrBuyer, "release the escrow once unlocked, or complete"))),
    entry!(Sale, Fulfilled, Some(false), Buyer, "complete and rate", Clock::None, None),
    entry!(Sale, Disputed, None, Moderator, "decide", DISPUTE_LAPSES, None),
    entry!(Sale, Decided, None, YouOrBuyer, "accept the payout", Clock::None, None),
    entry!(Sale, Resolved, None, Buyer, "complete and rate (optional)", Clock::None, None),
    entry!(Sale, PaymentFinalized, None, Buyer, "complete and rate (optional)", Clock::None, None),
    entry!(Sale, ProcessingError, None, Buyer, "cancel or dispute", Clock::None, None),
    // Purchases: the user is the buyer.
    entry!(Purchase, AwaitingPayment, None, You, "pay", Clock::None, None),
    entry!(Purchase, Pending, Some(true), Vendor, "confirm or decline", YOUR_WINDOW, None),
    entry!(Purchase, Pending, Some(false), Vendor, "confirm or decline", Clock::None, None),
    entry!(Purchase, AwaitingPickup, None, You, "pick up", Clock::None, None),
    entry!(Purchase, AwaitingFulfillment, Some(true), Vendor, "fulfil or refund", YOUR_WINDOW, None),
    entry!(Purchase, AwaitingFulfillment, Some(false), Vendor, "fulfil or refund", Clock::None, None),
    entry!(Purchase, PartiallyFulfilled, None, Vendor, "fulfil the rest", Clock::None, None),
    entry!(Purchase, Fulfilled, Some(true), You, "complete and rate, or dispute", YOUR_WINDOW,
        Some(step(Actor::You, "complete and rate"))),
    entry!(Purchase, Fulfilled, Some(false), You, "complete and rate", Clock::None, None),
    entry!(Purchase, Disputed, None, Moderator, "decide", DISPUTE_LAPSES, None),
    entry!(Purchase, Decided, None, YouOrVendor, "accept the payout", Clock::None, None),
    entry!(Purchase, Resolved, None, You, "complete and rate (optional)", Clock::None, None),
    entry!(Purchase, PaymentFinalized, None, You, "complete and rate (optional)", Clock::None, None),
    entry!(Purchase, ProcessingError, Some(true), You, "dispute if you paid", Clock::None, None),
    entry!(Purchase, ProcessingError, Some(false), You, "cancel if you paid", Clock::None, None),
    // Cases: the user is the moderator.
    entry!(Case, Disputed, None, You, "decide",
        Clock::FromRow { days: DAYS, what: "the case expires: it can no longer be decided" },
        Some(step(Actor::Nobody, "the case expired"))),
];

/// States after which nothing more happens to an order of this role.
pub fn is_final(role: Role, state: &State) -> bool {
    match (role, state) {
        (Role::Case, State::Known(OrderState::Resolved)) => true,
        (Role::Case, _) => false,
        (_, State::Known(k)) => matches!(
            k,
            OrderState::Completed
                | OrderState::Canceled
                | OrderState::Declined
                | OrderState::Refunded
        ),
        (_, State::Unknown(_)) => false,
    }
}

/// What the table says of a row: the step (before its deadline), the deadline's clock, and
/// the step once the deadline has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub step: Step,
    pub clock: Clock,
    pub after: Option<Step>,
}

/// The rule for a role, state and `moderated`.
pub fn rule(role: Role, state: &State, moderated: bool) -> Rule {
    let known = match state {
        State::Known(k) => *k,
        State::Unknown(_) => return unknown("a state obtail does not know"),
    };
    if is_final(role, state) {
        return Rule {
            step: FINAL,
            clock: Clock::None,
            after: None,
        };
    }
    TABLE
        .iter()
        .find(|e| e.role == role && e.state == known && e.moderated.is_none_or(|m| m == moderated))
        .map(|e| Rule {
            step: e.step,
            clock: e.clock,
            after: e.after,
        })
        .unwrap_or_else(|| unknown("a state this list never has"))
}

fn unknown(why: &'static str) -> Rule {
    Rule {
        step: step(Actor::Unknown, why),
        clock: Clock::None,
        after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;

    fn next(role: Role, state: OrderState, moderated: bool) -> (Actor, &'static str, Clock) {
        let r = rule(role, &State::Known(state), moderated);
        (r.step.actor, r.step.action, r.clock)
    }

    #[test]
    fn every_role_and_state_has_one_answer() {
        for role in Role::ALL {
            for state in OrderState::ALL {
                for moderated in [false, true] {
                    let matches = TABLE
                        .iter()
                        .filter(|e| {
                            e.role == role
                                && e.state == state
                                && e.moderated.is_none_or(|m| m == moderated)
                        })
                        .count();
                    assert!(
                        matches <= 1,
                        "{role:?} {state:?} {moderated}: {matches} rows"
                    );
                    let r = rule(role, &State::Known(state), moderated);
                    let answered = matches == 1 || is_final(role, &State::Known(state));
                    assert_eq!(r.step.actor != Unknown, answered, "{role:?} {state:?}");
                }
            }
        }
    }

    #[test]
    fn sales_as_orders_md_4_1() {
        use OrderState::*;
        assert_eq!(next(Role::Sale, AwaitingPayment, false).0, Buyer);
        assert_eq!(next(Role::Sale, AwaitingFulfillment, false).0, You);
        assert_eq!(next(Role::Sale, AwaitingFulfillment, true).2, BUYER_WINDOW);
        assert_eq!(
            next(Role::Sale, Pending, false),
            (You, "confirm or decline", Clock::None)
        );
        assert_eq!(next(Role::Sale, Fulfilled, true).0, Buyer);
        assert_eq!(
            rule(Role::Sale, &State::Known(Fulfilled), true)
                .after
                .unwrap()
                .actor,
            YouOrBuyer
        );
        assert_eq!(next(Role::Sale, Disputed, true).0, Moderator);
        assert!(matches!(
            next(Role::Sale, Disputed, true).2,
            Clock::NotListed { .. }
        ));
        assert_eq!(next(Role::Sale, Decided, true).0, YouOrBuyer);
        assert_eq!(next(Role::Sale, ProcessingError, false).0, Buyer);
        for done in [Completed, Canceled, Declined, Refunded] {
            assert_eq!(next(Role::Sale, done, true).0, Nobody);
        }
    }

    #[test]
    fn purchases_as_orders_md_4_2() {
        use OrderState::*;
        assert_eq!(next(Role::Purchase, AwaitingPayment, false).0, You);
        assert_eq!(next(Role::Purchase, Pending, true).0, Vendor);
        assert_eq!(next(Role::Purchase, Pending, true).2, YOUR_WINDOW);
        assert_eq!(
            next(Role::Purchase, PartiallyFulfilled, true).2,
            Clock::None
        );
        assert_eq!(next(Role::Purchase, Fulfilled, true).0, You);
        assert_eq!(next(Role::Purchase, Decided, true).0, YouOrVendor);
        assert_eq!(next(Role::Purchase, Resolved, true).0, You);
        assert_eq!(next(Role::Purchase, ProcessingError, false).0, You);
        assert!(matches!(
            next(Role::Purchase, Disputed, true).2,
            Clock::NotListed { .. }
        ));
    }

    #[test]
    fn cases_as_orders_md_4_3() {
        let r = rule(Role::Case, &State::Known(OrderState::Disputed), true);
        assert_eq!(r.step.actor, You);
        assert!(matches!(r.clock, Clock::FromRow { days: 45, .. }));
        assert_eq!(r.after.unwrap().actor, Nobody);
        assert_eq!(next(Role::Case, OrderState::Resolved, true).0, Nobody);
        assert_eq!(
            next(Role::Case, OrderState::Decided, true).0,
            Unknown,
            "cases never use it"
        );
        assert_eq!(
            rule(Role::Case, &State::of("SHIPPED"), true).step.actor,
            Unknown
        );
    }

    #[test]
    fn you_are_among_the_actors_exactly_when_named() {
        for a in [You, YouOrBuyer, YouOrVendor] {
            assert!(a.includes_you());
        }
        for a in [Buyer, Vendor, Moderator, Nobody, Unknown] {
            assert!(!a.includes_you());
        }
        assert_eq!(YouOrVendor.name(), "you or vendor");
    }
}
