//! The node's order book: the orders it sells (sales), buys (purchases) and moderates (cases),
//! each in one of the node's 15 states, moved by the story as orders.md §3 says a real node
//! moves them, and remembering when each state began.
//!
//! This is the model `GET /ob/sales`, `/ob/purchases` and `/ob/cases` are answered from
//! (`lists`), and what a board of orders (issue 22) can be tested against.

use std::collections::{HashMap, VecDeque};

use super::shapes::Money;

pub use crate::order_state::{OrderState, Role};

/// The other side of an order, as its row names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub handle: String,
}

/// One row of one list, with the raw text the node's database keeps.
#[derive(Debug, Clone)]
pub struct Order {
    /// `orderId`, or `caseId` for a case (the same value).
    pub id: String,
    pub role: Role,
    pub state: OrderState,
    /// The row's `timestamp`, Unix seconds: when the order was made (for a case, when the
    /// dispute reached the moderator). A state change never moves it.
    pub created: i64,
    pub read: bool,
    pub moderated: bool,
    /// Cases: whether the buyer opened the dispute.
    pub buyer_opened: bool,
    pub slug: String,
    pub title: String,
    pub thumbnail: String,
    pub total: Money,
    pub buyer: Party,
    pub vendor: Party,
    pub shipping_name: String,
    pub shipping_address: String,
    pub payment_address: String,
    /// Cases: the disputer's claim (searched, never listed).
    pub claim: String,
    /// Every state the order has been in and since when (Unix seconds), oldest first.
    pub history: Vec<(OrderState, i64)>,
}

/// What happens to the order book.
#[derive(Debug, Clone)]
pub enum OrderEvent {
    /// A new order in its first state. `history` is set when it is stored, and `created` too
    /// unless the order comes with one of its own (a control's order made in the past).
    Open(Box<Order>),
    /// An order changes state; `read` is what the node writes with the change (orders.md §9
    /// N4: false when a peer or the wallet moved it, true for the node's own actions, except
    /// the vendor's own fulfillment).
    Move {
        id: String,
        to: OrderState,
        read: bool,
    },
}

/// Orders kept; the oldest go first (a real node keeps them all).
pub const KEEP: usize = 20_000;

/// Every order, in the order the node stored them.
#[derive(Default)]
pub struct OrderBook {
    orders: VecDeque<Order>,
    /// Each order's number in the order they were stored.
    by_id: HashMap<String, usize>,
    /// The number of the oldest order kept.
    first: usize,
}

impl OrderBook {
    /// Applies an event at `now` (Unix seconds); false when it changes nothing: a move of an
    /// unknown order, one the node would not make ([`allowed`]), or a second order of one id.
    pub fn apply(&mut self, event: OrderEvent, now: i64) -> bool {
        match event {
            OrderEvent::Open(mut order) => {
                if order.created <= 0 {
                    order.created = now;
                }
                order.history = vec![(order.state, order.created)];
                if self.by_id.contains_key(&order.id) {
                    return false;
                }
                if self.orders.len() == KEEP {
                    if let Some(old) = self.orders.pop_front() {
                        self.by_id.remove(&old.id);
                    }
                    self.first += 1;
                }
                let number = self.first + self.orders.len();
                self.by_id.insert(order.id.clone(), number);
                self.orders.push_back(*order);
                true
            }
            OrderEvent::Move { id, to, read } => {
                let found = self.by_id.get(&id).map(|n| n - self.first);
                let Some(o) = found.and_then(|i| self.orders.get_mut(i)) else {
                    return false;
                };
                if !allowed(o.role, o.state, to) {
                    return false;
                }
                o.state = to;
                o.read = read;
                o.history.push((to, now));
                true
            }
        }
    }

    /// One list's orders, oldest stored first.
    pub fn list(&self, role: Role) -> impl Iterator<Item = &Order> {
        self.orders.iter().filter(move |o| o.role == role)
    }

    pub fn all(&self) -> impl DoubleEndedIterator<Item = &Order> {
        self.orders.iter()
    }
}

