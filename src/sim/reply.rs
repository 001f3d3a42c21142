//! A REST answer and its bytes on the wire, as the node's Go server writes them.

use serde_json::Value;

use super::{html, shapes};

/// Go's `net/http` buffers this much of an answer; a handler that writes more before it
/// returns gets a chunked answer with no `Content-Length` (orders.md §10).
pub const BUFFERED: usize = 2048;

/// What a handler answers: status line text and a JSON body.
pub struct Reply {
    pub status: &'static str,
    pub body: String,
}

impl Reply {
    pub fn ok(body: String) -> Reply {
        Reply {
            status: "200 OK",
            body,
        }
    }

    /// The node's `ErrorResponse`: indented, fields in struct order, `"` turned into `'`.
    pub fn error(status: &'static str, reason: &str) -> Reply {
        let reason = reason.replace('"', "'");
        let body = format!(
            "{{\n    \"success\": false,\n    \"reason\": {}\n}}",
            serde_json::to_string(&reason).unwrap_or_default()
        );
        Reply { status, body }
    }

    pub fn not_found() -> Reply {
        Reply::error("404 Not Found", "Not Found")
    }

    /// `SanitizedResponse` of a value holding raw text: every string escaped, then written
    /// indented with sorted keys.
    pub fn sanitized(mut raw: Value) -> Reply {
        html::sanitize(&mut raw);
        Reply::ok(shapes::render(&raw))
    }

    /// The whole answer: status line, the node's headers in its order, the body (chunked when
    /// it is larger than Go buffers; none for a HEAD request).
    pub fn to_bytes(&self, date: &str, head_only: bool) -> Vec<u8> {
        let chunked = self.body.len() > BUFFERED;
        let length = if chunked {
            "Transfer-Encoding: chunked".to_string()
        } else {
            format!("Content-Length: {}", self.body.len())
        };
        let mut out = format!(
            "HTTP/1.1 {}\r\nContent-Type: application/json\r\nDate: {date}\r\n{length}\r\n\r\n",
            self.status
        )
        .into_bytes();
        if head_only {
            return out;
        }
        if chunked {
            out.extend_from_slice(format!("{:x}\r\n", self.body.len()).as_bytes());
            out.extend_from_slice(self.body.as_bytes());
            out.extend_from_slice(b"\r\n0\r\n\r\n");
        } else {
            out.extend_from_slice(self.body.as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_answers_are_chunked_as_go_chunks_them() {
        let small = Reply::ok("x".repeat(BUFFERED)).to_bytes("D", false);
        let small = String::from_utf8(small).unwrap();
        assert!(
            small.contains("\r\nContent-Length: 2048\r\n\r\nxx"),
            "{small}"
        );
        let big = Reply::ok("y".repeat(BUFFERED + 1)).to_bytes("D", false);
        let big = String::from_utf8(big).unwrap();
        assert!(
            big.starts_with(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: D\r\n\
                 Transfer-Encoding: chunked\r\n\r\n801\r\nyy"
            ),
            "{big}"
        );
        assert!(big.ends_with("yy\r\n0\r\n\r\n"));
        assert!(!big.contains("Content-Length"));
        let head = Reply::ok("z".repeat(5000)).to_bytes("D", true);
        assert!(head.ends_with(b"chunked\r\n\r\n"));
    }
}
