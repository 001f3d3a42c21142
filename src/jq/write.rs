//! Prints a jaq value as compact JSON that is always valid and safe for a terminal.
//!
//! jaq's own printer may write `NaN`, byte strings or non-string keys (not JSON) and writes
//! control and bidi characters raw. Here numbers keep jaq's digits (big integers and decimal
//! literals stay exact), non-finite floats print as jq prints them, and strings go through
//! the same escaping as the frame's own text.

use std::io::Write;

use jaq_json::{Num, Val};

use crate::json::text::write_str;

/// Nesting deeper than this is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 512;

/// A value nested deeper than `MAX_DEPTH`.
#[derive(Debug, PartialEq, Eq)]
pub struct TooDeep;

/// Appends `v` as compact JSON.
pub fn write_value(out: &mut Vec<u8>, v: &Val) -> Result<(), TooDeep> {
    write_at(out, v, 0)
}

fn write_at(out: &mut Vec<u8>, v: &Val, depth: usize) -> Result<(), TooDeep> {
    match v {
        Val::Null => out.extend_from_slice(b"null"),
        Val::Bool(true) => out.extend_from_slice(b"true"),
        Val::Bool(false) => out.extend_from_slice(b"false"),
        Val::Num(n) => write_num(out, n),
        Val::TStr(s) | Val::BStr(s) => write_text(out, s),
        Val::Arr(a) => {
            if depth >= MAX_DEPTH {
                return Err(TooDeep);
            }
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_at(out, x, depth + 1)?;
            }
            out.push(b']');
        }
        Val::Obj(o) => {
            if depth >= MAX_DEPTH {
                return Err(TooDeep);
            }
            out.push(b'{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_key(out, k, depth)?;
                out.push(b':');
                write_at(out, x, depth + 1)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// jaq allows keys of any type; JSON needs strings, so other keys print as their JSON text.
fn write_key(out: &mut Vec<u8>, k: &Val, depth: usize) -> Result<(), TooDeep> {
    match k {
        Val::TStr(s) | Val::BStr(s) => write_text(out, s),
        k => {
            let mut text = Vec::new();
            write_at(&mut text, k, depth + 1)?;
            write_text(out, &text);
        }
    }
    Ok(())
}

fn write_num(out: &mut Vec<u8>, n: &Num) {
    match n {
        Num::Float(f) if f.is_nan() => out.extend_from_slice(b"null"),
        Num::Float(f) if f.is_infinite() => {
            // jq's choice: the largest finite double
            if *f < 0.0 {
                out.push(b'-');
            }
            out.extend_from_slice(b"1.7976931348623157e+308");
        }
        Num::Int(i) => {
            let _ = write!(out, "{i}");
        }
        // Decimal text jaq kept from somewhere lenient (`--argjson`): printed only if it is
        // JSON, else as the double it means.
        Num::Dec(text) if !super::read::is_json_number(text) => match text.parse::<f64>() {
            Ok(f) => write_num(out, &Num::Float(f)),
            Err(_) => out.extend_from_slice(b"null"),
        },
        n => {
            let _ = write!(out, "{n}");
        }
    }
}

fn write_text(out: &mut Vec<u8>, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => write_str(out, s),
        Err(_) => write_str(out, &String::from_utf8_lossy(bytes)),
    }
}
