//! Which parts of a frame a program can see. Most `-f` programs select frames by a few
//! fields (`select(.notification.type == "order")`) and print the frame itself; building
//! jaq's value for the rest of the frame is most of their cost. For such a program the
//! reader still validates the whole frame, but builds only the objects on the paths the
//! program reads, each with only the keys the program names, and whatever is at a path's end
//! in full.
//!
//! The analysis is conservative: a program is shaped only when every use of the input is a
//! path of literal keys from the frame's root (whose value is then built in full), or the
//! frame itself passed on unchanged (`.`, `select`, `if … then . …`), which the pipeline
//! prints from the frame's own text. Anything else (a definition, `keys`, `..`, `tojson`,
//! `. as $x`, an update) reads the whole frame.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Pattern, Term};
use jaq_core::path::Part;

/// The part of a value that is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// All of it.
    Full,
    /// If it is an object, only these keys, each shaped; any other value in full.
    Fields(Vec<(Vec<u8>, Shape)>),
}

impl Shape {
    /// The shape of the frame for `code`: `Full` unless the program is proven to see only
    /// some fields of it.
    pub fn of_program(code: &str) -> Shape {
        jaq_core::load::parse(code, |p| p.term())
            .and_then(|term| passes(&term))
            .unwrap_or(Shape::Full)
    }

    /// Both shapes' parts.
    fn union(self, other: Shape) -> Shape {
        match (self, other) {
            (Shape::Fields(mut a), Shape::Fields(b)) => {
                for (key, shape) in b {
                    match a.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, have)) => {
                            *have = std::mem::replace(have, Shape::Full).union(shape)
                        }
                        None => a.push((key, shape)),
                    }
                }
                Shape::Fields(a)
            }
            _ => Shape::Full,
        }
    }

    fn none() -> Shape {
        Shape::Fields(Vec::new())
    }

    /// The value at `keys` in full, nothing else.
    fn path(keys: &[Vec<u8>]) -> Shape {
        keys.iter().rev().fold(Shape::Full, |inner, key| {
            Shape::Fields(vec![(key.clone(), inner)])
        })
    }
}

fn union_all(shapes: impl IntoIterator<Item = Option<Shape>>) -> Option<Shape> {
    shapes
        .into_iter()
        .try_fold(Shape::none(), |acc, s| Some(acc.union(s?)))
}

/// `t` run on the frame gives only the frame itself, unchanged, or values computed from the
/// frame's paths (`exact`): the fields it needs.
fn passes(t: &Term<&str>) -> Option<Shape> {
    match t {
        Term::Id => Some(Shape::none()),
        Term::Call(name, args) if *name == "select" && args.len() == 1 => exact(&args[0]),
        // Values read in full may go anywhere: `.a | keys`.
        Term::BinOp(l, BinaryOp::Pipe(None), r) => {
            exact(l).or_else(|| union_all([passes(l), passes(r)]))
        }
        Term::BinOp(l, BinaryOp::Comma, r) => union_all([passes(l), passes(r)]),
        Term::BinOp(l, BinaryOp::Pipe(Some(Pattern::Var(_))), r) => {
            union_all([exact(l), passes(r)])
        }
        Term::IfThenElse(branches, otherwise) => union_all(
            branches
                .iter()
                .flat_map(|(cond, then)| [exact(cond), passes(then)])
                .chain([otherwise.as_deref().map_or(Some(Shape::none()), passes)]),
        ),
        // `f?`: an error ends the outputs; a catch sees the error, a value from `exact`.
        Term::TryCatch(body, _) => passes(body),
        t => exact(t),
    }
}

/// `t` run on the frame reads it only through paths of literal keys from its root, and
/// gives values computed from what it read (never the frame or a part-built object): the
/// fields it needs.
fn exact(t: &Term<&str>) -> Option<Shape> {
    match t {
        Term::Num(_) | Term::Var(_) | Term::Arr(None) => Some(Shape::none()),
        Term::Call(name, args) if args.is_empty() => {
            matches!(*name, "true" | "false" | "null" | "empty").then(Shape::none)
        }
        Term::Str(None, parts) => union_all(parts.iter().map(|part| match part {
            StrPart::Str(_) | StrPart::Char(_) => Some(Shape::none()),
            StrPart::Term(t) => exact(t),
        })),
        Term::Arr(Some(t)) | Term::Neg(t) => exact(t),
        Term::Obj(entries) => union_all(entries.iter().flat_map(|(k, v)| {
            // `{a}` reads `.a` and `{$x}` does not, but a value must be written out.
            [exact(k), v.as_ref().and_then(exact)]
        })),
        Term::Path(head, path) => {
            let parts = &path.0;
            let (keys, rest) = match **head {
                Term::Id => {
                    let keys: Vec<Vec<u8>> = parts.iter().map_while(|(p, _)| key(p)).collect();
                    if keys.is_empty() {
                        return None;
                    }
                    (Shape::path(&keys), &parts[keys.len()..])
                }
                ref head => (exact(head)?, &parts[..]),
            };
            // Indices run on the frame too: `.a[.i]`.
            let indices = rest.iter().flat_map(|(part, _)| match part {
                Part::Index(i) => vec![exact(i)],
                Part::Range(a, b) => [a, b].into_iter().flatten().map(exact).collect::<Vec<_>>(),
            });
            union_all(std::iter::once(Some(keys)).chain(indices))
        }
        Term::BinOp(l, op, r) => match op {
            // The right side runs on the left's outputs, which are values read in full.
            BinaryOp::Pipe(None) => exact(l),
            // `l as $x | r`: r runs on the frame, $x holds values read in full.
            BinaryOp::Pipe(Some(Pattern::Var(_))) => union_all([exact(l), exact(r)]),
            BinaryOp::Comma
            | BinaryOp::Alt
            | BinaryOp::Or
            | BinaryOp::And
            | BinaryOp::Math(_)
            | BinaryOp::Cmp(_) => union_all([exact(l), exact(r)]),
            _ => None,
        },
        Term::IfThenElse(branches, Some(otherwise)) => union_all(
            branches
                .iter()
                .flat_map(|(cond, then)| [exact(cond), exact(then)])
                .chain([exact(otherwise)]),
        ),
        // A catch runs on the error, whose value came from what was read.
        Term::TryCatch(body, _) => exact(body),
        _ => None,
    }
}

/// A path part that is a literal key: `.a`, `."a b"`, `.["a"]`, with or without `?`.
fn key(part: &Part<Term<&str>>) -> Option<Vec<u8>> {
    let Part::Index(Term::Str(None, parts)) = part else {
        return None;
    };
    let mut key = String::new();
    for part in parts {
        match part {
            StrPart::Str(s) => key.push_str(s),
            StrPart::Char(c) => key.push(*c),
            StrPart::Term(_) => return None,
        }
    }
    Some(key.into_bytes())
}
