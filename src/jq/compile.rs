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
const FRAME_VARS: [&str; 4] = ["$kind", "$time", "$source", "$recovered"];

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
            uses_time: code.contains("$time"),
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

/// jaq's definitions, minus the `halt_error/1` we provide natively.
fn prelude() -> impl Iterator<Item = Def<&'static str>> {
    jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .filter(|d| !(d.name == "halt_error" && d.args.len() == 1))
}

/// Native filters; ours come first, and the compiler takes the first match for a name.
fn funs() -> impl Iterator<Item = Fun<Jq>> {
    ours::<Jq>()
        .chain(jaq_core::funs())
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
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

/// `halt_error(code)` as in jq: the message, then the end of the run with `code`.
fn halt_error<'a>(out: &mut Vec<u8>, v: &Val, code: Val) -> Result<Val, Exn<'a, Val>> {
    let code = match code {
        Val::Num(n) => n.as_isize().and_then(|c| i32::try_from(c).ok()),
        _ => None,
    };
    let Some(code) = code else {
        let msg = "halt_error/1: the exit code must be an integer";
        return Err(Exn::from(Error::str(msg)));
    };
    push_message(out, v, true);
    Err(Exn::halt(code))
}
