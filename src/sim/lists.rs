//! `GET /ob/sales`, `/ob/purchases`, `/ob/cases` (and their POST form): the order book's rows
//! as the node lists them (orders.md §2, §10; `repo/db/query.go` filterQuery).

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::clock;
use super::orders::{Order, Role};
use super::query::{atoi, rows, Query};
use super::reply::Reply;
use super::shapes;
use super::store::Store;

/// What a list request asks for (`parseSearchTerms`, or the POST body `TransactionQuery`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub states: Vec<i64>,
    pub search: String,
    pub ascending: bool,
    pub by_read: bool,
    pub limit: i64,
    pub exclude: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    states: Vec<i64>,
    search: String,
    #[serde(rename = "sortByAscending")]
    ascending: bool,
    #[serde(rename = "sortByRead")]
    by_read: bool,
    limit: i64,
    exclude: Vec<String>,
}

impl ListQuery {
    /// The GET form: `limit` (default -1), `state` (comma list of integers), `search`,
    /// `sortBy` (`data-asc`, `read`, any case).
    pub fn from_url(q: &Query) -> Result<ListQuery, String> {
        let limit = q.limit()?;
        let states = q
            .get("state")
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(atoi)
            .collect::<Result<_, _>>()?;
        let sort: Vec<String> = q
            .get("sortBy")
            .unwrap_or_default()
            .split(',')
            .map(str::to_lowercase)
            .collect();
        Ok(ListQuery {
            states,
            search: q.get("search").unwrap_or_default().to_string(),
            ascending: sort.iter().any(|t| t == "data-asc"),
            by_read: sort.iter().any(|t| t == "read"),
            limit,
            exclude: Vec::new(),
        })
    }

    /// The POST form's JSON body; `limit` defaults to 0 there (no rows).
    pub fn from_body(body: &[u8]) -> Result<ListQuery, String> {
        // Go's decoder reads one value and ignores what follows it.
        let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Body>();
        match values.next() {
            Some(Ok(b)) => Ok(ListQuery {
                states: b.states,
                search: b.search,
                ascending: b.ascending,
                by_read: b.by_read,
                limit: b.limit,
                exclude: b.exclude,
            }),
            Some(Err(e)) => Err(go_json_error(&e, body)),
            None => Err("EOF".into()),
        }
    }
}

/// Go's `encoding/json` words for the syntax errors a hand-written body makes.
fn go_json_error(e: &serde_json::Error, body: &[u8]) -> String {
    if e.is_eof() {
        return "unexpected EOF".into();
    }
    if !e.is_syntax() {
        return format!(
            "json: cannot unmarshal the body into Go value of type api.TransactionQuery ({e})"
        );
    }
    let line_start: usize = body
        .split(|&b| b == b'\n')
        .take(e.line().saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    let at = line_start + e.column().saturating_sub(1);
    let c = body.get(at).map_or('?', |&b| b as char);
    let text = e.to_string();
    let after = if text.starts_with("key must be a string") {
        "looking for beginning of object key string"
    } else if text.starts_with("expected `:`") {
        "after object key"
    } else if text.starts_with("expected `,` or `}`") {
        "after object key:value pair"
    } else if text.starts_with("expected `,` or `]`") {
        "after array element"
    } else {
        "looking for beginning of value"
    };
    format!("invalid character '{c}' {after}")
}

/// SQLite's `LIKE`: `%` is any run, `_` any one character, ASCII letters in either case.
fn like(pattern: &[char], text: &[char]) -> bool {
    let same = |p: char, t: char| p == '_' || p.eq_ignore_ascii_case(&t);
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '%' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && same(pattern[p], text[t]) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '%')
}

/// The columns a search looks through, concatenated as the statement concatenates them.
fn searched(o: &Order) -> String {
    let total = o.total.amount.to_string();
    let fields: Vec<&str> = match o.role {
        Role::Case => vec![&o.id, "", &o.claim],
        Role::Sale | Role::Purchase => {
            let other = if o.role == Role::Sale {
                &o.buyer
            } else {
                &o.vendor
            };
            vec![
                &o.id,
                "",
                &total,
                &o.title,
                &o.thumbnail,
                &other.id,
                &other.handle,
                &o.shipping_name,
                &o.shipping_address,
                &o.payment_address,
            ]
        }
    };
    // The second column is the timestamp, stored as an integer.
    let mut text = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i == 1 {
            text.push_str(&o.created.to_string());
        }
        text.push_str(f);
    }
    text
}

