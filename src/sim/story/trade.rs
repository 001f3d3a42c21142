//! The story's orders: what the node sells, buys and moderates, told as frames and as moves
//! of its order book. Every move follows orders.md §3 on the node's side: a notification
//! where the node gets one, silence where it acts itself (creating an order, fulfilling,
//! completing, deciding a case).

use serde_json::json;

use super::{address, coin_index, qm, Plot, Step, Story};
use crate::sim::html::unescape;
use crate::sim::orders::{Order, OrderEvent, OrderState, Party, Role};
use crate::sim::shapes::{self, Money};

use OrderState::*;

/// How one of our purchases ends.
#[derive(Clone, Copy)]
pub(super) enum Buy {
    Fulfilled,
    Declined,
    Refunded,
    Failed,
    Disputed,
}

/// How one of our sales ends.
#[derive(Clone, Copy)]
pub(super) enum Sell {
    Completed,
    Cancelled,
    Aged,
    /// Never paid: the node tells nobody about it (orders.md §9 N12).
    Unpaid,
}

/// Orders hostile chat may be about.
const RECENT: usize = 20;

/// What a new order is made of, besides who is on the other side.
struct Deal<'a> {
    role: Role,
    id: &'a str,
    listing: usize,
    total: Money,
    /// Index into the cast of the buyer (sales, cases) or the vendor (purchases).
    other: usize,
    moderated: bool,
    pay_to: String,
}

impl Story {
    fn party(&self, who: usize) -> Party {
        let a = &self.cast.actors[who];
        Party {
            id: a.peer.clone(),
            handle: unescape(a.handle),
        }
    }

    /// A new order in the node's book, in the state it starts in (raw text, as stored).
    fn open(&mut self, deal: Deal, state: OrderState) -> OrderEvent {
        let l = &self.cast.listings[deal.listing];
        let (buyer, vendor) = match deal.role {
            Role::Sale => (deal.other, 0),
            Role::Purchase => (0, deal.other),
            Role::Case => (deal.other, l.vendor),
        };
        // Goods that travel carry the buyer's name and address (the node's own on a purchase).
        let ships = l.kind == "PHYSICAL_GOOD" && deal.role != Role::Case;
        let to = &self.cast.actors[buyer];
        let (name, street) = if ships {
            (
                unescape(to.name),
                format!("{} Harbour Street, {}", 3 + buyer * 7, to.location),
            )
        } else {
            (String::new(), String::new())
        };
        let order = Order {
            id: deal.id.to_string(),
            role: deal.role,
            state,
            created: 0,
            read: false,
            moderated: deal.moderated,
            buyer_opened: deal.role == Role::Case,
            slug: l.slug.to_string(),
            title: unescape(l.title),
            thumbnail: l.tiny.clone(),
            total: deal.total,
            buyer: self.party(buyer),
            vendor: self.party(vendor),
            shipping_name: name,
            shipping_address: street,
            payment_address: deal.pay_to,
            claim: String::new(),
            history: Vec::new(),
        };
        self.recent.push_back(deal.id.to_string());
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        OrderEvent::Open(Box::new(order))
    }

    /// Someone buys from our shop.
    pub(super) fn sale(&mut self, end: Sell) -> Plot {
        let buyer = self.pick(&self.cast.buyers.clone());
        let listing = self.rng.usize(..4);
        let order = qm(&mut self.rng);
        let price = self.price(listing);
        let l = &self.cast.listings[listing];
        let (title, slug, kind) = (l.title, l.slug, l.kind);
        let mut fields = json!({
            "buyerHandle": self.cast.actors[buyer].handle,
            "buyerId": self.cast.actors[buyer].peer,
            "listingType": kind, "orderId": order, "slug": slug,
            "thumbnail": self.cast.thumbnail(listing), "title": title,
        });
        shapes::order_price(self.generation, fields.as_object_mut().unwrap(), price);
        // Direct online orders pay our own wallet; escrow and offline orders pay a multisig.
        let ours = self.cast.our_address[coin_index(price.coin)].clone();
        let moderated = matches!(end, Sell::Aged);
        let pay_to = match end {
            Sell::Completed | Sell::Unpaid => ours.clone(),
            Sell::Cancelled | Sell::Aged => address(&mut self.rng, price.coin),
        };
        let deal = Deal {
            role: Role::Sale,
            id: &order,
            listing,
            total: price,
            other: buyer,
            moderated,
            pay_to,
        };
        let opened = self.open(deal, AwaitingPayment);
        let mut plot = Plot::from([Step::quiet(opened)]);
        let sold = Sold {
            order: &order,
            listing,
            buyer,
            price,
            ours,
            note: fields,
        };
        plot.extend(self.sold(end, sold));
        plot
    }

