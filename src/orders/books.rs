//! What obtail says about reading the lists: a list it could not read, rows that were no
//! orders, and how often the lists were read (for `--stats`).

use std::collections::HashMap;
use std::io::Write;

use super::fetch::Failed;
use super::print::{warn, Printer};
use super::row::Listed;
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
    /// The warnings one read calls for. Refused credentials end obtail (exit 3), as when
    /// tailing. When every list the read asked for failed, out of reach or all alike, the
    /// node is failing: one warning for all its lists, said once until one of them answers
    /// again, whichever read found it out (a poll, or a search for one order's row) and
    /// however the reason changes while it restarts (refused, then reset). Anything else is
    /// said once per list and reason.
    pub fn of(
        &mut self,
        node: usize,
        label: &str,
        lists: &[(Role, Result<Listed, Failed>)],
    ) -> Result<Vec<String>, Failure> {
        let mut failed = Vec::new();
        for (role, result) in lists {
            match result {
                Ok(_) => {
                    self.said.remove(&(node, Some(*role)));
                    self.said.remove(&(node, None));
                }
                Err(Failed::Refused(why)) => {
                    return Err(Failure::AuthRefused(format!("{label}: {why}")))
                }
                Err(f) => failed.push((*role, f)),
            }
        }
        let node_failing = failed.len() == lists.len()
            && failed.iter().all(|(_, f)| {
                matches!(f, Failed::Unreachable(_))
                    || (failed.len() > 1 && *f == failed[0].1 && !matches!(f, Failed::Missing(_)))
            });
        if let (true, Some((_, f))) = (node_failing, failed.first()) {
            if self.said.contains_key(&(node, None)) {
                return Ok(Vec::new());
            }
            let text = format!("{label}: cannot read its order lists: {}", f.words());
            self.said.insert((node, None), text.clone());
            return Ok(vec![text]);
        }
        let mut words = Vec::new();
        for (role, f) in failed {
            let text = list_failed(label, role, f);
            if self.said.get(&(node, Some(role))) != Some(&text) {
                words.push(text.clone());
                self.said.insert((node, Some(role)), text);
            }
        }
        Ok(words)
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

    fn failing(roles: &[Role], f: &Failed) -> Vec<(Role, Result<Listed, Failed>)> {
        roles.iter().map(|r| (*r, Err(f.clone()))).collect()
    }

    fn answering(role: Role) -> (Role, Result<Listed, Failed>) {
        let listed = Listed {
            rows: Vec::new(),
            unreadable: 0,
        };
        (role, Ok(listed))
    }

    #[test]
    fn a_node_going_down_and_coming_back_is_said_once_per_outage() {
        let mut f = Failures::default();
        let refused = Failed::Unreachable("connection refused".into());
        let reset = Failed::Unreachable("connection reset".into());
        let said = f.of(0, "n", &failing(&Role::ALL, &refused)).unwrap();
        assert_eq!(said, ["n: cannot read its order lists: connection refused"]);
        // A search for one row, then a poll with another reason, in the same outage.
        assert!(f
            .of(0, "n", &failing(&[Role::Sale], &refused))
            .unwrap()
            .is_empty());
        assert!(f
            .of(0, "n", &failing(&Role::ALL, &reset))
            .unwrap()
            .is_empty());
        // Another node is another outage.
        assert_eq!(
            f.of(1, "m", &failing(&[Role::Case], &reset)).unwrap().len(),
            1
        );
        // Once the node answers, a new outage is said again.
        assert!(f.of(0, "n", &[answering(Role::Sale)]).unwrap().is_empty());
        assert_eq!(
            f.of(0, "n", &failing(&[Role::Sale], &reset)).unwrap().len(),
            1
        );
    }

    #[test]
    fn one_list_out_of_reach_while_the_others_answer_is_said_once_for_that_list() {
        let mut f = Failures::default();
        let timeout = Failed::Unreachable("timed out".into());
        let mut said = Vec::new();
        for _ in 0..3 {
            let mut lists = vec![answering(Role::Sale), answering(Role::Purchase)];
            lists.extend(failing(&[Role::Case], &timeout));
            said.extend(f.of(0, "n", &lists).unwrap());
        }
        assert_eq!(said, ["n: cannot read its cases: timed out"]);
    }

    #[test]
    fn a_list_that_fails_on_its_own_is_said_per_list_and_reason() {
        let mut f = Failures::default();
        let bad = Failed::Bad("HTTP 500".into());
        let said = f.of(0, "n", &failing(&[Role::Case], &bad)).unwrap();
        assert_eq!(said, ["n: cannot read its cases: HTTP 500"]);
        assert!(f
            .of(0, "n", &failing(&[Role::Case], &bad))
            .unwrap()
            .is_empty());
        let other = Failed::Bad("HTTP 502".into());
        assert_eq!(
            f.of(0, "n", &failing(&[Role::Case], &other)).unwrap().len(),
            1
        );
        // Every list failing alike is the node failing.
        let mut g = Failures::default();
        let said = g.of(0, "n", &failing(&Role::ALL, &bad)).unwrap();
        assert_eq!(said, ["n: cannot read its order lists: HTTP 500"]);
        let refused = Failed::Refused("authentication refused (HTTP 401)".into());
        assert!(matches!(
            f.of(0, "n", &failing(&[Role::Sale], &refused)),
            Err(Failure::AuthRefused(_))
        ));
    }
}
