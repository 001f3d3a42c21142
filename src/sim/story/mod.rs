//! The simulated marketplace: a deterministic storyline of who buys, sells, chats and argues.
//!
//! The simulated node is a small shop ("nordic_threads") that also buys from other vendors and
//! moderates other people's disputes, so every notification type has a reason to reach it.
//! Each storyline ("plot") is an ordered list of frames; plots run interleaved on one clock.
//! The first minute plays a fixed set of plots that together show every kind; after that,
//! plots are drawn at random. Same seed, same story, frame for frame. Orders (`trade`) also
//! move the node's order book, as the node moves it, some of it silently.
//!
//! The story knows only its own simulated time; the node stamps each beat with the wall clock
//! when it tells it.

mod trade;

use trade::{Buy, Sell};

use std::collections::VecDeque;
use std::time::Duration;

use fastrand::Rng;

use super::ids::{b58, qm};
use serde_json::{json, Map, Value};

use super::orders::OrderEvent;
use super::shapes::{self, Balance, Coin, Money, WalletTx};
use super::{hostile, html};
use crate::cli::Generation;

/// How often the node sends `walletUpdate` (wallet/status.go).
const TICK: Duration = Duration::from_secs(15);
/// The first tick comes soon after start, so a new client sees balances early.
const FIRST_TICK: Duration = Duration::from_secs(2);
/// The opening plots must all be told within this much simulated time.
const OPENING_BUDGET: f64 = 57.0;
/// The story's opening: by then it has told every kind.
pub const OPENING: Duration = Duration::from_secs(60);

/// One event of the story and when, in simulated time from the start, it is told.
pub struct Beat {
    pub at: Duration,
    /// The frame as the node sends it (sanitized); `null` for a change nobody is told about.
    pub frame: Value,
    /// Kept by the node but never sent: the node's own outgoing chat messages, and order
    /// changes the node makes without a word.
    pub silent: bool,
    /// What this does to the node's order book.
    pub order: Option<OrderEvent>,
}

impl Beat {
    /// The notification's id and lower-cased type, if the node would have stored it.
    pub fn persisted(&self) -> Option<(String, String)> {
        let n = self.frame.get("notification")?;
        let ty = n.get("type")?.as_str()?;
        if ty == "unfollow" {
            return None;
        }
        let id = n.get("notificationId")?.as_str()?;
        Some((id.to_string(), ty.to_lowercase()))
    }
}

struct Step {
    frame: Value,
    /// A wallet transaction's effect on the balance the next ticks report.
    delta: Option<Money>,
    silent: bool,
    order: Option<OrderEvent>,
}

impl Step {
    /// A change of the order book that no frame tells (orders.md §3: the node's own actions).
    fn quiet(event: OrderEvent) -> Step {
        Step {
            frame: Value::Null,
            delta: None,
            silent: true,
            order: Some(event),
        }
    }

    /// This step also moves an order.
    fn moving(mut self, id: &str, to: super::orders::OrderState, read: bool) -> Step {
        self.order = Some(OrderEvent::Move {
            id: id.to_string(),
            to,
            read,
        });
        self
    }
}

type Plot = VecDeque<Step>;

struct Actor {
    handle: &'static str,
    name: &'static str,
    location: &'static str,
    about: &'static str,
    peer: String,
    avatar: [String; 5],
}

struct Listing {
    title: &'static str,
    slug: &'static str,
    kind: &'static str,
    coin: Coin,
    /// Base-unit price range; the price floats with the exchange rate.
    price: (i128, i128),
    /// Index into `Cast::actors` of the seller (0 is us).
    vendor: usize,
    tiny: String,
    small: String,
}

/// Everyone in the story. Index 0 is the simulated node itself.
struct Cast {
    actors: Vec<Actor>,
    listings: Vec<Listing>,
    buyers: Vec<usize>,
    vendors: Vec<usize>,
    moderator: usize,
    strangers: Vec<String>,
    our_address: [String; 5],
}

