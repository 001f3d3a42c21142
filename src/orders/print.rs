//! Writing the board and its changes: which orders are shown (`--all`, `--needs-me`), in
//! which form (a pretty line, an object, or a jq program's outputs), counted for `-n`, and
//! flushed after each batch so a pipe sees a change as it happens.

use std::collections::HashSet;
use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Arc;

use super::assess::Assessed;
use super::board::{Board, Change, Entry, Key};
use super::line::{self, Layout, Shown};
use super::object;
use super::settings::Settings;
use crate::cli::Format;
use crate::exit::{Failure, Stop};
use crate::frame::Stamp;
use crate::jq::{self, FrameVars, Outcome, Program};
use crate::json::text::{write_compact, write_indented};
use crate::memory::Lookalikes;
use crate::sanitize;
use crate::sink::{stopped_by, Sink};
use crate::style::Palette;

pub struct Printer {
    format: Format,
    program: Option<Program>,
    sink: Sink,
    palette: Palette,
    pub layout: Layout,
    follow_width: bool,
    /// Each node's label (its URL or name), by index.
    labels: Vec<Arc<str>>,
    count: Option<u64>,
    printed: u64,
    needs_me: bool,
    all: bool,
    stdout_terminal: bool,
    stderr_terminal: bool,
    /// The handles of the orders' parties, first come first: one that imitates another is
    /// marked, as pretty output marks it when tailing.
    lookalikes: Lookalikes,
    /// Orders whose parties were learned.
    learned: HashSet<Key>,
    /// Orders and changes printed, for `--stats`.
    pub orders: u64,
    pub changes: u64,
}

impl Printer {
    pub fn new(s: &Settings, labels: Vec<Arc<str>>) -> Result<Printer, Failure> {
        let cfg = &s.cfg;
        let program = cfg
            .jq
            .as_ref()
            .map(|jq| Program::compile(jq, &cfg.env.vars, cfg.stderr_color))
            .transpose()?;
        let follow_width = cfg.follow_width && cfg.format == Format::Pretty;
        if follow_width {
            crate::resize::watch();
        }
        let label = (labels.len() > 1).then(|| {
            let width = |l: &Arc<str>| sanitize::escape(l).chars().count();
            labels.iter().map(width).max().unwrap_or(0)
        });
        Ok(Printer {
            format: cfg.format,
            program,
            sink: Sink::stdout(),
            palette: cfg.palette.clone(),
            layout: Layout {
                width: cfg.width,
                label,
                ..Layout::default()
            },
            follow_width,
            labels,
            count: cfg.count,
            printed: 0,
            needs_me: s.needs_me,
            all: s.all,
            stdout_terminal: cfg.stdout_terminal,
            stderr_terminal: cfg.env.stderr_terminal,
            lookalikes: Lookalikes::default(),
            learned: HashSet::new(),
            orders: 0,
            changes: 0,
        })
    }

    /// Whether an order (or a change to it) is shown: a final order only with `--all`,
    /// unless the change is the one that made it final.
    fn wants(&self, a: &Assessed, change: Option<&Change>) -> bool {
        let became_final = change.is_some_and(|c| c.kind == super::board::ChangeKind::State);
        (self.all || !a.is_final || became_final) && (!self.needs_me || a.needs_you())
    }