    /// What happens to a sale after it is made, by how it ends.
    fn sold(&mut self, end: Sell, s: Sold) -> Plot {
        let (order, listing, buyer) = (s.order, s.listing, s.buyer);
        let fulfil = || {
            Step::quiet(OrderEvent::Move {
                id: order.to_string(),
                to: Fulfilled,
                read: false,
            })
        };
        let mut plot = Plot::new();
        match end {
            Sell::Completed => {
                plot.push_back(self.wallet(s.price, order, listing, s.ours));
                plot.push_back(self.note("order", s.note).moving(
                    order,
                    AwaitingFulfillment,
                    false,
                ));
                plot.push_back(fulfil());
                plot.push_back(self.typing(buyer, order));
                plot.push_back(self.chat_line(
                    buyer,
                    order,
                    "Got it today, it&#39;s lovely. Thank you! 🙏",
                ));
                let done = self.buyer_note("orderComplete", order, listing, buyer);
                plot.push_back(done.moving(order, Completed, false));
            }
            Sell::Cancelled => {
                // Offline and paid: the vendor has yet to confirm when the buyer cancels.
                plot.push_back(self.note("order", s.note).moving(order, Pending, false));
                plot.push_back(self.chat_line(
                    buyer,
                    order,
                    "Sorry, wrong size &amp; colour. Cancelling before you ship.",
                ));
                let cancel = self.buyer_note("cancel", order, listing, buyer);
                plot.push_back(cancel.moving(order, Canceled, false));
            }
            Sell::Aged => {
                plot.push_back(self.note("order", s.note).moving(
                    order,
                    AwaitingFulfillment,
                    false,
                ));
                plot.push_back(fulfil());
                plot.push_back(self.timer_note(
                    "vendorDisputeTimeout",
                    "purchaseOrderId",
                    order,
                    listing,
                    0,
                ));
                let done = self.buyer_note("orderComplete", order, listing, buyer);
                plot.push_back(done.moving(order, Completed, false));
                // Completing an escrowed order pays the vendor out of the escrow.
                plot.push_back(self.wallet(s.price, order, listing, s.ours));
            }
            Sell::Unpaid => {}
        }
        plot
    }

    /// A purchase, or a sale when the wallet cannot pay for one now.
    pub(super) fn purchase(&mut self, end: Buy) -> Plot {
        let listing = 4 + self.rng.usize(..3);
        match self.purchase_of(end, listing) {
            Some(plot) => plot,
            None => self.sale(Sell::Completed),
        }
    }

