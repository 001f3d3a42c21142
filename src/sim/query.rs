//! A request's query string and its numbers, read as the node's Go code reads them.

/// A request's query string, read as Go's `r.URL.Query().Get` does.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Query {
        Query(
            raw.split(['&', ';'])
                .filter(|p| !p.is_empty())
                .filter_map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    Some((unescape(k)?, unescape(v)?))
                })
                .collect(),
        )
    }

    /// The first value of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `limit` as the handlers read it: absent or empty is -1 (all: SQLite's `LIMIT -1`), and
    /// anything `strconv.Atoi` refuses is an error in its words.
    pub fn limit(&self) -> Result<i64, String> {
        match self.get("limit") {
            None | Some("") => Ok(-1),
            Some(t) => atoi(t),
        }
    }
}

/// How many rows a SQL `LIMIT n` lets through: a negative limit is no limit.
pub fn rows(limit: i64) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

/// Go's `strconv.Atoi`, with its error text (quotes as `ErrorResponse` turns them).
pub fn atoi(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing '{text}': invalid syntax"));
    }
    text.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing '{text}': value out of range"))
}

/// Go's `url.QueryUnescape`: `+` is a space; a bad `%` escape drops the pair.
fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
                let (h, l) = (hex(b.get(i + 1))?, hex(b.get(i + 2))?);
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_queries_and_numbers_as_go() {
        let q = Query::parse("a=1&b=x%27y+z&bad=%zz&a=2&limit=-7");
        assert_eq!(q.get("a"), Some("1"));
        assert_eq!(q.get("b"), Some("x'y z"));
        assert_eq!(q.get("bad"), None);
        assert_eq!(q.limit(), Ok(-7));
        assert_eq!(rows(-7), usize::MAX);
        assert_eq!(rows(3), 3);
        assert_eq!(atoi("+12"), Ok(12));
        assert_eq!(
            atoi("abc").unwrap_err(),
            "strconv.Atoi: parsing 'abc': invalid syntax"
        );
        assert!(atoi("99999999999999999999")
            .unwrap_err()
            .ends_with("value out of range"));
        assert_eq!(Query::parse("").limit(), Ok(-1));
        assert_eq!(Query::parse("limit=").limit(), Ok(-1));
    }
}
