//! The sim's own controls, for tests and scripts, under a path no real node serves, behind
//! the node's auth: faults on demand, and what the node stored, sent and was asked.

use std::io::{self, Write};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::book_control;
use super::faults::Fault;
use super::http::{self, Request};
use super::node::{lock, Node};
use super::oracle;
use super::query::Query;

pub const PREFIX: &str = "/obtail-sim/";

/// Hostile chat messages one request may ask for.
const MAX_HOSTILE: usize = 10_000;

pub(super) fn answer(node: &Arc<Node>, io: &mut impl Write, req: &Request) -> io::Result<()> {
    if !http::authorized(&node.auth, req) {
        return http::respond_forbidden(io);
    }
    let query = Query::parse(&req.query);
    let what = req.path.trim_start_matches(PREFIX);
    let reading = matches!(what, "store" | "sent" | "requests");
    let wanted = if reading { "GET" } else { "POST" };
    if req.method != wanted {
        let known = reading
            || matches!(
                what,
                "stall"
                    | "resume"
                    | "restart"
                    | "rest-fault"
                    | "partition"
                    | "drop"
                    | "hostile-chat"
                    | "order"
                    | "move"
                    | "order-chat"
            );
        if known {
            return http::respond_text(
                io,
                "405 Method Not Allowed",
                format!("use {wanted}\n").as_bytes(),
            );
        }
    }
    match act(node, what, &query) {
        Ok(Answer::Text(t)) => http::respond_text(io, "200 OK", t.as_bytes()),
        Ok(Answer::Json(j)) => http::respond_own_json(io, &j),
        Err(Refusal::Bad(e)) => {
            http::respond_text(io, "400 Bad Request", format!("{e}\n").as_bytes())
        }
        Err(Refusal::Unknown) => http::respond_text(io, "404 Not Found", b"404 page not found\n"),
    }
}

enum Answer {
    Text(String),
    Json(String),
}

enum Refusal {
    Bad(String),
    Unknown,
}

fn act(node: &Arc<Node>, what: &str, query: &Query) -> Result<Answer, Refusal> {
    let text = |t: &str| Ok(Answer::Text(format!("{t}\n")));
    match what {
        "stall" => {
            node.state.stall(duration(query, "for")?);
            text("stalled")
        }
        "resume" => {
            node.state.resume();
            text("resumed")
        }
        "restart" => {
            let n = node.clone();
            thread::spawn(move || n.restart());
            text("restarting")
        }
        "rest-fault" => {
            let mode = query.get("mode").unwrap_or_default();
            let fault = Fault::parse(mode).map_err(Refusal::Bad)?;
            node.state.set_fault(fault, duration(query, "for")?);
            text(if fault.is_some() { "faulty" } else { "healthy" })
        }
        "partition" => {
            let length = duration(query, "for")?
                .ok_or_else(|| Refusal::Bad("for: want a duration, e.g. 10s".into()))?;
            node.partition(length);
            text("partitioned")
        }
        "drop" => {
            node.hub.drop_all();
            text("dropped")
        }
        "hostile-chat" => {
            let n = match query.get("n").filter(|v| !v.is_empty()) {
                None => 8,
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n <= MAX_HOSTILE)
                    .ok_or_else(|| Refusal::Bad(format!("n: want a count up to {MAX_HOSTILE}")))?,
            };
            node.hostile_chat(n);
            text(&format!("sent {n}"))
        }
        "order" => book(book_control::open(node, query)),
        "move" => book(book_control::move_order(node, query)),
        "order-chat" => book(book_control::chat(node, query)),
        "store" => Ok(Answer::Json(lock(&node.store).oracle().to_string())),
        "sent" => Ok(Answer::Json(oracle::sent_json(&lock(&node.hub.sent)))),
        "requests" => Ok(Answer::Json(oracle::requests_json(&lock(&node.requests)))),
        _ => Err(Refusal::Unknown),
    }
}

/// An order control's answer: its text, or why it was refused.
fn book(result: Result<String, String>) -> Result<Answer, Refusal> {
    result
        .map(|t| Answer::Text(format!("{t}\n")))
        .map_err(Refusal::Bad)
}

/// An optional duration parameter; absent or empty is `None`.
fn duration(query: &Query, key: &str) -> Result<Option<Duration>, Refusal> {
    match query.get(key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => crate::units::parse_duration(v)
            .map(Some)
            .map_err(|e| Refusal::Bad(format!("{key}: {e}"))),
    }
}
