//! Builds a `Program` from `JqSettings`: jaq's standard library with our own `stderr`,
//! `debug` and `halt_error` (jaq's write through a logger obtail does not have), the frame
//! variables and the `--arg`/`--argjson` ones. A program that does not compile becomes a
//! usage error carrying jaq's findings as a caret report.

use std::cell::RefCell;

use jaq_core::box_iter::box_once;
use jaq_core::load::{parse::Def, Arena, File, Loader};
use jaq_core::native::{run, v, Filter, Fun};
use jaq_core::{Compiler, DataT, Error, Exn, RunPtr};
use jaq_json::Val;

use super::report::Report;
use super::write::write_value;
use super::{Data, Jq, Program};
use crate::config::JqSettings;
use crate::exit::Failure;

/// The variables every frame binds, in the order `FrameVars` gives their values.
const FRAME_VARS: [&str; 5] = ["$kind", "$time", "$source", "$recovered", "$suspect"];

impl Program {
    /// Compiles the program once; `env` becomes `$ENV`, `color` paints the caret report.
    pub fn compile(
        settings: &JqSettings,
        env: &[(String, String)],
        color: bool,
    ) -> Result<Program, Failure> {
        let (names, fixed) = fixed_vars(settings, env)?;
        let code = settings.program.as_str();
        let report = |r: Report| Failure::Report(r.render(code, settings.origin.as_deref(), color));
        let arena = Arena::default();
        let modules = Loader::new(prelude())
            .load(&arena, File { code, path: () })
            .map_err(|errs| report(Report::load(errs)))?;
        let globals = FRAME_VARS
            .iter()
            .copied()
            .chain(names.iter().map(String::as_str));
        let filter = Compiler::default()
            .with_funs(funs())
            .with_global_vars(globals)
            .compile(modules)
            .map_err(|errs| report(Report::compile(errs)))?;
        Ok(Program {
            filter,
            fixed,
            shape: super::shape::Shape::of_program(code),
            // A variable is only ever named in full (`$kind`), so its text tells.
            mentions: FRAME_VARS.map(|name| code.contains(name)),
            last_vars: RefCell::new(None),
            raw_output: settings.raw_output,
            messages: RefCell::new(Vec::new()),
        })
    }
}

/// `$ENV`, then `--arg` and `--argjson` in the order given (a later name shadows an earlier
/// one, as in jq); a bad `--argjson` is a usage error naming its variable.
fn fixed_vars(
    settings: &JqSettings,
    env: &[(String, String)],
) -> Result<(Vec<String>, Vec<Val>), Failure> {
    let env_obj = env
        .iter()
        .filter(|(k, v)| !hidden_from_programs(k, v))
        .map(|(k, v)| (Val::from(k.clone()), Val::from(v.clone())))
        .collect();
    let mut names = vec!["$ENV".to_string()];
    let mut values = vec![Val::obj(env_obj)];
    for (name, value) in &settings.args {
        names.push(format!("${name}"));
        values.push(Val::from(value.clone()));
    }
    for (name, json) in &settings.argjson {
        let value = jaq_json::read::parse_single(json.as_bytes()).map_err(|e| {
            Failure::usage(format!(
                "--argjson {name}: the value is not valid JSON ({e})"
            ))
        })?;
        names.push(format!("${name}"));
        values.push(value);
    }
    Ok((names, values))
}

/// Environment variables that hold credentials obtail reads: never visible to a program
/// (`$ENV`, `env`), whose outputs are printed. `OBTAIL_URL` may carry `user:password@`.
fn hidden_from_programs(name: &str, value: &str) -> bool {
    matches!(name, "OBTAIL_PASSWORD" | "OBTAIL_COOKIE")
        || (name == "OBTAIL_URL" && value.contains('@'))
}

/// jaq's definitions, minus the `halt_error/1` we provide natively, plus `env` as `$ENV`
/// (jaq's reads the whole process environment, credentials included).
fn prelude() -> impl Iterator<Item = Def<&'static str>> {
    let env = jaq_core::load::parse("def env: $ENV;", |p| p.defs()).unwrap_or_default();
    jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .filter(|d| !(d.name == "halt_error" && d.args.len() == 1))
        .chain(env)
}

