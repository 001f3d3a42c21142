//! While watching, each node's lists are read on a thread of its own, so a node whose REST
//! API hangs never holds up the socket or the other nodes. The watcher asks (the whole lists,
//! or the rows of some orders) and takes what was read when it is ready; asks made while a
//! read is under way are joined into the next one, and the whole lists cover every order.

use std::collections::BTreeSet;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use super::fetch::{self, Failed};
use super::row::Listed;
use super::state::Role;
use crate::live::Target;

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// The three lists, whole.
    Lists,
    /// The rows of these orders (ids a notification named).
    Rows(BTreeSet<String>),
}

/// What one read found on one node.
pub struct Read {
    pub node: usize,
    /// The lists were read whole (else only some rows).
    pub whole: bool,
    pub lists: Vec<(Role, Result<Listed, Failed>)>,
}

/// The reading threads, one per node.
pub struct Readers {
    asks: Vec<Sender<Ask>>,
    pub reads: Receiver<Read>,
}

impl Readers {
    pub fn spawn(targets: &[Target], timeout: Duration) -> Readers {
        let (tx, reads) = mpsc::channel();
        let asks = targets
            .iter()
            .enumerate()
            .map(|(node, t)| {
                let (ask, asked) = mpsc::channel();
                let (t, tx) = (t.clone(), tx.clone());
                let _ = std::thread::Builder::new()
                    .name(format!("orders {}", t.shown))
                    .spawn(move || serve(node, &t, timeout, &asked, &tx));
                ask
            })
            .collect();
        Readers { asks, reads }
    }

    pub fn ask(&self, node: usize, ask: Ask) {
        if let Some(tx) = self.asks.get(node) {
            let _ = tx.send(ask);
        }
    }

    pub fn ask_all(&self, ask: &Ask) {
        for node in 0..self.asks.len() {
            self.ask(node, ask.clone());
        }
    }
}

/// One node's thread: reads what is asked until the watcher goes away.
fn serve(node: usize, t: &Target, timeout: Duration, asked: &Receiver<Ask>, tx: &Sender<Read>) {
    // Lists the node does not have (404): not asked for again.
    let mut missing: Vec<Role> = Vec::new();
    while let Ok(first) = asked.recv() {
        let ask = asked.try_iter().fold(first, join);
        let roles = Role::ALL.into_iter().filter(|r| !missing.contains(r));
        let lists: Vec<(Role, Result<Listed, Failed>)> = match &ask {
            Ask::Lists => roles.map(|r| (r, fetch::list(t, r, timeout))).collect(),
            Ask::Rows(ids) => roles.map(|r| (r, found(t, r, ids, timeout))).collect(),
        };
        for (role, read) in &lists {
            if matches!(read, Err(Failed::Missing(_))) {
                missing.push(*role);
            }
        }
        let whole = ask == Ask::Lists;
        if tx.send(Read { node, whole, lists }).is_err() {
            return;
        }
    }
}

/// Two asks as one: the whole lists cover any rows.
fn join(a: Ask, b: Ask) -> Ask {
    match (a, b) {
        (Ask::Rows(mut x), Ask::Rows(y)) => {
            x.extend(y);
            Ask::Rows(x)
        }
        _ => Ask::Lists,
    }
}

/// The rows of these orders in one list; the first failure ends the search.
fn found(
    t: &Target,
    role: Role,
    ids: &BTreeSet<String>,
    timeout: Duration,
) -> Result<Listed, Failed> {
    let mut all = Listed::default();
    for id in ids {
        let one = fetch::rows(t, role, id, timeout)?;
        all.rows.extend(one.rows);
        all.unreadable += one.unreadable;
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_join_and_the_lists_cover_all() {
        let rows = |ids: &[&str]| Ask::Rows(ids.iter().map(|s| s.to_string()).collect());
        assert_eq!(join(rows(&["a"]), rows(&["b"])), rows(&["a", "b"]));
        assert_eq!(join(rows(&["a"]), Ask::Lists), Ask::Lists);
        assert_eq!(join(Ask::Lists, rows(&["a"])), Ask::Lists);
    }
}