    /// We buy from another vendor (offline, so the vendor confirms later), if what the wallet
    /// holds (less what planned purchases will spend) pays for it; the money is set aside
    /// until the payment is told.
    pub(super) fn purchase_of(&mut self, end: Buy, listing: usize) -> Option<Plot> {
        let vendor = self.cast.listings[listing].vendor;
        let paid = self.price(listing);
        let purse = self.purses.iter_mut().find(|p| p.coin == paid.coin)?;
        if purse.confirmed - purse.reserved < paid.amount {
            return None;
        }
        purse.reserved += paid.amount;
        let order = qm(&mut self.rng);
        let to = address(&mut self.rng, paid.coin);
        let spend = Money {
            amount: -paid.amount,
            ..paid
        };
        let deal = Deal {
            role: Role::Purchase,
            id: &order,
            listing,
            total: paid,
            other: vendor,
            moderated: matches!(end, Buy::Fulfilled | Buy::Disputed),
            pay_to: to.clone(),
        };
        let opened = self.open(deal, AwaitingPayment);
        let mut plot = Plot::from([Step::quiet(opened)]);
        plot.push_back(self.wallet(spend, &order, listing, to.clone()));
        let funding = shapes::funding_total(self.generation, paid);
        let coin = paid.coin.code();
        let payment = self.note(
            "payment",
            json!({"coinType": coin, "fundingTotal": funding, "orderId": order}),
        );
        plot.push_back(payment.moving(&order, Pending, false));
        let ctx = Bought {
            order: &order,
            listing,
            vendor,
            paid,
            to,
        };
        match end {
            Buy::Declined => {
                let ty = shapes::declined_type(self.generation);
                plot.push_back(
                    self.vendor_note(ty, &order, listing)
                        .moving(&order, Declined, false),
                );
                plot.push_back(self.wallet(paid, &order, listing, ctx.to));
            }
            Buy::Refunded => {
                plot.push_back(self.confirmed(&order, listing));
                plot.push_back(self.chat_line(
                    vendor,
                    &order,
                    "So sorry, that batch sold out. Refunding you now.",
                ));
                plot.push_back(
                    self.vendor_note("refund", &order, listing)
                        .moving(&order, Refunded, false),
                );
                plot.push_back(self.wallet(paid, &order, listing, ctx.to));
            }
            Buy::Failed => {
                let failed = self.vendor_note("processingError", &order, listing);
                plot.push_back(failed.moving(&order, ProcessingError, false));
            }
            Buy::Fulfilled => plot.extend(self.fulfilled(ctx)),
            Buy::Disputed => plot.extend(self.disputed(ctx)),
        }
        Some(plot)
    }

    fn confirmed(&mut self, order: &str, listing: usize) -> Step {
        let note = self.vendor_note("orderConfirmation", order, listing);
        note.moving(order, AwaitingFulfillment, false)
    }

    fn shipped(&mut self, order: &str, listing: usize) -> Step {
        let note = self.vendor_note("fulfillment", order, listing);
        note.moving(order, Fulfilled, false)
    }

    /// A moderated purchase shipped, then released to the vendor from escrow; we may rate it.
    fn fulfilled(&mut self, b: Bought) -> Plot {
        let (order, listing, vendor) = (b.order, b.listing, b.vendor);
        let mut plot = Plot::new();
        plot.push_back(self.confirmed(order, listing));
        plot.push_back(self.shipped(order, listing));
        plot.push_back(self.typing(vendor, order));
        plot.push_back(self.chat_line(
            vendor,
            order,
            "Shipped today &lt;3 tracking: RR123456785NL",
        ));
        let secs = [2_592_000, 432_000, 86_400, 0][self.rng.usize(..4)];
        plot.push_back(self.timer_note("buyerDisputeTimeout", "orderId", order, listing, secs));
        let released = self.note("vendorFinalizedPayment", json!({"orderId": order}));
        plot.push_back(released.moving(order, PaymentFinalized, false));
        if self.rng.bool() {
            // Rating it is our own action: the node says nothing.
            plot.push_back(Step::quiet(OrderEvent::Move {
                id: order.to_string(),
                to: Completed,
                read: true,
            }));
        }
        plot
    }

