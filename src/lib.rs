//! obtail's stages as a library, so that the binary, the fuzz targets and the benchmarks
//! drive the same code.

pub mod app;
pub mod classify;
pub mod cli;
pub mod config;
pub mod crash;
pub mod docs;
pub mod endpoint;
pub mod env;
pub mod exit;
pub mod filter;
#[cfg(test)]
mod fixtures;
pub mod frame;
pub mod jq;
pub mod json;
pub mod kind;
pub mod listings;
pub mod live;
pub mod memory;
pub mod named;
pub mod node_args;
pub mod order_state;
pub mod orders;
pub mod pipeline;
pub mod record;
pub mod render;
pub mod resize;
pub mod sanitize;
pub mod signal;
pub mod sim;
pub mod sink;
pub mod source;
pub mod stats;
pub mod style;
pub mod suggest;
pub mod units;