#[rustfmt::skip]
const ACTORS: &[(&str, &str, &str, &str)] = &[
    ("nordic_threads", "Nordic Threads", "Bergen, Norway", "Hand-knit wool things &amp; patterns."),
    ("alice", "Alice", "Lisbon", ""),
    ("dmitri.k", "Дмитрий К.", "Tallinn", "Collector of odd keyboards."),
    ("", "", "", ""),
    ("bob&amp;sons", "Bob &amp; Sons", "Leeds", ""),
    ("mo&#39;s_coffee", "Mo&#39;s Café", "Melbourne", "Single-origin beans, roasted weekly ☕"),
    ("kyoto_tea", "日本茶 Kyoto", "Kyoto, Japan", "Tea from Uji, shipped worldwide."),
    ("rocket_labs", "🚀 Rocket Stickers", "Austin, TX", ""),
    ("retro_keys", "Retro Keys &amp; Arcades", "Rotterdam", "Restored machines, built to last."),
    ("carol_mediates", "Carol the Moderator", "Online", "Fair, fast dispute resolution."),
];
const BUYERS: &[usize] = &[1, 2, 3, 4];
const VENDORS: &[usize] = &[5, 6, 7, 8];
const MODERATOR: usize = 9;

#[rustfmt::skip]
const LISTINGS: &[(&str, &str, &str, Coin, i128, i128, usize)] = &[
    ("Hand-knit wool scarf &amp; mittens", "hand-knit-wool-scarf-mittens", "PHYSICAL_GOOD", Coin::Btc, 450_000, 560_000, 0),
    ("Café au lait mug — stoneware", "cafe-au-lait-mug-stoneware", "PHYSICAL_GOOD", Coin::Ltc, 9_000_000, 12_500_000, 0),
    ("Knitting patterns e-book (PDF)", "knitting-patterns-e-book-pdf", "DIGITAL_GOOD", Coin::Bch, 2_100_000, 2_600_000, 0),
    ("Custom embroidery: &#39;your name here&#39;", "custom-embroidery-your-name-here", "SERVICE", Coin::Zec, 40_000_000, 55_000_000, 0),
    ("Single-origin coffee beans, 1 kg", "single-origin-coffee-beans-1-kg", "PHYSICAL_GOOD", Coin::Btc, 190_000, 240_000, 5),
    ("日本茶 sampler: sencha, gyokuro &amp; matcha", "sampler-sencha-gyokuro-matcha", "PHYSICAL_GOOD", Coin::Ltc, 30_000_000, 42_000_000, 6),
    ("🚀 Rocket sticker pack (50 pcs)", "rocket-sticker-pack-50-pcs", "PHYSICAL_GOOD", Coin::Btc, 21_000, 29_000, 7),
    ("Walnut arcade cabinet, hand-built", "walnut-arcade-cabinet-hand-built", "PHYSICAL_GOOD", Coin::Eth, 18_900_000_000_000_000_000, 23_500_000_000_000_000_000, 8),
];
/// The listing whose price crosses 2^64 in 0.14 (bought with ETH).
const BIG_LISTING: usize = 7;

/// A CIDv1 image hash.
fn zb(rng: &mut Rng) -> String {
    format!("zb2rh{}", b58(rng, 44))
}

fn hex(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(rng.u32(..16), 16).unwrap())
        .collect()
}

fn address(rng: &mut Rng, coin: Coin) -> String {
    let bech = |rng: &mut Rng, n: usize| -> String {
        const CS: &[u8] = b"023456789acdefghjklmnpqrstuvwxyz";
        (0..n).map(|_| CS[rng.usize(..CS.len())] as char).collect()
    };
    match coin {
        Coin::Btc => format!("bc1q{}", bech(rng, 38)),
        Coin::Ltc => format!("ltc1q{}", bech(rng, 38)),
        Coin::Bch => format!("qp{}", bech(rng, 40)),
        Coin::Zec => format!("t1{}", b58(rng, 33)),
        Coin::Eth => format!("0x{}", hex(rng, 40)),
    }
}

