//! Reading the lists over REST, with the socket's TCP, TLS and credentials (`live::rest`):
//! a whole list, or the rows of one order found by its id (`?search=`). Nothing else is ever
//! asked: not `/ob/order/<id>` nor `/ob/case/<id>`, which mark an order read.

use std::time::Duration;

use super::row::{self, Listed};
use super::state::Role;
use crate::live::recover::is_node_id;
use crate::live::rest::get_status;
use crate::live::Target;

/// Why a list could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    /// The node has no such endpoint (HTTP 404 or 405): too old a node.
    Missing(String),
    /// The node refused the credentials.
    Refused(String),
    /// No answer at all (refused connection, unknown host, TLS, timeout).
    Unreachable(String),
    /// Another status, or an answer that is not a list.
    Bad(String),
}

impl Failed {
    pub fn words(&self) -> &str {
        match self {
            Failed::Missing(w) | Failed::Refused(w) | Failed::Unreachable(w) | Failed::Bad(w) => w,
        }
    }
}

/// A whole list, every row (`limit` is -1 by default on the GET form).
pub fn list(t: &Target, role: Role, timeout: Duration) -> Result<Listed, Failed> {
    read(t, &format!("/ob/{}", role.list()), role, timeout)
}

/// The rows of one order: the list searched for its id, which the node matches in its id
/// column among others, so only rows of exactly that id are kept. Only an id made of base58
/// characters is ever sent (the node pastes `search` into its SQL).
pub fn rows(t: &Target, role: Role, id: &str, timeout: Duration) -> Result<Listed, Failed> {
    if !is_node_id(id) {
        return Ok(Listed::default());
    }
    let mut found = read(
        t,
        &format!("/ob/{}?search={id}", role.list()),
        role,
        timeout,
    )?;
    found.rows.retain(|r| r.id == id);
    Ok(found)
}

fn read(t: &Target, path: &str, role: Role, timeout: Duration) -> Result<Listed, Failed> {
    let answer = get_status(t, path, timeout).map_err(|(status, why)| match status {
        None => Failed::Unreachable(why),
        Some(401 | 403) => Failed::Refused(why),
        Some(404 | 405) => Failed::Missing(why),
        Some(_) => Failed::Bad(why),
    })?;
    row::parse(&answer.body, role).map_err(|e| Failed::Bad(crate::sanitize::escape(&e)))
}
