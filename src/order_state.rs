//! The node's three order lists and the 15 states of `pb.OrderState` (orders.md §1), named once
//! for both halves of obtail that speak of orders: `obtail orders`, which reads the lists, and
//! the stand-in node, which answers them.

/// Which list an order is in, which is the node's part in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// `/ob/sales`: the node is the vendor.
    Sale,
    /// `/ob/purchases`: the node is the buyer.
    Purchase,
    /// `/ob/cases`: the node moderates someone else's dispute.
    Case,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Sale, Role::Purchase, Role::Case];

    /// As `obtail orders -o ndjson` names it.
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

/// `pb.OrderState`, numbered as the node numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    Pending = 0,
    AwaitingPayment = 1,
    /// Never set by a 0.14.5 node; kept so the enum is the node's.
    AwaitingPickup = 2,
    AwaitingFulfillment = 3,
    /// Buyer side only, for orders of several listings.
    PartiallyFulfilled = 4,
    Fulfilled = 5,
    Completed = 6,
    Canceled = 7,
    Declined = 8,
    Refunded = 9,
    Disputed = 10,
    Decided = 11,
    Resolved = 12,
    PaymentFinalized = 13,
    ProcessingError = 14,
}

impl OrderState {
    /// Every state, in the node's numbering.
    pub const ALL: [OrderState; 15] = {
        use OrderState::*;
        [
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
        ]
    };

    /// The name the lists give it (`pb.OrderState(n).String()`).
    pub fn name(self) -> &'static str {
        use OrderState::*;
        match self {
            Pending => "PENDING",
            AwaitingPayment => "AWAITING_PAYMENT",
            AwaitingPickup => "AWAITING_PICKUP",
            AwaitingFulfillment => "AWAITING_FULFILLMENT",
            PartiallyFulfilled => "PARTIALLY_FULFILLED",
            Fulfilled => "FULFILLED",
            Completed => "COMPLETED",
            Canceled => "CANCELED",
            Declined => "DECLINED",
            Refunded => "REFUNDED",
            Disputed => "DISPUTED",
            Decided => "DECIDED",
            Resolved => "RESOLVED",
            PaymentFinalized => "PAYMENT_FINALIZED",
            ProcessingError => "PROCESSING_ERROR",
        }
    }

    /// The integer the lists' `state=` filter compares with.
    pub fn number(self) -> i64 {
        self as i64
    }

    /// The state of this name (`AWAITING_PAYMENT`); a name the node does not have is none.
    pub fn parse(name: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_numbered_and_named_as_the_node_does() {
        for (i, s) in OrderState::ALL.into_iter().enumerate() {
            assert_eq!(s.number(), i as i64);
            assert_eq!(OrderState::parse(s.name()), Some(s));
        }
        assert_eq!(OrderState::parse("pending"), None);
        assert_eq!(OrderState::parse("15"), None);
        assert_eq!(Role::Case.id_key(), "caseId");
        assert_eq!(Role::Purchase.list(), "purchases");
    }
}
