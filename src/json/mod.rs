//! JSON helpers that keep what a frame said: numbers digit for digit, key order as sent.
//!
//! serde_json's `Value` turns integers beyond 64 bits into floats, so renderers that need a
//! frame's content use the borrowed tree in `tree`, and output formats that print a frame reuse
//! its own text through `text`.

pub mod compactor;
pub mod cursor;
pub mod text;
pub mod tree;

pub use tree::{parse, Value};
