//! Runs a program on one frame: reads the frame's text straight into jaq's value, binds the
//! frame's variables, and hands each output to the caller until the outputs end, the caller
//! stops, an error (jq stops at the first error for an input) or a `halt`.

use std::borrow::Cow;
use std::ops::ControlFlow;

use jaq_core::{Ctx, Vars};
use jaq_json::{Rc, Val};

use super::read::Unread;
use super::{Data, Jq, Program};
use crate::frame::{format_time, Stamp};
use crate::memory::{Suspect, Suspicion};

/// The frame's own variables.
pub struct FrameVars<'a> {
    /// `$kind`
    pub kind: &'a str,
    /// `$time`
    pub time: &'a Stamp,
    /// `$source`
    pub source: &'a str,
    /// `$recovered`: read back over REST after a gap.
    pub recovered: bool,
    /// `$suspect`: the handles and names of the frame that look like others'.
    pub suspects: &'a [Suspect],
}

/// One output of a program.
pub struct Output<'v> {
    pub value: &'v Val,
    /// The output is the frame itself, unchanged (as `select` passes it on): print its own
    /// text, not the value, which holds only what the program reads of it (`Shape`).
    pub is_input: bool,
}

impl Output<'_> {
    /// The string to print bare under `-r`, when the output is a string.
    pub fn raw_string(&self) -> Option<Cow<'_, str>> {
        match self.value {
            Val::TStr(s) | Val::BStr(s) => Some(String::from_utf8_lossy(s)),
            _ => None,
        }
    }
}

/// How a run ended.
#[derive(Debug, PartialEq)]
pub enum Outcome<B> {
    /// Every output was handed over.
    Done,
    /// The caller stopped the run.
    Stopped(B),
    /// The program raised an error (the message is not yet escaped).
    Failed(String),
    /// `halt` or `halt_error` asked to end obtail with this exit code.
    Halted(i32),
    /// The frame could not be read into a value.
    Unreadable(String),
}

/// Frames nested deeper than this are refused: the reader recurses once per level.
pub const MAX_INPUT_DEPTH: usize = super::read::MAX_DEPTH;

/// Errors quote values; a frame-sized quote makes an unreadable warning line.
const MAX_MESSAGE: usize = 300;

impl Program {
    /// Whether string outputs print bare (`-r`).
    pub fn raw_output(&self) -> bool {
        self.raw_output
    }

    /// Runs the program on a frame's JSON text, calling `each` for every output.
    pub fn run<B>(
        &self,
        text: &[u8],
        vars: &FrameVars,
        mut each: impl FnMut(Output) -> ControlFlow<B>,
    ) -> Outcome<B> {
        let input = match super::read::parse_shaped(text, &self.shape) {
            Ok(v) => v,
            Err(Unread::TooDeep) => {
                return Outcome::Unreadable(format!(
                    "nested more than {MAX_INPUT_DEPTH} levels deep"
                ))
            }
            Err(Unread::NotJson(e)) => return Outcome::Unreadable(format!("not JSON: {e}")),
        };
        let data = Data {
            lut: &self.filter.lut,
            messages: &self.messages,
        };
        let ctx = Ctx::<Jq>::new(data, self.vars(vars));
        for item in self.filter.id.run((ctx, input.clone())) {
            match item {
                Ok(value) => {
                    let is_input = same(&value, &input);
                    if let ControlFlow::Break(b) = each(Output {
                        value: &value,
                        is_input,
                    }) {
                        return Outcome::Stopped(b);
                    }
                }
                Err(exn) => {
                    return match exn.get_err() {
                        Ok(err) => Outcome::Failed(describe(err)),
                        Err(exn) => match exn.get_halt() {
                            Ok(code) => Outcome::Halted(code),
                            Err(_) => Outcome::Failed("internal error in jaq".into()),
                        },
                    }
                }
            }
        }
        Outcome::Done
    }

    /// Values for `FRAME_VARS` and then the fixed variables, in declaration order.
    fn vars(&self, vars: &FrameVars) -> Vars<Val> {
        let [kind, time, source, recovered, suspect] = self.mentions;
        let mut last = self.last_vars.borrow_mut();
        if let Some((key, last_vars)) = &*last {
            let same = !time
                && (!kind || key.kind == vars.kind)
                && (!source || key.source == vars.source)
                && (!recovered || key.recovered == vars.recovered)
                && (!suspect || (key.no_suspects && vars.suspects.is_empty()));
            if same {
                return last_vars.clone();
            }
        }
        let text = |used: bool, s: &str| {
            if used {
                Val::from(s.to_string())
            } else {
                Val::Null
            }
        };
        let frame = [
            text(kind, vars.kind),
            if time {
                Val::from(format_time(vars.time))
            } else {
                Val::Null
            },
            text(source, vars.source),
            if recovered {
                Val::Bool(vars.recovered)
            } else {
                Val::Null
            },
            if suspect {
                suspects_value(vars.suspects)
            } else {
                Val::Null
            },
        ];
        let built = Vars::new(frame.into_iter().chain(self.fixed.iter().cloned()));
        let key = VarsKey {
            kind: if kind { vars.kind } else { "" }.to_string(),
            source: if source { vars.source } else { "" }.to_string(),
            recovered: vars.recovered,
            no_suspects: vars.suspects.is_empty(),
        };
        *last = (!time).then(|| (key, built.clone()));
        built
    }
}

/// The frame's variables a program mentions, other than `$time`.
pub struct VarsKey {
    kind: String,
    source: String,
    recovered: bool,
    no_suspects: bool,
}

/// `$suspect` as programs see it: one object per suspect handle or name, with where it is,
/// its text and why (`"mixed scripts"` with the `scripts`, `"looks like"` with the earlier
/// text it is `like`, or `"another peer"`).
fn suspects_value(suspects: &[Suspect]) -> Val {
    let text = |s: &str| Val::from(s.to_string());
    suspects
        .iter()
        .map(|s| {
            let mut fields = vec![
                (text("field"), text(&s.field)),
                (text("text"), text(&s.text)),
            ];
            match &s.why {
                Suspicion::MixedScripts(scripts) => {
                    fields.push((text("why"), text("mixed scripts")));
                    let names = scripts.iter().map(|n| text(n)).collect();
                    fields.push((text("scripts"), names));
                }
                Suspicion::LooksLike(first) => {
                    fields.push((text("why"), text("looks like")));
                    fields.push((text("like"), text(first)));
                }
                Suspicion::OtherPeer => fields.push((text("why"), text("another peer"))),
            }
            Val::obj(fields.into_iter().collect())
        })
        .collect()
}

/// The same array or object, not merely an equal one: nothing in the program touched it.
fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Obj(x), Val::Obj(y)) => Rc::ptr_eq(x, y),
        (Val::Arr(x), Val::Arr(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// An error as jq words it: a string as is, another value as JSON.
fn describe(err: jaq_json::Error) -> String {
    let text = match err.into_val() {
        Val::TStr(s) | Val::BStr(s) => String::from_utf8_lossy(&s).into_owned(),
        v => {
            let mut json = Vec::new();
            let _ = super::write_value(&mut json, &v);
            format!("{} (not a string)", String::from_utf8_lossy(&json))
        }
    };
    clip(text)
}

fn clip(mut text: String) -> String {
    if text.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}