/// Whether the node moves an order of this role from one state to another (orders.md §3);
/// the story only makes moves this allows, which a test checks.
pub fn allowed(role: Role, from: OrderState, to: OrderState) -> bool {
    use OrderState::*;
    match role {
        Role::Sale => matches!(
            (from, to),
            (
                AwaitingPayment,
                AwaitingFulfillment | Pending | ProcessingError
            ) | (
                Pending,
                AwaitingFulfillment | Declined | Canceled | PaymentFinalized
            ) | (
                AwaitingFulfillment | PartiallyFulfilled,
                Fulfilled | Refunded
            ) | (Fulfilled, Completed | Disputed | PaymentFinalized)
                | (Disputed, Decided | Resolved | PaymentFinalized)
                | (Decided, Resolved)
                | (Resolved | PaymentFinalized, Completed)
        ),
        Role::Purchase => matches!(
            (from, to),
            (
                AwaitingPayment,
                AwaitingFulfillment | Pending | ProcessingError | Declined
            ) | (
                Pending,
                AwaitingFulfillment
                    | Declined
                    | Canceled
                    | Disputed
                    | ProcessingError
                    | PaymentFinalized
            ) | (
                AwaitingFulfillment,
                Fulfilled | PartiallyFulfilled | Refunded | Disputed
            ) | (PartiallyFulfilled, Fulfilled | Refunded | Disputed)
                | (Fulfilled, Completed | Disputed | PaymentFinalized)
                | (ProcessingError, Canceled | Disputed)
                | (Disputed, Decided | Resolved | PaymentFinalized)
                | (Decided, Resolved)
                | (Resolved | PaymentFinalized, Completed)
        ),
        Role::Case => matches!((from, to), (Disputed, Resolved)),
    }
}

