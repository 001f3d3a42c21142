//! What obtail says about reading the lists: a list it could not read, rows that were no
//! orders, and how often the lists were read (for `--stats`).

use std::collections::HashMap;
use std::io::Write;

use super::fetch::Failed;
use super::print::{warn, Printer};
use super::state::Role;
use crate::exit::Failure;

/// A warning about a list that could not be read, in words that say what it means.
pub fn list_failed(node: &str, role: Role, f: &Failed) -> String {
    match f {
        Failed::Missing(why) => format!(
            "{node}: no /ob/{} on this node ({why}): its {} are not shown",
            role.list(),
            role.list()
        ),
        other => format!("{node}: cannot read its {}: {}", role.list(), other.words()),
    }
}

/// What was said of lists that could not be read, so that a failure is said once until the
/// list, or its node, answers again.
#[derive(Debug, Default)]
pub struct Failures {
    /// Per node, per list (`None`: all of the node's lists), what was said.
    said: HashMap<(usize, Option<Role>), String>,
}

impl Failures {
    /// The warnings that one read's failures call for. Refused credentials end obtail (exit
    /// 3), as when tailing. A node out of reach, or whose lists all failed alike, is one
    /// warning for all its lists until it answers again, whichever list (or a search for one
    /// order's row) found it out and however the reason changes while it restarts (refused,
    /// then reset); anything else is said once per list and reason.
    pub fn of(
        &mut self,
        node: usize,
        label: &str,
        failed: &[(Role, &Failed)],
    ) -> Result<Vec<String>, Failure> {
        if let Some((_, Failed::Refused(why))) =
            failed.iter().find(|(_, f)| matches!(f, Failed::Refused(_)))
        {
            return Err(Failure::AuthRefused(format!("{label}: {why}")));
        }
        let alike = failed.len() > 1
            && failed
                .iter()
                .all(|(_, f)| *f == failed[0].1 && !matches!(f, Failed::Missing(_)));
        let mut words = Vec::new();
        for (role, f) in failed {
            let (key, text) = if alike || matches!(f, Failed::Unreachable(_)) {
                if self.said.contains_key(&(node, None)) {
                    continue;
                }
                let text = format!("{label}: cannot read its order lists: {}", f.words());
                ((node, None), text)
            } else {
                ((node, Some(*role)), list_failed(label, *role, f))
            };
            if self.said.get(&key) != Some(&text) {
                words.push(text.clone());
                self.said.insert(key, text);
            }
        }
        Ok(words)
    }

    /// A list of the node answered: it, and the node, are no longer failing.
    pub fn answered(&mut self, node: usize, role: Role) {
        self.said.remove(&(node, Some(role)));
        self.said.remove(&(node, None));
    }
}

/// Rows of a list that were not orders at all are said, not silently dropped.
pub fn unreadable(node: &str, role: Role, n: usize) {
    if n > 0 {
        warn(&format!(
            "{node}: {n} row{} of its {} had no id and {} left out",
            if n == 1 { "" } else { "s" },
            role.list(),
            if n == 1 { "is" } else { "are" }
        ));
    }
}

/// How often the lists were read, for `--stats`.
#[derive(Debug, Default)]
pub struct Reads {
    /// Whole lists read.
    pub lists: u64,
    /// Searches for the rows of orders a notification named.
    pub searches: u64,
    /// Rows read in all.
    pub rows: u64,
}

impl Reads {
    pub fn print(&self, format: Option<crate::cli::StatsFormat>, p: &Printer) {
        let text = match format {
            None => return,
            Some(crate::cli::StatsFormat::Table) => format!(
                "obtail: orders: {} list reads, {} order searches, {} rows read; {} orders and \
                 {} changes printed\n",
                self.lists, self.searches, self.rows, p.orders, p.changes
            ),
            Some(crate::cli::StatsFormat::Json) => format!(
                "{{\"orders\":{{\"lists\":{},\"searches\":{},\"rows\":{},\"printed\":{},\
                 \"changes\":{}}}}}\n",
                self.lists, self.searches, self.rows, p.orders, p.changes
            ),
        };
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_going_down_and_coming_back_is_said_once_per_outage() {
        let mut f = Failures::default();
        let refused = Failed::Unreachable("connection refused".into());
        let reset = Failed::Unreachable("connection reset".into());
        let all: Vec<(Role, &Failed)> = Role::ALL.iter().map(|r| (*r, &refused)).collect();
        let said = f.of(0, "n", &all).unwrap();
        assert_eq!(said, ["n: cannot read its order lists: connection refused"]);
        // A search for one row, then a poll with another reason, in the same outage.
        assert!(f.of(0, "n", &[(Role::Sale, &refused)]).unwrap().is_empty());
        assert!(f
            .of(0, "n", &[(Role::Purchase, &reset)])
            .unwrap()
            .is_empty());
        // Another node is another outage.
        assert_eq!(f.of(1, "m", &[(Role::Case, &reset)]).unwrap().len(), 1);
        // Once the node answers, a new outage is said again.
        f.answered(0, Role::Sale);
        assert_eq!(f.of(0, "n", &[(Role::Sale, &reset)]).unwrap().len(), 1);
    }

    #[test]
    fn a_list_that_fails_on_its_own_is_said_per_list_and_reason() {
        let mut f = Failures::default();
        let bad = Failed::Bad("HTTP 500".into());
        let said = f.of(0, "n", &[(Role::Case, &bad)]).unwrap();
        assert_eq!(said, ["n: cannot read its cases: HTTP 500"]);
        assert!(f.of(0, "n", &[(Role::Case, &bad)]).unwrap().is_empty());
        let other = Failed::Bad("HTTP 502".into());
        assert_eq!(f.of(0, "n", &[(Role::Case, &other)]).unwrap().len(), 1);
        let refused = Failed::Refused("authentication refused (HTTP 401)".into());
        assert!(matches!(
            f.of(0, "n", &[(Role::Sale, &refused)]),
            Err(Failure::AuthRefused(_))
        ));
    }
}