/// Native filters; ours come first, and the compiler takes the first match for a name.
fn funs() -> impl Iterator<Item = Fun<Jq>> {
    ours::<Jq>()
        .chain(jaq_core::funs())
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
        .filter(|f| !(f.0 == "env" && f.1.is_empty()))
}

/// Data that holds the text programs send to stderr.
pub trait HasMessages<'a> {
    fn messages(&self) -> &'a RefCell<Vec<u8>>;
}

impl<'a> HasMessages<'a> for Data<'a> {
    fn messages(&self) -> &'a RefCell<Vec<u8>> {
        self.messages
    }
}

/// Generic over the data kind only because that is how jaq's native filter pointers
/// type-check; `Jq` is the one kind used.
fn ours<D>() -> impl Iterator<Item = Fun<D>>
where
    D: for<'a> DataT<V<'a> = Val>,
    for<'a> D::Data<'a>: HasMessages<'a>,
{
    let natives: Box<[Filter<RunPtr<D>>]> = Box::new([
        ("stderr_empty", v(0), |cv| {
            push_message(&mut cv.0.data().messages().borrow_mut(), &cv.1, false);
            Box::new(std::iter::empty())
        }),
        ("debug_empty", v(0), |cv| {
            push_debug(&mut cv.0.data().messages().borrow_mut(), &cv.1);
            Box::new(std::iter::empty())
        }),
        ("fromjson", v(0), |cv| box_once(fromjson(&cv.1))),
        ("halt_error", v(1), |mut cv| {
            let code = cv.0.pop_var();
            box_once(halt_error(
                &mut cv.0.data().messages().borrow_mut(),
                &cv.1,
                code,
            ))
        }),
    ]);
    natives.into_vec().into_iter().map(run::<D>)
}

/// `stderr` as in jq 1.7 (a string as is, anything else as compact JSON, no newline), and
/// `halt_error`'s message (the same, with a newline after JSON).
fn push_message(out: &mut Vec<u8>, v: &Val, newline_after_json: bool) {
    match v {
        Val::TStr(s) | Val::BStr(s) => out.extend_from_slice(s),
        v => {
            let _ = write_value(out, v);
            if newline_after_json {
                out.push(b'\n');
            }
        }
    }
}

/// `debug` as in jq: `["DEBUG:",VALUE]` on a line.
fn push_debug(out: &mut Vec<u8>, v: &Val) {
    out.extend_from_slice(b"[\"DEBUG:\",");
    let _ = write_value(out, v);
    out.extend_from_slice(b"]\n");
}

/// `fromjson` with the same strict, depth-bounded reader as frames: jaq's own recursed once
/// per level (a peer's string of millions of `[` overflowed even the 1 GiB stack) and kept
/// number text that is not JSON (`000.000`), which its arithmetic could not parse back.
fn fromjson<'a>(v: &Val) -> Result<Val, Exn<'a, Val>> {
    let text = v.try_as_utf8_bytes_owned().map_err(Exn::from)?;
    super::read::parse(&text).map_err(|e| {
        let head: String = String::from_utf8_lossy(text.get(..60).unwrap_or(&text)).into();
        let mut shown = Vec::new();
        crate::json::text::write_str(&mut shown, &head);
        let more = if head.len() < text.len() { "…" } else { "" };
        let why = match e {
            super::read::Unread::NotJson(why) => why,
            super::read::Unread::TooDeep => {
                format!("nested more than {} levels deep", super::read::MAX_DEPTH)
            }
        };
        let shown = String::from_utf8_lossy(&shown);
        Exn::from(Error::str(format!(
            "cannot parse {shown}{more} as JSON: {why}"
        )))
    })
}

/// `halt_error(code)` as in jq: the message, then the end of the run with `code`.
fn halt_error<'a>(out: &mut Vec<u8>, v: &Val, code: Val) -> Result<Val, Exn<'a, Val>> {
    let code = match code {
        // Any integer: jq exits with its low 8 bits.
        Val::Num(n) => n.as_isize().map(|c| (c & 0xff) as i32),
        _ => None,
    };
    let Some(code) = code else {
        let msg = "halt_error/1: the exit code must be an integer";
        return Err(Exn::from(Error::str(msg)));
    };
    push_message(out, v, true);
    Err(Exn::halt(code))
}