/// The notification the node gets on its side when an order of this role moves so
/// (orders.md §3), or `None` where it moves in silence: its own action through its API
/// (confirming, fulfilling, refunding, completing, deciding a case, releasing the escrow),
/// or a vendor-side processing error. Where either side may act (a dispute opened, a payout
/// accepted), the other side is taken to have acted, so the node is told.
pub fn told(role: Role, from: OrderState, to: OrderState) -> Option<&'static str> {
    use OrderState::*;
    if !allowed(role, from, to) {
        return None;
    }
    match (role, to) {
        (Role::Sale, AwaitingFulfillment | Pending) if from == AwaitingPayment => Some("order"),
        (Role::Sale, Canceled) => Some("cancel"),
        (Role::Sale, Completed) => Some("orderComplete"),
        (Role::Sale, Disputed) => Some("disputeOpen"),
        (Role::Purchase, AwaitingFulfillment | Pending) if from == AwaitingPayment => {
            Some("payment")
        }
        (Role::Purchase, AwaitingFulfillment) => Some("orderConfirmation"),
        (Role::Purchase, Declined) => Some("orderDeclined"),
        (Role::Purchase, Fulfilled | PartiallyFulfilled) => Some("fulfillment"),
        (Role::Purchase, Refunded) => Some("refund"),
        (Role::Purchase, ProcessingError) => Some("processingError"),
        // Only the vendor opens a dispute on a fulfilled order from the buyer's point of view;
        // before that, only the buyer can, and the buyer's own action is silent.
        (Role::Purchase, Disputed) if from == Fulfilled => Some("disputeOpen"),
        (Role::Purchase, PaymentFinalized) => Some("vendorFinalizedPayment"),
        (Role::Sale | Role::Purchase, Decided) => Some("disputeClose"),
        (Role::Sale | Role::Purchase, Resolved) if from == Disputed => Some("disputeClose"),
        (Role::Sale | Role::Purchase, Resolved) => Some("disputeAccepted"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::shapes::Coin;

    fn order(id: &str, role: Role) -> Order {
        Order {
            id: id.into(),
            role,
            state: OrderState::AwaitingPayment,
            created: 0,
            read: false,
            moderated: false,
            buyer_opened: false,
            slug: String::new(),
            title: String::new(),
            thumbnail: String::new(),
            total: Money {
                coin: Coin::Btc,
                amount: 1,
            },
            buyer: Party::default(),
            vendor: Party::default(),
            shipping_name: String::new(),
            shipping_address: String::new(),
            payment_address: String::new(),
            claim: String::new(),
            history: Vec::new(),
        }
    }

    #[test]
    fn moves_keep_the_creation_time_and_the_history() {
        let mut book = OrderBook::default();
        let open = || OrderEvent::Open(Box::new(order("O1", Role::Sale)));
        let to = |id: &str, to| OrderEvent::Move {
            id: id.into(),
            to,
            read: false,
        };
        assert!(book.apply(open(), 100));
        assert!(!book.apply(open(), 101), "one order per id");
        assert!(book.apply(to("O1", OrderState::AwaitingFulfillment), 160));
        assert!(!book.apply(to("nobody", OrderState::Completed), 170));
        assert!(
            !book.apply(to("O1", OrderState::Declined), 180),
            "a vendor declines only a PENDING order"
        );
        let o = book.list(Role::Sale).next().unwrap();
        assert_eq!((o.created, o.state), (100, OrderState::AwaitingFulfillment));
        assert_eq!(
            o.history,
            [
                (OrderState::AwaitingPayment, 100),
                (OrderState::AwaitingFulfillment, 160)
            ]
        );
        assert_eq!(book.list(Role::Purchase).count(), 0);
        // Bounded: the oldest go, and what is kept still moves.
        for i in 0..KEEP {
            book.apply(
                OrderEvent::Open(Box::new(order(&format!("P{i}"), Role::Purchase))),
                200,
            );
        }
        assert_eq!(book.all().count(), KEEP);
        assert!(book.list(Role::Sale).next().is_none());
        assert!(!book.apply(to("O1", OrderState::Fulfilled), 210));
        assert!(book.apply(to("P7", OrderState::Pending), 210));
        let p7 = book.all().find(|o| o.id == "P7").unwrap();
        assert_eq!(p7.state, OrderState::Pending);
        assert_eq!(OrderState::ProcessingError.number(), 14);
        assert_eq!(OrderState::Decided.name(), "DECIDED");
    }

    #[test]
    fn states_are_numbered_and_named_as_the_node_does() {
        for (n, s) in OrderState::ALL.into_iter().enumerate() {
            assert_eq!(s.number(), n as i64);
            assert_eq!(OrderState::parse(s.name()), Some(s));
        }
        assert_eq!(OrderState::parse("SHIPPED"), None);
    }

    #[test]
    fn a_backdated_order_keeps_its_time() {
        let mut book = OrderBook::default();
        let mut o = order("OLD", Role::Case);
        o.created = 50;
        assert!(book.apply(OrderEvent::Open(Box::new(o)), 1000));
        let o = book.all().next().unwrap();
        assert_eq!(o.created, 50);
        assert_eq!(o.history, [(OrderState::AwaitingPayment, 50)]);
    }

    #[test]
    fn the_node_is_told_of_what_others_do_and_not_of_its_own_acts() {
        use OrderState::*;
        let cases = [
            (
                Role::Sale,
                AwaitingPayment,
                AwaitingFulfillment,
                Some("order"),
            ),
            (Role::Sale, AwaitingFulfillment, Fulfilled, None),
            (Role::Sale, AwaitingFulfillment, Refunded, None),
            (Role::Sale, Pending, Declined, None),
            (Role::Sale, Pending, Canceled, Some("cancel")),
            (Role::Sale, Fulfilled, Completed, Some("orderComplete")),
            (Role::Sale, Fulfilled, PaymentFinalized, None),
            (Role::Purchase, AwaitingPayment, Pending, Some("payment")),
            (
                Role::Purchase,
                Pending,
                AwaitingFulfillment,
                Some("orderConfirmation"),
            ),
            (
                Role::Purchase,
                AwaitingFulfillment,
                Fulfilled,
                Some("fulfillment"),
            ),
            (Role::Purchase, AwaitingFulfillment, Disputed, None),
            (Role::Purchase, Fulfilled, Disputed, Some("disputeOpen")),
            (Role::Purchase, Fulfilled, Completed, None),
            (Role::Purchase, Decided, Resolved, Some("disputeAccepted")),
            (Role::Purchase, Disputed, Decided, Some("disputeClose")),
            (Role::Case, Disputed, Resolved, None),
            (Role::Sale, Completed, Fulfilled, None),
        ];
        for (role, from, to, want) in cases {
            assert_eq!(told(role, from, to), want, "{role:?} {from:?} -> {to:?}");
        }
        // Every told move is one the node makes.
        for role in Role::ALL {
            for from in OrderState::ALL {
                for to in OrderState::ALL {
                    if told(role, from, to).is_some() {
                        assert!(allowed(role, from, to));
                    }
                }
            }
        }
    }
}
