//! What obtail says about reading the lists: a list it could not read, rows that were no
//! orders, and how often the lists were read (for `--stats`).

use std::io::Write;

use super::fetch::Failed;
use super::print::{warn, Printer};
use super::state::Role;

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