impl Cast {
    fn new(rng: &mut Rng) -> Cast {
        let actors = ACTORS
            .iter()
            .map(|&(handle, name, location, about)| Actor {
                handle,
                name,
                location,
                about,
                peer: qm(rng),
                avatar: std::array::from_fn(|_| zb(rng)),
            })
            .collect();
        let listings = LISTINGS
            .iter()
            .map(|&(title, slug, kind, coin, lo, hi, vendor)| Listing {
                title,
                slug,
                kind,
                coin,
                price: (lo, hi),
                vendor,
                tiny: zb(rng),
                small: zb(rng),
            })
            .collect();
        let strangers = (0..6).map(|_| qm(rng)).collect();
        let coins = [Coin::Bch, Coin::Btc, Coin::Eth, Coin::Ltc, Coin::Zec];
        Cast {
            actors,
            listings,
            buyers: BUYERS.to_vec(),
            vendors: VENDORS.to_vec(),
            moderator: MODERATOR,
            strangers,
            our_address: coins.map(|c| address(rng, c)),
        }
    }

    fn thumbnail(&self, listing: usize) -> Value {
        let l = &self.listings[listing];
        json!({"small": l.small, "tiny": l.tiny})
    }
}

struct Purse {
    coin: Coin,
    /// Never below `reserved`, so never negative.
    confirmed: i128,
    /// Incoming money not yet in a block; never negative (spends come out of `confirmed`).
    unconfirmed: i128,
    /// What purchases already planned will spend when their payment is told.
    reserved: i128,
    height: u64,
    /// Average ticks between blocks of this chain.
    blocks_every: u32,
}

/// The deterministic story generator.
pub struct Story {
    generation: Generation,
    rng: Rng,
    cast: Cast,
    purses: Vec<Purse>,
    clock: Duration,
    next_tick: Duration,
    opening: Vec<Plot>,
    live: Vec<Plot>,
    /// The newest orders, which hostile chat may name.
    recent: VecDeque<String>,
    /// `--hostile-chat`: how many hostile messages were told, or `None` when off.
    hostile: Option<usize>,
}

impl Story {
    pub fn new(seed: u64, generation: Generation) -> Story {
        let mut rng = Rng::with_seed(seed);
        let cast = Cast::new(&mut rng);
        let purses = Coin::wallets(generation)
            .iter()
            .map(|&coin| {
                let (confirmed, height, blocks_every) = match coin {
                    Coin::Bch => (31_250_000, 663_120, 40),
                    Coin::Btc => (2_834_217, 658_371, 40),
                    Coin::Eth => (41_500_000_000_000_000_000, 11_300_000, 1),
                    Coin::Ltc => (1_283_591_000, 1_962_400, 10),
                    Coin::Zec => (412_000_000, 1_046_800, 5),
                };
                Purse {
                    coin,
                    confirmed,
                    unconfirmed: 0,
                    reserved: 0,
                    height,
                    blocks_every,
                }
            })
            .collect();
        let mut story = Story {
            generation,
            rng,
            cast,
            purses,
            clock: Duration::ZERO,
            next_tick: FIRST_TICK,
            opening: Vec::new(),
            live: Vec::new(),
            recent: VecDeque::new(),
            hostile: None,
        };
        story.opening = story.opening_plots();
        story
    }

    /// With `on`, peers now and then send chat with hostile ids and subjects, from the
    /// first minute on.
    pub fn with_hostile_chat(mut self, on: bool) -> Story {
        if on {
            self.hostile = Some(0);
            let plot = self.hostile_chat();
            self.opening.push(plot);
        }
        self
    }

    /// A few incoming messages whose ids and subjects their senders chose (`hostile`).
    fn hostile_chat(&mut self) -> Plot {
        let peers: Vec<String> = self
            .cast
            .buyers
            .iter()
            .chain(&self.cast.vendors)
            .map(|&a| self.cast.actors[a].peer.clone())
            .collect();
        let orders: Vec<String> = self.recent.iter().cloned().collect();
        let mut plot = Plot::new();
        for _ in 0..4 {
            let n = self.hostile.unwrap_or(0);
            self.hostile = Some(n + 1);
            let mut frame =
                json!({ "message": hostile::message(&mut self.rng, n, &peers, &orders) });
            html::sanitize(&mut frame);
            plot.push_back(step(frame));
        }
        plot
    }

