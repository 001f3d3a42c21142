//! The environment as obtail reads it: variables and which streams are terminals, read once
//! at start, so that tests can build one by hand.

use std::io::IsTerminal;

/// The environment as obtail reads it; tests build one by hand.
#[derive(Debug, Default, Clone)]
pub struct Env {
    pub vars: Vec<(String, String)>,
    pub stdout_terminal: bool,
    pub stderr_terminal: bool,
    pub stdin_terminal: bool,
    /// The width of the terminal stdout writes to, when it is one.
    pub stdout_columns: Option<usize>,
}

impl Env {
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars().collect(),
            stdout_terminal: std::io::stdout().is_terminal(),
            stderr_terminal: std::io::stderr().is_terminal(),
            stdin_terminal: std::io::stdin().is_terminal(),
            stdout_columns: crate::resize::measure(),
        }
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