/// One list's answer.
pub fn answer(store: &Store, role: Role, q: &ListQuery) -> Reply {
    let pattern: Vec<char> = format!("%{}%", q.search).chars().collect();
    let matching: Vec<&Order> = store
        .orders
        .list(role)
        .filter(|o| q.states.is_empty() || q.states.contains(&o.state.number()))
        .filter(|o| q.search.is_empty() || like(&pattern, &searched(o).chars().collect::<Vec<_>>()))
        .collect();
    // The count ignores `exclude` and `limit` (sales.go).
    let count = matching.len();
    let mut found: Vec<&Order> = matching
        .into_iter()
        .filter(|o| !q.exclude.contains(&o.id))
        .collect();
    // `order by [read asc,] timestamp desc|asc`, with no tie-break: newest stored first.
    if !q.ascending {
        found.reverse();
    }
    found.sort_by_key(|o| {
        let t = if q.ascending { o.created } else { -o.created };
        (q.by_read && o.read, t)
    });
    let list: Vec<Value> = found
        .into_iter()
        .take(rows(q.limit))
        .map(|o| row(store, o))
        .collect();
    let mut out = Map::new();
    out.insert("queryCount".into(), count.into());
    // No rows is a nil slice, which the sanitizer drops with every `null` member.
    if !list.is_empty() {
        out.insert(role.list().into(), Value::Array(list));
    }
    Reply::sanitized(Value::Object(out))
}

/// A `repo.Sale`, `repo.Purchase` or `repo.Case`, raw.
fn row(store: &Store, o: &Order) -> Value {
    let mut r = json!({
        "coinType": "", "paymentCoin": o.total.coin.code(), "read": o.read,
        "slug": o.slug, "state": o.state.name(), "thumbnail": o.thumbnail,
        "timestamp": clock::local_secs(o.created), "title": o.title,
        "total": shapes::currency_value(o.total),
        "unreadChatMessages": store.unread_chat(&o.id),
    });
    let m = r.as_object_mut().expect("object literal");
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    let (buyer, vendor) = (&o.buyer, &o.vendor);
    match o.role {
        Role::Sale | Role::Purchase => {
            put("orderId", o.id.clone().into());
            put("moderated", o.moderated.into());
            put("shippingName", o.shipping_name.clone().into());
            put("shippingAddress", o.shipping_address.clone().into());
        }
        Role::Case => {
            put("caseId", o.id.clone().into());
            put("buyerOpened", o.buyer_opened.into());
        }
    }
    if o.role != Role::Purchase {
        put("buyerId", buyer.id.clone().into());
        put("buyerHandle", buyer.handle.clone().into());
    }
    if o.role != Role::Sale {
        put("vendorId", vendor.id.clone().into());
        put("vendorHandle", vendor.handle.clone().into());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn like_matches_as_sqlite() {
        let m = |p: &str, t: &str| like(&chars(p), &chars(t));
        assert!(m("%bob%", "Bob Buyer"));
        assert!(m("%b_b%", "xBOBx"));
        assert!(m("%%", ""));
        assert!(!m("%zzz%", "Bob"));
        assert!(m("%é%", "café"));
        assert!(!m("%É%", "café"), "only ASCII letters fold");
        assert!(m("a%c", "abbbc") && !m("a%c", "abbbd"));
    }

    #[test]
    fn queries_read_as_the_node_reads_them() {
        let q =
            ListQuery::from_url(&Query::parse("state=3,,5&sortBy=READ,Data-Asc&limit=2")).unwrap();
        assert_eq!(
            q,
            ListQuery {
                states: vec![3, 5],
                ascending: true,
                by_read: true,
                limit: 2,
                ..ListQuery::default()
            }
        );
        assert_eq!(
            ListQuery::from_url(&Query::parse("state=x")).unwrap_err(),
            "strconv.Atoi: parsing 'x': invalid syntax"
        );
        assert_eq!(ListQuery::from_url(&Query::parse("")).unwrap().limit, -1);
        assert_eq!(ListQuery::from_body(b"{}").unwrap().limit, 0);
        assert_eq!(
            ListQuery::from_body(b"{bad").unwrap_err(),
            "invalid character 'b' looking for beginning of object key string"
        );
        assert_eq!(ListQuery::from_body(b"").unwrap_err(), "EOF");
        let b = ListQuery::from_body(br#"{"limit":-1,"exclude":["A"],"sortByAscending":true} x"#)
            .unwrap();
        assert_eq!(
            (b.limit, b.exclude, b.ascending),
            (-1, vec!["A".into()], true)
        );
    }
}