    /// The plots of the first minute: between them, every kind obtail knows.
    fn opening_plots(&mut self) -> Vec<Plot> {
        let mut publishing = self.publishing(true);
        publishing.extend(self.publishing(false));
        // The starting balances pay for every opening purchase (a test checks every kind
        // is told in the first minute, so a sale standing in would be noticed).
        let buy = |story: &mut Story, end: Buy, listing: Option<usize>| {
            let listing = listing.unwrap_or_else(|| 4 + story.rng.usize(..3));
            story
                .purchase_of(end, listing)
                .unwrap_or_else(|| story.sale(Sell::Completed))
        };
        vec![
            publishing,
            self.sale(Sell::Completed),
            self.sale(Sell::Cancelled),
            self.sale(Sell::Aged),
            buy(self, Buy::Fulfilled, None),
            // The declined purchase is the ETH one in 0.14 (an amount above 2^64).
            buy(self, Buy::Declined, Some(BIG_LISTING)),
            buy(self, Buy::Refunded, None),
            buy(self, Buy::Failed, None),
            buy(self, Buy::Disputed, None),
            self.moderation(),
            self.social(),
            self.desktop_lookups(),
            self.chat(),
        ]
    }

    /// Time between two beats: mostly short, now and then a pause of up to 3 s.
    fn gap(&mut self) -> f64 {
        let u = self.rng.f64();
        let gap = 0.2 + 2.8 * u * u * u;
        let left: usize = self.opening.iter().map(VecDeque::len).sum();
        if left == 0 {
            return gap;
        }
        let budget = (OPENING_BUDGET - self.clock.as_secs_f64()) / left as f64;
        gap.min(budget.max(0.2))
    }

    fn pick_step(&mut self) -> Step {
        if !self.opening.is_empty() {
            // Weighted by what is left, so the opening plots end together, not one by one.
            let total: usize = self.opening.iter().map(VecDeque::len).sum();
            let mut pick = self.rng.usize(..total);
            let mut i = 0;
            while pick >= self.opening[i].len() {
                pick -= self.opening[i].len();
                i += 1;
            }
            return take(&mut self.opening, i);
        }
        while self.live.len() < 3 {
            let plot = self.random_plot();
            self.live.push(plot);
        }
        let i = self.rng.usize(..self.live.len());
        take(&mut self.live, i)
    }

    fn random_plot(&mut self) -> Plot {
        if self.hostile.is_some() && self.rng.u32(..8) == 0 {
            return self.hostile_chat();
        }
        match self.rng.u32(..100) {
            0..=27 => self.sale(Sell::Completed),
            28..=29 => self.sale(Sell::Unpaid),
            30..=34 => self.sale(Sell::Cancelled),
            35..=39 => self.sale(Sell::Aged),
            40..=51 => self.purchase(Buy::Fulfilled),
            52..=55 => self.purchase(Buy::Declined),
            56..=59 => self.purchase(Buy::Refunded),
            60..=62 => self.purchase(Buy::Failed),
            63..=67 => self.purchase(Buy::Disputed),
            68..=72 => self.moderation(),
            73..=80 => self.social(),
            81..=85 => self.desktop_lookups(),
            86..=95 => self.chat(),
            _ => {
                let ok = self.rng.u32(..4) != 0;
                self.publishing(ok)
            }
        }
    }

    fn wallet_tick(&mut self, at: Duration) -> Beat {
        let balances: Vec<Balance> = self
            .purses
            .iter()
            .map(|p| Balance {
                coin: p.coin,
                confirmed: p.confirmed,
                unconfirmed: p.unconfirmed,
                height: p.height,
            })
            .collect();
        let frame = shapes::wallet_update(self.generation, &balances);
        // A block may arrive before the next tick, confirming what was pending.
        for p in &mut self.purses {
            if self.rng.u32(..p.blocks_every) == 0 {
                p.height += 1;
                p.confirmed += p.unconfirmed;
                p.unconfirmed = 0;
            }
        }
        Beat {
            at,
            frame,
            silent: false,
            order: None,
        }
    }

    fn height(&self, coin: Coin) -> u64 {
        self.purses
            .iter()
            .find(|p| p.coin == coin)
            .map_or(0, |p| p.height)
    }

    // ---- building blocks -------------------------------------------------------------

