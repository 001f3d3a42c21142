//! Shows what is wrong with a program where it is wrong: jaq's load and compile findings,
//! each as the program line with a caret under the fault.
//!
//! The program text is escaped before it is shown (a `--filter-file` may hold anything), and
//! carets are placed by the width of the escaped text so they stay under their token.

use std::ops::Range;
use std::path::Path;

use jaq_core::compile::{self, Undefined};
use jaq_core::load::{self, lex};

use crate::sanitize;

/// Reports for the findings about one program, kept as spans into its text.
pub struct Report {
    findings: Vec<Finding>,
}

struct Finding {
    message: String,
    labels: Vec<Label>,
}

struct Label {
    span: Option<Range<usize>>,
    text: String,
    /// Secondary labels (an unclosed delimiter's opening) are yellow, not red.
    secondary: bool,
}

/// Show at most this many findings; the first ones are the ones that matter.
const MAX_FINDINGS: usize = 5;

impl Report {
    /// Findings of the lexer and the parser.
    pub fn load<P>(errs: load::Errors<&str, P>) -> Report {
        let mut findings = Vec::new();
        for (file, err) in errs {
            let code = file.code;
            match err {
                load::Error::Io(errs) => findings.extend(errs.into_iter().map(|(path, e)| {
                    Finding::one(
                        format!("cannot load module {}: {e}", sanitize::escape(path)),
                        span(code, path),
                        e,
                    )
                })),
                load::Error::Lex(errs) => {
                    findings.extend(errs.into_iter().map(|e| lex_error(code, e)))
                }
                load::Error::Parse(errs) => {
                    findings.extend(errs.into_iter().map(|e| parse_error(code, e)))
                }
            }
        }
        Report { findings }
    }

    /// Findings of the compiler: unknown filters, variables, labels and modules.
    pub fn compile<P>(errs: compile::Errors<&str, P>) -> Report {
        let mut findings: Vec<Finding> = errs
            .into_iter()
            .flat_map(|(file, errs)| {
                let code = file.code;
                errs.into_iter().map(move |e| undefined(code, e))
            })
            .collect();
        // jaq finds them in no particular order; the reader reads left to right
        findings.sort_by_key(|f| {
            f.labels
                .first()
                .and_then(|l| l.span.clone())
                .map(|s| s.start)
        });
        Report { findings }
    }

    /// The report as text for stderr, starting with its one-line summary; `origin` is the
    /// `--filter-file` the program came from.
    pub fn render(&self, code: &str, origin: Option<&Path>, color: bool) -> String {
        let paint = Paint::new(color);
        let mut out = String::new();
        let first = self
            .findings
            .first()
            .map_or("invalid filter program", |f| &f.message);
        out.push_str(&format!(
            "bad filter program: {}\n",
            sanitize::escape(first)
        ));
        for (i, finding) in self.findings.iter().take(MAX_FINDINGS).enumerate() {
            if i > 0 {
                let message = sanitize::escape(&finding.message);
                out.push_str(&format!("obtail: error: {message}\n"));
            }
            for label in &finding.labels {
                show_label(&mut out, code, origin, label, &paint);
            }
        }
        if self.findings.len() > MAX_FINDINGS {
            let more = self.findings.len() - MAX_FINDINGS;
            out.push_str(&format!("... and {more} more\n"));
        }
        out
    }
}

impl Finding {
    fn one(message: String, span: Option<Range<usize>>, text: impl Into<String>) -> Self {
        Finding {
            message,
            labels: vec![Label {
                span,
                text: text.into(),
                secondary: false,
            }],
        }
    }
}

fn lex_error(code: &str, (expected, found): lex::Error<&str>) -> Finding {
    // a lex error's `found` is the rest of the program; point at its first character
    let found = &found[..found.char_indices().nth(1).map_or(found.len(), |(i, _)| i)];
    let what = if found.is_empty() {
        "unexpected end of program".to_string()
    } else {
        format!("unexpected character {}", sanitize::escape(found))
    };
    let expected_text = match &expected {
        lex::Expect::Delim(open) => format!("closing match for {open}"),
        other => other.as_str().to_string(),
    };
    let mut finding = Finding::one(format!("expected {expected_text}"), span(code, found), what);
    if let lex::Expect::Delim(open) = expected {
        finding.labels.insert(
            0,
            Label {
                span: span(code, open),
                text: format!("unclosed {}", sanitize::escape(open)),
                secondary: true,
            },
        );
    }
    finding
}