    /// Learns the handles of the orders' parties, the oldest order's first (the first of
    /// two look-alike handles is taken for the real one).
    fn learn<'a>(&mut self, entries: impl IntoIterator<Item = (&'a Key, &'a Entry)>) {
        let mut new: Vec<(&Key, &Entry)> = entries
            .into_iter()
            .filter(|(k, _)| !self.learned.contains(*k))
            .collect();
        new.sort_by_key(|(k, e)| (e.row.created, (*k).clone()));
        for (key, e) in new {
            self.learned.insert(key.clone());
            for party in [&e.row.buyer, &e.row.vendor] {
                let Some(handle) = &party.handle else {
                    continue;
                };
                self.lookalikes.learn_handle(handle, party.id.as_deref());
            }
        }
    }

    /// The whole board, most urgent first.
    pub fn board(&mut self, board: &Board, now: Stamp) -> Result<Option<Stop>, Failure> {
        let shown: Vec<(&Key, &Entry, Assessed)> = board
            .sorted(now)
            .into_iter()
            .filter(|(_, _, a)| self.wants(a, None))
            .collect();
        if self.format == Format::Pretty {
            self.learn(shown.iter().map(|(k, e, _)| (*k, *e)));
        }
        let rows: Vec<(&Entry, &Assessed)> = shown.iter().map(|(_, e, a)| (*e, a)).collect();
        self.layout.fit(&rows, now);
        for (key, e, a) in &shown {
            if let Some(stop) = self.emit(key, e, a, None, now)? {
                return Ok(Some(stop));
            }
        }
        if shown.is_empty() && self.format == Format::Pretty && self.program.is_none() {
            let empty = self.empty_words(board);
            self.write(format!("{}{empty}{}\n", self.palette.dim, self.palette.reset).as_bytes())?;
        }
        self.flush()
    }

    fn empty_words(&self, board: &Board) -> &'static str {
        match (self.needs_me, board.is_empty()) {
            (true, _) => "no order is waiting on you",
            (false, true) => "no orders",
            (false, false) if self.all => "no orders",
            (false, false) => "no open orders (--all shows the final ones)",
        }
    }

    /// One change, if the order it is about is shown.
    pub fn change(
        &mut self,
        c: &Change,
        board: &Board,
        now: Stamp,
    ) -> Result<Option<Stop>, Failure> {
        let Some(e) = board.get(&c.key) else {
            return Ok(None);
        };
        let a = super::assess::assess(&e.row, now);
        if !self.wants(&a, Some(c)) {
            return Ok(None);
        }
        let rows = [(e, &a)];
        self.layout.fit(&rows, now);
        if self.format == Format::Pretty {
            self.learn([(&c.key, e)]);
        }
        self.emit(&c.key, e, &a, Some(c), now)
    }

    fn emit(
        &mut self,
        key: &Key,
        e: &Entry,
        a: &Assessed,
        change: Option<&Change>,
        now: Stamp,
    ) -> Result<Option<Stop>, Failure> {
        let label = self
            .labels
            .get(key.node)
            .cloned()
            .unwrap_or_else(|| "".into());
        match change {
            Some(_) => self.changes += 1,
            None => self.orders += 1,
        }
        // The object is what programs and the JSON formats print; a pretty line is made from
        // the row itself.
        let object = || {
            let order = object::order(e, a, &label);
            match change {
                Some(c) => object::change(c, &order),
                None => order,
            }
        };
        if self.program.is_some() {
            let kind = if change.is_some() { "change" } else { "order" };
            return self.run_program(object().as_bytes(), kind, &label, now);
        }
        let mut out = Vec::new();
        match self.format {
            Format::Pretty => {
                if self.follow_width {
                    if let Some(width) = crate::resize::new_width() {
                        self.layout.width = width;
                    }
                }
                let shown = Shown {
                    entry: e,
                    assessed: a,
                    label: self.layout.label.map(|_| &*label),
                    change: change.map(|c| (c.kind, c.from.as_ref())),
                    lookalikes: Some(&self.lookalikes),
                };
                out.extend_from_slice(
                    line::line(&shown, &self.layout, now, &self.palette).as_bytes(),
                );
            }
            Format::Json => write_indented(&mut out, object().as_bytes(), &self.palette),
            Format::Ndjson | Format::Raw => write_compact(&mut out, object().as_bytes()),
        }
        out.push(b'\n');
        self.counted(&out)
    }

    /// Runs `-f` on an object; each output is printed and counted.
    fn run_program(
        &mut self,
        text: &[u8],
        kind: &str,
        source: &str,
        now: Stamp,
    ) -> Result<Option<Stop>, Failure> {
        let Some(program) = self.program.take() else {
            return Ok(None);
        };
        let vars = FrameVars {
            kind,
            time: &now,
            source,
            recovered: false,
            suspects: &[],
        };
        let mut result = Ok(None);
        let outcome = program.run(text, &vars, |out| {
            let mut json = Vec::new();
            let value: &[u8] = if out.is_input {
                text
            } else if jq::write_value(&mut json, out.value).is_ok() {
                &json
            } else {
                return ControlFlow::Break("an output is nested too deep".to_string());
            };
            let raw = program.raw_output().then(|| out.raw_string()).flatten();
            let bytes = self.program_output(value, raw.as_deref());
            result = self.counted(&bytes);
            match &result {
                Ok(None) => ControlFlow::Continue(()),
                _ => ControlFlow::Break(String::new()),
            }
        });
        self.relay(&program);
        let stop = match outcome {
            Outcome::Done | Outcome::Unreadable(_) => result,
            Outcome::Stopped(why) if why.is_empty() => result,
            Outcome::Stopped(why) | Outcome::Failed(why) => {
                warn(&format!("the jq program failed on an order: {why}"));
                result
            }
            Outcome::Halted(code) => Ok(Some(Stop::Halted(code))),
        };
        self.program = Some(program);
        stop
    }

    /// One output of the program, as its format prints it.
    fn program_output(&self, value: &[u8], raw: Option<&str>) -> Vec<u8> {
        let mut out = Vec::with_capacity(value.len() + 1);
        match (raw, self.format) {
            (Some(s), _) if self.stdout_terminal => {
                sanitize::escape_bytes_keep_lines(&mut out, s.as_bytes())
            }
            (Some(s), _) => out.extend_from_slice(s.as_bytes()),
            (None, Format::Json) => write_indented(&mut out, value, &self.palette),
            (None, _) => write_compact(&mut out, value),
        }
        out.push(b'\n');
        out
    }

    /// What the program wrote to stderr (`debug`, `stderr`), made safe for a terminal.
    fn relay(&mut self, program: &Program) {
        let Some(text) = program.take_messages() else {
            return;
        };
        let _ = self.sink.flush();
        let mut escaped = Vec::new();
        let text = if self.stderr_terminal {
            sanitize::escape_bytes_keep_lines(&mut escaped, &text);
            &escaped
        } else {
            &text
        };
        let _ = std::io::stderr().lock().write_all(text);
    }

    /// Writes one printed thing and counts it for `-n`.
    fn counted(&mut self, bytes: &[u8]) -> Result<Option<Stop>, Failure> {
        if let Some(stop) = self.write(bytes)? {
            return Ok(Some(stop));
        }
        self.printed += 1;
        if self.count.is_some_and(|n| self.printed >= n) {
            return self.flush().map(|s| s.or(Some(Stop::CountReached)));
        }
        Ok(None)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<Option<Stop>, Failure> {
        self.sink
            .write(bytes)
            .map_or_else(|e| stopped_by(e).map(Some), |()| Ok(None))
    }

    pub fn flush(&mut self) -> Result<Option<Stop>, Failure> {
        self.sink
            .flush()
            .map_or_else(|e| stopped_by(e).map(Some), |()| Ok(None))
    }
}

pub fn warn(msg: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "obtail: warning: {}",
        sanitize::escape(msg)
    );
}
