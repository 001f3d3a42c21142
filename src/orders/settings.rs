//! `obtail orders`'s options settled once: tailing's own through `Config` (nodes and their
//! credentials, colors, width, the jq program, -n, --timeout), and the board's.

use std::time::Duration;

use crate::cli::OrdersArgs;
use crate::config::{Config, Env};
use crate::exit::Failure;
use crate::units::parse_duration;

/// How often the lists are read again while watching, when `--poll` is not given.
pub const DEFAULT_POLL: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Settings {
    pub cfg: Config,
    /// Keep the board current: `--watch`, or `-n`, which waits for its count.
    pub watch: bool,
    pub poll: Duration,
    /// `--all`: final orders too.
    pub all: bool,
    /// `--needs-me`: only orders waiting on the user.
    pub needs_me: bool,
}

impl Settings {
    pub fn resolve(args: &OrdersArgs, env: Env) -> Result<Settings, Failure> {
        let mut cfg = Config::resolve(args.tail_args(), env)?;
        let watch = args.watch || args.count.is_some();
        let poll = match &args.poll {
            None => DEFAULT_POLL,
            Some(text) => match parse_duration(text) {
                Ok(d) if d >= Duration::from_millis(100) => d,
                Ok(_) => {
                    return Err(Failure::usage(format!(
                        "--poll: '{text}' is too short: give 100ms or more, like 30s"
                    )))
                }
                Err(e) => return Err(Failure::usage(format!("--poll: {e}"))),
            },
        };
        if args.poll.is_some() && !watch {
            cfg.warnings
                .push("--poll has no effect without --watch: the board is read once".into());
        }
        if args.timeout.is_some() && !watch {
            cfg.warnings.push(
                "--timeout has no effect without --watch or -n: the board is read once".into(),
            );
        }
        Ok(Settings {
            cfg,
            watch,
            poll,
            all: args.all,
            needs_me: args.needs_me,
        })
    }
}