fn parse_error(code: &str, (expected, found): load::parse::Error<&str>) -> Finding {
    let what = if found.is_empty() {
        "unexpected end of program"
    } else {
        "unexpected token"
    };
    Finding::one(
        format!("expected {}", expected.as_str()),
        span(code, found),
        what,
    )
}

fn undefined(code: &str, (found, undefined): compile::Error<&str>) -> Finding {
    let name = sanitize::escape(found);
    let (message, label) = match (found, &undefined) {
        ("reduce", Undefined::Filter(n)) => (
            format!("reduce takes 2 arguments, not {n}"),
            "wrong number of arguments",
        ),
        ("foreach", Undefined::Filter(n)) => (
            format!("foreach takes 2 or 3 arguments, not {n}"),
            "wrong number of arguments",
        ),
        (_, Undefined::Filter(n)) => (
            format!("undefined function {name}/{n}{}", hint(found)),
            "unknown function",
        ),
        (_, Undefined::Var) => (
            format!("undefined variable {name}{}", hint(found)),
            "unknown variable",
        ),
        (_, other) => (
            format!("undefined {} {name}", other.as_str()),
            "unknown name",
        ),
    };
    Finding::one(message, span(code, found), label)
}

/// Why some jq names do not exist here.
fn hint(name: &str) -> &'static str {
    const MISSING_IN_JAQ: &[&str] = &[
        "$__loc__",
        "$__prog_args",
        "input_filename",
        "input_line_number",
        "@csv",
        "@tsv",
        "@base32",
        "@base32d",
        "tostream",
        "fromstream",
        "truncate_stream",
        "leaf_paths",
        "ascii",
        "toarray",
        "builtins",
        "INDEX",
        "IN",
        "have_decnum",
        "have_literal_numbers",
        "get_search_list",
        "get_jq_origin",
        "get_prog_origin",
    ];
    match name {
        "input" | "inputs" => " (obtail runs the program on one frame at a time)",
        "@csv" | "@tsv" => " (a jq builtin that jaq lacks; try join(\",\"))",
        _ if MISSING_IN_JAQ.contains(&name) => " (a jq builtin that jaq lacks)",
        _ => "",
    }
}

/// Where `part` lies in `code`, when it is a slice of it.
fn span(code: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(code.as_ptr() as usize)?;
    (start + part.len() <= code.len()).then(|| start..start + part.len())
}

struct Paint {
    bold: &'static str,
    red: &'static str,
    yellow: &'static str,
    blue: &'static str,
    reset: &'static str,
}

impl Paint {
    fn new(color: bool) -> Self {
        if color {
            Paint {
                bold: "\x1b[1m",
                red: "\x1b[1;31m",
                yellow: "\x1b[1;33m",
                blue: "\x1b[1;34m",
                reset: "\x1b[0m",
            }
        } else {
            Paint {
                bold: "",
                red: "",
                yellow: "",
                blue: "",
                reset: "",
            }
        }
    }
}

/// ```text
///  --> program:1:6
///   |
/// 1 | .a | | .b
///   |      ^ unexpected token
/// ```
fn show_label(out: &mut String, code: &str, origin: Option<&Path>, label: &Label, p: &Paint) {
    let Some(span) = label.span.clone() else {
        out.push_str(&format!("  {}\n", sanitize::escape(&label.text)));
        return;
    };
    let line_start = code[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = code[span.start..]
        .find('\n')
        .map_or(code.len(), |i| span.start + i);
    let line_no = code[..line_start].matches('\n').count() + 1;
    let before = sanitize::escape(&code[line_start..span.start]);
    let under_end = span.end.min(line_end);
    let under = sanitize::escape(&code[span.start..under_end]);
    let line = sanitize::escape(&code[line_start..line_end]);
    let column = code[line_start..span.start].chars().count() + 1;
    let place = origin.map_or("program".to_string(), |o| {
        sanitize::escape(&o.display().to_string())
    });
    let gutter = " ".repeat(line_no.to_string().len());
    let color = if label.secondary { p.yellow } else { p.red };
    let (bold, blue, reset) = (p.bold, p.blue, p.reset);
    out.push_str(&format!(
        "{gutter}{blue}-->{reset} {place}:{line_no}:{column}\n"
    ));
    out.push_str(&format!("{gutter} {blue}|{reset}\n"));
    out.push_str(&format!("{blue}{line_no} |{reset} {line}\n"));
    out.push_str(&format!(
        "{gutter} {blue}|{reset} {}{color}{}{reset} {bold}{color}{}{reset}\n",
        " ".repeat(before.chars().count()),
        "^".repeat(under.chars().count().max(1)),
        sanitize::escape(&label.text),
    ));
}
