//! `obtail orders`: a board of every order that is not final, who must act next and by when,
//! read from the node's own lists (`GET /ob/sales`, `/ob/purchases`, `/ob/cases`) and kept
//! current, with `--watch`, from the socket's notifications and a periodic re-read.
//!
//! From the bottom up: `state` (roles and the node's states), `row` (a list's rows, read from
//! a stranger's bytes), `steps` (orders.md §4 and §5 as data), `assess` (a row's next step and
//! deadline at a moment), `board` (what was read, and what changed), `object` and `line` (the
//! two ways an order is written); then what does I/O: `fetch` (one list over REST), `reader`
//! (a thread per node that reads what the watcher asks), `trigger` (the orders a socket frame
//! names), `print` (the output), `books` (what is said of the reads), `watch` (the live loop) and
//! `run` (the command).
//!
//! Read-only, always: obtail never asks for `/ob/order/<id>` or `/ob/case/<id>`, which mark
//! an order read on the node; what only those could tell is said to be unknown.

pub mod assess;
pub mod board;
mod books;
pub mod fetch;
pub mod line;
pub mod object;
pub mod print;
pub mod reader;
pub mod row;
mod run;
pub mod settings;
pub mod state;
pub mod steps;
pub mod trigger;
mod watch;

pub use run::run;
