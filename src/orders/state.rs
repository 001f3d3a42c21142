//! The node's three order lists as roles, and the 15 states of `pb.OrderState` by the names
//! the lists give them (orders.md §1). A name the node does not have is kept as it came: a
//! newer node's state, or a stranger's text, shown as unknown rather than guessed at.

/// Which list an order is in, which is the user's part in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// `/ob/sales`: the user is the vendor.
    Sale,
    /// `/ob/purchases`: the user is the buyer.
    Purchase,
    /// `/ob/cases`: the user moderates someone else's dispute.
    Case,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Sale, Role::Purchase, Role::Case];

    /// As `-o ndjson` names it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Sale => "sale",
            Role::Purchase => "purchase",
            Role::Case => "case",
        }
    }

    /// The list's path under `/ob/`, and its key in the answer.
    pub fn list(self) -> &'static str {
        match self {
            Role::Sale => "sales",
            Role::Purchase => "purchases",
            Role::Case => "cases",
        }
    }

    /// The key of a row's id.
    pub fn id_key(self) -> &'static str {
        match self {
            Role::Case => "caseId",
            Role::Sale | Role::Purchase => "orderId",
        }
    }
}

/// One of the node's states, by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Known {
    Pending,
    AwaitingPayment,
    AwaitingPickup,
    AwaitingFulfillment,
    PartiallyFulfilled,
    Fulfilled,
    Completed,
    Canceled,
    Declined,
    Refunded,
    Disputed,
    Decided,
    Resolved,
    PaymentFinalized,
    ProcessingError,
}

/// Every state, in the node's numbering, with its name.
const NAMES: [(Known, &str); 15] = [
    (Known::Pending, "PENDING"),
    (Known::AwaitingPayment, "AWAITING_PAYMENT"),
    (Known::AwaitingPickup, "AWAITING_PICKUP"),
    (Known::AwaitingFulfillment, "AWAITING_FULFILLMENT"),
    (Known::PartiallyFulfilled, "PARTIALLY_FULFILLED"),
    (Known::Fulfilled, "FULFILLED"),
    (Known::Completed, "COMPLETED"),
    (Known::Canceled, "CANCELED"),
    (Known::Declined, "DECLINED"),
    (Known::Refunded, "REFUNDED"),
    (Known::Disputed, "DISPUTED"),
    (Known::Decided, "DECIDED"),
    (Known::Resolved, "RESOLVED"),
    (Known::PaymentFinalized, "PAYMENT_FINALIZED"),
    (Known::ProcessingError, "PROCESSING_ERROR"),
];

impl Known {
    pub fn name(self) -> &'static str {
        NAMES[self as usize].1
    }

    pub const ALL: [Known; 15] = {
        let mut all = [Known::Pending; 15];
        let mut i = 0;
        while i < 15 {
            all[i] = NAMES[i].0;
            i += 1;
        }
        all
    };
}

/// A row's state: one the node has, or a name it does not (kept whole, as listed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum State {
    Known(Known),
    Unknown(Box<str>),
}

impl State {
    /// The state of a listed name; anything else (a digit string from a newer node, a
    /// stranger's text) is unknown.
    pub fn of(name: &str) -> State {
        match NAMES.iter().find(|(_, n)| *n == name) {
            Some((k, _)) => State::Known(*k),
            None => State::Unknown(name.into()),
        }
    }

    /// The name as the node gave it.
    pub fn name(&self) -> &str {
        match self {
            State::Known(k) => k.name(),
            State::Unknown(name) => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_strangers_stay_unknown() {
        for (i, k) in Known::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i, "numbered as the node numbers them");
            assert_eq!(State::of(k.name()), State::Known(k));
        }
        assert_eq!(State::of("15"), State::Unknown("15".into()));
        assert_eq!(State::of("pending").name(), "pending");
        assert_eq!(Role::Case.id_key(), "caseId");
    }
}