    fn note(&mut self, ty: &str, fields: Value) -> Step {
        let mut n: Map<String, Value> = match fields {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        n.insert("notificationId".into(), qm(&mut self.rng).into());
        n.insert("type".into(), ty.into());
        step(json!({ "notification": n }))
    }

    /// A note about an order, from the vendor's side (confirmation, fulfillment, ...).
    fn vendor_note(&mut self, ty: &str, order: &str, listing: usize) -> Step {
        let v = &self.cast.actors[self.cast.listings[listing].vendor];
        let fields = json!({
            "orderId": order, "thumbnail": self.cast.thumbnail(listing),
            "vendorHandle": v.handle, "vendorId": v.peer,
        });
        self.note(ty, fields)
    }

    fn buyer_note(&mut self, ty: &str, order: &str, listing: usize, buyer: usize) -> Step {
        let b = &self.cast.actors[buyer];
        let fields = json!({
            "buyerHandle": b.handle, "buyerId": b.peer,
            "orderId": order, "thumbnail": self.cast.thumbnail(listing),
        });
        self.note(ty, fields)
    }

    fn timer_note(&mut self, ty: &str, id_key: &str, id: &str, listing: usize, secs: u64) -> Step {
        let fields = json!({
            id_key: id, "expiresIn": secs, "thumbnail": self.cast.thumbnail(listing),
        });
        self.note(ty, fields)
    }

    fn dispute_end_note(&mut self, ty: &str, order: &str, listing: usize, other: usize) -> Step {
        let o = &self.cast.actors[other];
        let fields = json!({
            "buyer": self.cast.actors[0].peer, "orderId": order,
            "otherPartyHandle": o.handle, "otherPartyId": o.peer,
            "thumbnail": self.cast.thumbnail(listing),
        });
        self.note(ty, fields)
    }

    fn wallet(&mut self, value: Money, order: &str, listing: usize, address: String) -> Step {
        let l = &self.cast.listings[listing];
        let (memo, thumb) = (l.title, l.small.clone());
        let txid = hex(&mut self.rng, 64);
        // Now and then the transaction is seen only once it is already in a block.
        let height = if self.rng.u32(..4) == 0 {
            self.height(value.coin) + 1
        } else {
            0
        };
        let tx = WalletTx {
            value,
            address: &address,
            memo,
            order_id: order,
            thumbnail: &thumb,
            txid: &txid,
            timestamp: "",
            height,
        };
        Step {
            frame: shapes::wallet_tx(self.generation, &tx),
            delta: Some(value),
            silent: false,
            order: None,
        }
    }

    fn chat_line(&mut self, from: usize, subject: &str, text: &str) -> Step {
        step(json!({"message": {
            "message": text, "messageId": qm(&mut self.rng), "outgoing": false,
            "peerId": self.cast.actors[from].peer, "read": false,
            "subject": subject, "timestamp": "",
        }}))
    }

    /// Our own answer: kept in the chat history, never sent on the socket.
    fn reply_line(&mut self, to: usize, subject: &str, text: &str) -> Step {
        let mut s = self.chat_line(to, subject, text);
        s.frame["message"]["outgoing"] = true.into();
        s.frame["message"]["read"] = true.into();
        s.silent = true;
        s
    }

    fn typing(&mut self, from: usize, subject: &str) -> Step {
        step(json!({"messageTyping": {
            "messageId": qm(&mut self.rng), "peerId": self.cast.actors[from].peer,
            "subject": subject,
        }}))
    }

    fn read_receipt(&mut self, from: usize, subject: &str) -> Step {
        step(json!({"messageRead": {
            "messageId": qm(&mut self.rng), "peerId": self.cast.actors[from].peer,
            "subject": subject,
        }}))
    }

    /// A listing's price today, in the coin this generation's wallet can pay with.
    fn price(&mut self, listing: usize) -> Money {
        let l = &self.cast.listings[listing];
        let (mut coin, (lo, hi)) = (l.coin, l.price);
        let mut amount = lo + (self.rng.u64(..u64::MAX) as i128 % (hi - lo + 1));
        if !Coin::wallets(self.generation).contains(&coin) {
            // 0.13 has no ETH wallet: the same cabinet, paid in LTC.
            coin = Coin::Ltc;
            amount /= 100_000_000_000;
        }
        Money { coin, amount }
    }

    fn pick(&mut self, from: &[usize]) -> usize {
        from[self.rng.usize(..from.len())]
    }

    // ---- plots -----------------------------------------------------------------------

    fn publishing(&mut self, ok: bool) -> Plot {
        let end = if ok {
            "publish complete"
        } else {
            "error publishing"
        };
        [
            step(json!({"status": "publishing"})),
            step(json!({ "status": end })),
        ]
        .into()
    }

    fn social(&mut self) -> Plot {
        let a = self.cast.strangers[self.rng.usize(..self.cast.strangers.len())].clone();
        let buyer = self.pick(&self.cast.buyers.clone());
        let b = self.cast.actors[buyer].peer.clone();
        let mut plot = Plot::new();
        plot.push_back(self.note("follow", json!({ "peerId": a })));
        plot.push_back(self.note("follow", json!({ "peerId": b })));
        if self.generation == Generation::V013 {
            // Older nodes told a moderator when a vendor picked or dropped them.
            let v = self.pick(&self.cast.vendors.clone());
            let v = self.cast.actors[v].peer.clone();
            plot.push_back(self.note("moderatorAdd", json!({ "peerId": v })));
            plot.push_back(self.note("moderatorRemove", json!({ "peerId": v })));
        }
        plot.push_back(self.note("unfollow", json!({ "peerId": a })));
        plot
    }

    /// The desktop app refreshing: async moderator, profile and rating look-ups.
    fn desktop_lookups(&mut self) -> Plot {
        let (mods, profiles, ratings) = (
            b58(&mut self.rng, 22),
            b58(&mut self.rng, 22),
            b58(&mut self.rng, 22),
        );
        let moderator = self.cast.moderator;
        let vendor = self.pick(&self.cast.vendors.clone());
        let other_mod = self.cast.strangers[0].clone();
        let lost = self.cast.strangers[1].clone();
        let mut plot = Plot::new();
        plot.push_back(step(
            json!({"id": mods, "peerId": self.cast.actors[moderator].peer}),
        ));
        plot.push_back(step(json!({"id": mods, "peerId": other_mod})));
        let profile = self.profile(vendor);
        plot.push_back(step(
            json!({"id": profiles, "peerId": self.cast.actors[vendor].peer, "profile": profile}),
        ));
        plot.push_back(step(
            json!({"error": "not found", "id": profiles, "peerID": lost}),
        ));
        let rating_id = qm(&mut self.rng);
        let rating = self.rating(vendor);
        plot.push_back(step(
            json!({"id": ratings, "rating": rating, "ratingId": rating_id}),
        ));
        let missing = qm(&mut self.rng);
        plot.push_back(step(
            json!({"error": "not Found", "id": ratings, "ratingId": missing}),
        ));
        plot
    }

    fn chat(&mut self) -> Plot {
        const LINES: &[&str] = &[
            "Hi! Is the scarf still available in grey?",
            "Do you ship to Japan? 日本への発送は可能ですか？",
            "Love your shop &amp; the new patterns 🧶",
            "Could you do a custom order, 2 mugs with &#39;café&#39; on them?",
        ];
        let buyer = self.pick(&self.cast.buyers.clone());
        let text = LINES[self.rng.usize(..LINES.len())];
        let mut plot = Plot::new();
        plot.push_back(self.typing(buyer, ""));
        plot.push_back(self.chat_line(buyer, "", text));
        plot.push_back(self.read_receipt(buyer, ""));
        if self.rng.bool() {
            plot.push_back(self.reply_line(buyer, "", "Thanks for writing! Yes, it is."));
        }
        plot
    }

    fn profile(&mut self, who: usize) -> Value {
        let a = &self.cast.actors[who];
        let sizes = ["large", "medium", "original", "small", "tiny"];
        let avatar: Map<String, Value> = sizes
            .iter()
            .zip(&a.avatar)
            .map(|(k, h)| (k.to_string(), Value::from(h.clone())))
            .collect();
        let mut p = json!({
            "about": a.about, "avatarHashes": avatar,
            "bitcoinPubkey": format!("02{}", hex(&mut self.rng, 64)),
            "colors": {"highlight": "#2BAD23", "highlightText": "#252525", "primary": "#FFFFFF",
                       "secondary": "#ECEEF2", "text": "#252525"},
            "contactInfo": {"email": "", "phoneNumber": "", "social": [], "website": ""},
            "currencies": ["BTC", "BCH", "LTC", "ZEC"],
            "handle": a.handle, "lastModified": "2020-11-02T09:41:12.519311Z",
            "location": a.location, "moderator": who == self.cast.moderator, "name": a.name,
            "nsfw": false, "peerID": a.peer, "shortDescription": "",
            "stats": {"averageRating": 4.5, "followerCount": 12 + self.rng.u32(..300),
                      "followingCount": self.rng.u32(..40), "listingCount": 3 + self.rng.u32(..30),
                      "postCount": 0, "ratingCount": self.rng.u32(..90)},
            "vendor": true,
        });
        if self.generation == Generation::V014 {
            p["currencies"].as_array_mut().unwrap().push("ETH".into());
        }
        p
    }

    fn rating(&mut self, vendor: usize) -> Value {
        let listing = self
            .cast
            .listings
            .iter()
            .position(|l| l.vendor == vendor)
            .unwrap_or(4);
        let l = &self.cast.listings[listing];
        let v = &self.cast.actors[vendor];
        let stars = 4 + self.rng.u32(..2);
        json!({
            "ratingData": {
                "buyerName": "alice", "customerService": stars, "deliverySpeed": 4,
                "description": 5, "overall": stars, "quality": 5,
                "ratingKey": "A0dmk0mqE3BkjgvdaaInGyhRSGlzsyIE9VLb+NrNvmta",
                "review": "Great &#39;seller&#39;, fast shipping. Would buy again!",
                "timestamp": "2020-11-14T18:22:05Z",
                "vendorID": {"handle": v.handle, "peerID": v.peer,
                             "pubkeys": {"bitcoin": "Ax9QhWOiPJd3Q3sYFd3mJgxCkBAf9ZkUXUzd0nl0N1Lv",
                                         "identity": "CAESIKLNAXRXeOA+V7mDi3+KaBcSLmo+vTZXJtfiDX6ILkTS"}},
                "vendorSig": {"metadata": {"listingSlug": l.slug, "listingTitle": l.title,
                                           "ratingKey": "A0dmk0mqE3BkjgvdaaInGyhRSGlzsyIE9VLb+NrNvmta",
                                           "thumbnail": {"large": l.small, "medium": l.small,
                                                         "original": l.small, "small": l.small,
                                                         "tiny": l.tiny}},
                              "signature": "MEUCIQDl2m3z0nZ8Q9jQ5x3bJ2yB8Yx0r5y8v1Rk0b8dX3m6yQIgSAtdQ=="},
            },
            "signature": "c2lnbmVkIGJ5IHRoZSBidXllcg==",
        })
    }
}

impl Iterator for Story {
    type Item = Beat;