    /// A moderated purchase the vendor disputes, decided by the moderator.
    fn disputed(&mut self, b: Bought) -> Plot {
        let (order, listing, vendor) = (b.order, b.listing, b.vendor);
        let moderator = self.cast.moderator;
        let mut plot = Plot::new();
        plot.push_back(self.confirmed(order, listing));
        plot.push_back(self.shipped(order, listing));
        // The vendor opens it, so the dispute starts where we can see it.
        let (us, v) = (&self.cast.actors[0], &self.cast.actors[vendor]);
        let fields = json!({
            "buyer": us.peer, "disputeeHandle": us.handle, "disputeeId": us.peer,
            "disputerHandle": v.handle, "disputerId": v.peer, "orderId": order,
            "thumbnail": self.cast.thumbnail(listing),
        });
        plot.push_back(
            self.note("disputeOpen", fields)
                .moving(order, Disputed, false),
        );
        let secs = [2_592_000, 432_000, 86_400][self.rng.usize(..3)];
        plot.push_back(self.timer_note("buyerDisputeExpiry", "orderId", order, listing, secs));
        plot.push_back(self.chat_line(
            moderator,
            order,
            "Hi, I&#39;m Carol. I have both sides now and will decide within 48 h.",
        ));
        let decided = self.dispute_end_note("disputeClose", order, listing, vendor);
        plot.push_back(decided.moving(order, Decided, false));
        // The moderator split the escrow; our share comes back when the vendor accepts.
        let share = Money {
            amount: b.paid.amount * (5 + i128::from(self.rng.u32(..5))) / 10,
            ..b.paid
        };
        plot.push_back(self.wallet(share, order, listing, b.to));
        let accepted = self.dispute_end_note("disputeAccepted", order, listing, vendor);
        plot.push_back(accepted.moving(order, Resolved, false));
        plot
    }

    /// A dispute between two other peers, where we are the moderator.
    pub(super) fn moderation(&mut self) -> Plot {
        let buyer = self.pick(&self.cast.buyers.clone());
        let listing = 4 + self.rng.usize(..3);
        let vendor = self.cast.listings[listing].vendor;
        let order = qm(&mut self.rng);
        let (b, v) = (&self.cast.actors[buyer], &self.cast.actors[vendor]);
        let fields = json!({
            "buyer": b.peer, "disputeeHandle": v.handle, "disputeeId": v.peer,
            "disputerHandle": b.handle, "disputerId": b.peer, "orderId": order,
            "thumbnail": self.cast.thumbnail(listing),
        });
        const CLAIM: &str = "It never arrived &amp; the seller stopped answering.";
        let deal = Deal {
            role: Role::Case,
            id: &order,
            listing,
            total: self.price(listing),
            other: buyer,
            moderated: true,
            pay_to: String::new(),
        };
        let OrderEvent::Open(mut case) = self.open(deal, Disputed) else {
            unreachable!("open makes a new order");
        };
        case.claim = unescape(CLAIM);
        let mut opened = self.note("disputeOpen", fields.clone());
        opened.order = Some(OrderEvent::Open(case));
        let mut plot = Plot::from([opened]);
        plot.push_back(self.chat_line(buyer, &order, CLAIM));
        plot.push_back(self.note("disputeUpdate", fields));
        let secs = [2_592_000, 1_296_000, 86_400, 0][self.rng.usize(..4)];
        plot.push_back(self.timer_note(
            "moderatorDisputeExpiry",
            "disputeCaseId",
            &order,
            listing,
            secs,
        ));
        if self.rng.bool() {
            // Deciding is the moderator's own action: no notification (orders.md §3 row 12).
            plot.push_back(Step::quiet(OrderEvent::Move {
                id: order.clone(),
                to: Resolved,
                read: true,
            }));
        }
        plot
    }
}

/// A sale just made: what its endings need.
struct Sold<'a> {
    order: &'a str,
    listing: usize,
    buyer: usize,
    price: Money,
    /// Our own wallet's address in the sale's coin.
    ours: String,
    /// The `order` notification's fields, told when the sale is paid.
    note: serde_json::Value,
}

/// A purchase under way: what its endings need.
struct Bought<'a> {
    order: &'a str,
    listing: usize,
    vendor: usize,
    paid: Money,
    /// Where we paid (refunds and payouts come from there).
    to: String,
}