    fn next(&mut self) -> Option<Beat> {
        let at = self.clock + Duration::from_secs_f64(self.gap());
        if self.next_tick <= at {
            let t = self.next_tick;
            self.next_tick += TICK;
            self.clock = t;
            return Some(self.wallet_tick(t));
        }
        self.clock = at;
        let step = self.pick_step();
        if let Some(m) = step.delta {
            if let Some(p) = self.purses.iter_mut().find(|p| p.coin == m.coin) {
                if m.amount < 0 {
                    // A spend: set aside when the purchase was planned.
                    p.confirmed += m.amount;
                    p.reserved += m.amount;
                } else {
                    p.unconfirmed += m.amount;
                }
            }
        }
        Some(Beat {
            at,
            frame: step.frame,
            silent: step.silent,
            order: step.order,
        })
    }
}

fn step(frame: Value) -> Step {
    Step {
        frame,
        delta: None,
        silent: false,
        order: None,
    }
}

fn take(plots: &mut Vec<Plot>, i: usize) -> Step {
    let s = plots[i].pop_front().expect("plots are never empty");
    if plots[i].is_empty() {
        plots.remove(i);
    }
    s
}

fn coin_index(coin: Coin) -> usize {
    match coin {
        Coin::Bch => 0,
        Coin::Btc => 1,
        Coin::Eth => 2,
        Coin::Ltc => 3,
        Coin::Zec => 4,
    }
}
