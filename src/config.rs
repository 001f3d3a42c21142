//! The settled configuration: every option and environment variable resolved once, every
//! "auto" decided, so nothing past this point looks at clap or the environment.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{Args, ColorChoice, Format, StatsFormat};
pub use crate::env::Env;
use crate::exit::Failure;
use crate::filter::{Filter, IdPattern, KindPattern, PeerPattern};
use crate::named::{self, Entry, NodeFile};
use crate::node_args::{self, NodeArg};
use crate::style::Palette;
use crate::units::{parse_duration, parse_size};

/// Where frames come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Replay(PathBuf),
    /// Node URLs, or `LABEL=URL`; a named node of the config file comes as `LABEL=URL`,
    /// with its own settings in `LiveSettings::named`.
    Live(Vec<String>),
    Demo {
        speed: f64,
        seed: Option<u64>,
    },
}

/// Connection settings for live nodes; URLs and credentials are resolved by `live`.
#[derive(Debug, Clone, Default)]
pub struct LiveSettings {
    pub connect_timeout: Duration,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub reconnect: bool,
    /// `--max-backoff`: the longest wait between reconnect attempts.
    pub max_backoff: Duration,
    /// Read back over REST what a gap hid (off with `--no-recover`).
    pub recover: bool,
    /// `--buffer`: bytes of frames held while stdout is slow.
    pub buffer: usize,
    /// `--since`: history to print before going live; `Some(None)` for all of it.
    pub since: Option<Option<Duration>>,
    pub cacert: Option<PathBuf>,
    pub insecure: bool,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub cookie: Option<String>,
    pub cookie_file: Option<PathBuf>,
    pub datadir: Option<PathBuf>,
    pub headers: Vec<String>,
    /// Say when a node is connected (`-v`, or stderr is a terminal).
    pub announce: bool,
    /// `-q`: say only errors and what was lost (no connection notes).
    pub quiet: bool,
    /// The settings of each named node of the config file, by its label: its own
    /// credentials and `--cacert`, where the command line gave none.
    pub named: Vec<(String, LiveSettings)>,
}

impl LiveSettings {
    /// The settings of the node with this label: a named node's own, else these.
    pub fn for_label(&self, label: Option<&str>) -> &LiveSettings {
        label
            .and_then(|l| self.named.iter().find(|(n, _)| n == l))
            .map_or(self, |(_, s)| s)
    }
}

/// A jq program and its variables, compiled later by `jq`.
#[derive(Debug, Clone)]
pub struct JqSettings {
    pub program: String,
    /// The file the program came from, for error messages.
    pub origin: Option<PathBuf>,
    /// `--arg NAME VALUE` pairs.
    pub args: Vec<(String, String)>,
    /// `--argjson NAME JSON` pairs.
    pub argjson: Vec<(String, String)>,
    pub raw_output: bool,
}

#[derive(Debug)]
pub struct Config {
    pub input: Input,
    pub live: LiveSettings,
    pub max_frame: usize,
    pub filter: Filter,
    pub jq: Option<JqSettings>,
    pub format: Format,
    pub envelope: bool,
    pub color: bool,
    /// Colors of stdout: empty when off; `-o json` takes `JQ_COLORS` as jq does.
    pub palette: Palette,
    /// Colors on stderr (caret diagnostics), decided separately from stdout.
    pub stderr_color: bool,
    pub stdout_terminal: bool,
    /// Pretty lines are cut to this many columns: the terminal's width (or `COLUMNS`) when
    /// stdout is a terminal; no limit in a pipe or a file, or with `--wrap`.
    pub width: Option<usize>,
    /// The width is the terminal's own, and follows it when it is resized.
    pub follow_width: bool,
    pub count: Option<u64>,
    pub timeout: Option<Duration>,
    pub record: Option<PathBuf>,
    /// `--stats`: the books on stderr at exit, as a table or as JSON.
    pub stats: Option<StatsFormat>,
    /// `-q`: only errors and losses on stderr.
    pub quiet: bool,
    pub env: Env,
    /// Options given that cannot apply to this run, one warning each for stderr.
    pub warnings: Vec<String>,
}

impl Config {
    /// The options that cannot apply to this run, said on stderr before it starts.
    pub fn say_warnings(&self) {
        // Not eprintln!: a closed stderr is no reason to panic.
        let mut err = std::io::stderr().lock();
        for warning in &self.warnings {
            let _ =
                std::io::Write::write_fmt(&mut err, format_args!("obtail: warning: {warning}\n"));
        }
    }

    pub fn resolve(args: Args, env: Env) -> Result<Config, Failure> {
        let mut warnings = inapplicable(&args, &env);
        let input = input(&args, &env)?;
        let mut live = live_settings(&args, &env, &input)?;
        let input = match input {
            Given::Nodes(nodes, file) => Input::Live(named_settings(
                nodes,
                file.as_ref(),
                &args,
                &env,
                &mut live,
            )?),
            Given::Other(input) => input,
        };
        let max_frame = parse_size(&args.max_frame_size)
            .map_err(|e| Failure::usage(format!("--max-frame-size: {e}")))?;
        let filter = filter(&args, &mut warnings)?;
        let jq = jq_settings(
            args.filter.clone(),
            args.program.filter_file.clone(),
            args.program.arg.clone(),
            args.program.argjson.clone(),
            args.raw_output,
        )?;
        // Zero is refused as for --connect-timeout: it could only end obtail before it began.
        let timeout = args
            .timeout
            .as_deref()
            .map(|t| positive("--timeout", t))
            .transpose()?;
        let format = format(&args, &env);
        let color = decide_color(args.terminal.color, env.stdout_terminal, &env);
        let (palette, bad_colors) = Palette::new(color).with_jq_colors(env.var("JQ_COLORS"));
        warnings.extend(bad_colors);
        let (width, follow_width) = terminal_width(&env, args.terminal.wrap);
        Ok(Config {
            input,
            live,
            max_frame,
            filter,
            jq,
            format,
            // Said to have no effect with pretty and raw output (`warnings`): it has none,
            // with a program too.
            envelope: args.envelope && matches!(format, Format::Json | Format::Ndjson),
            color,
            palette,
            stderr_color: decide_color(args.terminal.color, env.stderr_terminal, &env),
            stdout_terminal: env.stdout_terminal,
            width,
            follow_width,
            count: args.count,
            timeout,
            record: args.record,
            stats: args.stats,
            quiet: args.terminal.quiet,
            env,
            warnings,
        })
    }
}

/// `-o`, else pretty on a terminal and ndjson elsewhere.
fn format(args: &Args, env: &Env) -> Format {
    args.output.unwrap_or(if env.stdout_terminal {
        Format::Pretty
    } else {
        Format::Ndjson
    })
}

/// Where frames come from, before named nodes are given their settings.
enum Given {
    /// The nodes given, and the config file when there is one.
    Nodes(Vec<NodeArg>, Option<NodeFile>),
    Other(Input),
}

fn input(args: &Args, env: &Env) -> Result<Given, Failure> {
    if let Some(path) = &args.replay {
        if path.is_dir() {
            return Err(Failure::runtime(format!(
                "cannot read {}: is a directory (--replay reads a file, or - for stdin)",
                crate::sanitize::escape(&path.display().to_string())
            )));
        }
        return Ok(Given::Other(Input::Replay(path.clone())));
    }
    if args.demo {
        if args.demo_story.demo_speed.is_infinite() {
            return Err(Failure::usage(
                "--demo-speed: 'inf' is not a speed: for as fast as possible, use --demo-speed 0",
            ));
        }
        crate::units::check_speed(args.demo_story.demo_speed)
            .map_err(|e| Failure::usage(format!("--demo-speed: {e}")))?;
        return Ok(Given::Other(Input::Demo {
            speed: args.demo_story.demo_speed,
            seed: args.demo_story.demo_seed,
        }));
    }
    if let Some(bad) = args.label.iter().find(|l| !l.contains('=')) {
        return Err(Failure::usage(format!(
            "--label '{}': give a name and the node's URL, as --label NAME=URL",
            crate::endpoint::url::redact(bad)
        )));
    }
    // Read here rather than by clap, so that a URL in the environment never conflicts with
    // --replay or --demo on the command line.
    let (words, origin): (Vec<String>, _) = if args.urls.is_empty() && args.label.is_empty() {
        let from_env = env.var("OBTAIL_URL").unwrap_or_default();
        (
            from_env.split_whitespace().map(str::to_string).collect(),
            Some("OBTAIL_URL"),
        )
    } else {
        (args.urls.clone(), None)
    };
    let file = NodeFile::load(env)?;
    let mut nodes = node_args::resolve(&words, origin, file.as_ref())?;
    nodes.extend(args.label.iter().cloned().map(NodeArg::Url));
    Ok(Given::Nodes(nodes, file))
}

/// The URLs `live` is given; each named node's own settings go into `live.named`.
fn named_settings(
    nodes: Vec<NodeArg>,
    file: Option<&NodeFile>,
    args: &Args,
    env: &Env,
    live: &mut LiveSettings,
) -> Result<Vec<String>, Failure> {
    let mut urls = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            NodeArg::Url(url) => urls.push(url),
            NodeArg::Named { label, entry } => {
                let file = file.ok_or_else(|| Failure::runtime("a named node without its file"))?;
                let own = node_settings(live, file, &entry, &label, args, env)?;
                urls.push(format!("{label}={}", entry.url));
                live.named.push((label, own));
            }
        }
    }
    Ok(urls)
}

/// A named node's settings: its own credentials and certificate, unless the command line
/// gave some (they apply to every node).
fn node_settings(
    base: &LiveSettings,
    file: &NodeFile,
    entry: &Entry,
    label: &str,
    args: &Args,
    env: &Env,
) -> Result<LiveSettings, Failure> {
    let mut s = base.clone();
    s.named.clear();
    let cookie_from_cli =
        args.auth.cookie.is_some() && args.auth.cookie.as_deref() != env.var("OBTAIL_COOKIE");
    let auth_from_cli = args.auth.user.is_some()
        || args.auth.password_file.is_some()
        || cookie_from_cli
        || args.auth.cookie_file.is_some()
        || args.auth.datadir.is_some();
    let secret = |p: &PathBuf| private_file(file, &file.path(p), label);
    if !auth_from_cli {
        // A node with credentials of its own is sent those alone, not OBTAIL_COOKIE's.
        if entry.user.is_some() || entry.cookie_file.is_some() || entry.datadir.is_some() {
            s.cookie = None;
        }
        s.user = entry.user.clone();
        s.password_file = entry.password_file.as_ref().map(secret).transpose()?;
        // The node writes its cookie readable by all (0644 in a 0775 directory): it is
        // taken as the node made it, like one found on disk or given with --cookie-file.
        s.cookie_file = entry.cookie_file.as_ref().map(|p| file.path(p));
        s.datadir = entry.datadir.as_ref().map(|d| file.path(d));
        if let (Some(var), Some(user)) = (&entry.password_env, &entry.user) {
            let password = env.var(var).ok_or_else(|| {
                Failure::usage(format!(
                    "node '{label}': its password_env names {var}, which is not set: set it, \
                     or give the password as password_file in {}",
                    file.shown
                ))
            })?;
            s.user = Some(format!("{user}:{password}"));
        }
    }
    if args.connection.cacert.is_none() {
        s.cacert = entry.cacert.as_ref().map(|c| file.path(c));
    }
    Ok(s)
}

/// A password file, refused when every user of the machine can read it.
fn private_file(file: &NodeFile, path: &std::path::Path, label: &str) -> Result<PathBuf, Failure> {
    if named::readable_by_all(path) {
        let shown = file.show(path);
        return Err(Failure::usage(format!(
            "node '{label}': {shown} holds a secret and every user of this machine can read \
             it: make it yours alone with chmod 600 {shown}"
        )));
    }
    Ok(path.to_path_buf())
}

fn duration(opt: &str, text: &str) -> Result<Duration, Failure> {
    parse_duration(text).map_err(|e| Failure::usage(format!("{opt}: {e}")))
}

/// A duration that must not be zero: a zero connect timeout fails every attempt, forever.
fn positive(opt: &str, text: &str) -> Result<Duration, Failure> {
    match duration(opt, text)? {
        d if d.is_zero() => Err(Failure::usage(format!(
            "{opt}: '{text}' must be more than 0, like 250ms or 10s"
        ))),
        d => Ok(d),
    }
}

fn live_settings(args: &Args, env: &Env, input: &Given) -> Result<LiveSettings, Failure> {
    let replay = matches!(input, Given::Other(Input::Replay(_)));
    Ok(LiveSettings {
        connect_timeout: positive("--connect-timeout", &args.connection.connect_timeout)?,
        ping_interval: positive("--ping-interval", &args.connection.ping_interval)?,
        ping_timeout: positive("--ping-timeout", &args.connection.ping_timeout)?,
        reconnect: !args.connection.no_reconnect,
        max_backoff: positive("--max-backoff", &args.connection.max_backoff)?,
        recover: !args.connection.no_recover,
        buffer: match parse_size(&args.buffer) {
            Ok(0) => {
                return Err(Failure::usage(
                    "--buffer: must be more than 0, like 64MiB or 512k",
                ))
            }
            Ok(n) => n,
            Err(e) => return Err(Failure::usage(format!("--buffer: {e}"))),
        },
        since: match args.since.as_deref() {
            None => None,
            Some(_) if replay => {
                return Err(Failure::usage(
                    "--since reads the node's history over REST, and --replay has no node: \
                     leave one of them out",
                ))
            }
            Some(all) if all.eq_ignore_ascii_case("all") => Some(None),
            Some(d) => Some(Some(duration("--since", d)?)),
        },
        cacert: args.connection.cacert.clone(),
        insecure: args.connection.insecure,
        user: args.auth.user.clone(),
        password_file: args.auth.password_file.clone(),
        cookie: args.auth.cookie.clone(),
        cookie_file: args.auth.cookie_file.clone(),
        datadir: args.auth.datadir.clone(),
        headers: args.auth.headers.clone(),
        announce: !args.terminal.quiet && (args.verbose || env.stderr_terminal),
        quiet: args.terminal.quiet,
        named: Vec::new(),
    })
}

/// The kind, order, peer and request filters; kind patterns that match no kind obtail knows
/// are warnings.
fn filter(args: &Args, warnings: &mut Vec<String>) -> Result<Filter, Failure> {
    let mut kinds = |v: &[String], flag: &str| -> Result<Vec<KindPattern>, Failure> {
        let patterns = v
            .iter()
            .map(|p| KindPattern::parse(p, flag))
            .collect::<Result<Vec<_>, _>>()?;
        warnings.extend(patterns.iter().filter_map(|p| p.unknown_warning(flag)));
        Ok(patterns)
    };
    let types = kinds(&args.types, "-t")?;
    let excluded = kinds(&args.exclude_types, "-T")?;
    Ok(Filter::new(
        types,
        excluded,
        args.order
            .as_deref()
            .map(|o| IdPattern::parse("--order", o))
            .transpose()?,
        args.peer.as_deref().map(PeerPattern::parse).transpose()?,
        args.request_id
            .as_deref()
            .map(|i| IdPattern::parse("--id", i))
            .transpose()?,
    ))
}

/// Options that cannot apply to this run: each is a warning (obtail goes on, doing all the rest
/// it was asked), never silently nothing. A value that came from the environment is not the
/// user's doing on this command line, so it is not warned about.
fn inapplicable(args: &Args, env: &Env) -> Vec<String> {
    let mut warnings = Vec::new();
    let format = format(args, env);
    if args.envelope && matches!(format, Format::Pretty | Format::Raw) {
        let name = if format == Format::Pretty {
            "pretty"
        } else {
            "raw"
        };
        warnings.push(format!(
            "--envelope has no effect with -o {name}: it wraps -o ndjson and -o json output"
        ));
    }
    let program = args.filter.is_some() || args.program.filter_file.is_some();
    if args.raw_output && !program {
        warnings.push(
            "-r has no effect without a jq program: it prints the strings -f outputs bare".into(),
        );
    }
    let jq_vars = !args.program.arg.is_empty() || !args.program.argjson.is_empty();
    if jq_vars && !program {
        warnings.push(
            "--arg and --argjson have no effect without a jq program (-f EXPR or --filter-file FILE)"
                .into(),
        );
    }
    if args.terminal.color == ColorChoice::Always && matches!(format, Format::Ndjson | Format::Raw)
    {
        let name = if format == Format::Raw {
            "raw"
        } else {
            "ndjson"
        };
        warnings.push(format!(
            "--color always has no effect with -o {name}: it colors -o pretty and -o json"
        ));
    }
    let from_cli = |v: &Option<String>, var: &str| v.is_some() && v.as_deref() != env.var(var);
    // Connecting to no node (--replay), or to the built-in one, which needs neither auth nor
    // TLS (--demo).
    let mut unused: Vec<&str> = Vec::new();
    let mut flag = |given: bool, name: &'static str| {
        if given {
            unused.push(name)
        }
    };
    flag(args.auth.user.is_some(), "--user");
    flag(args.auth.password_file.is_some(), "--password-file");
    flag(from_cli(&args.auth.cookie, "OBTAIL_COOKIE"), "--cookie");
    flag(args.auth.cookie_file.is_some(), "--cookie-file");
    flag(args.auth.datadir.is_some(), "--datadir");
    flag(!args.auth.headers.is_empty(), "--header");
    flag(args.connection.cacert.is_some(), "--cacert");
    flag(args.connection.insecure, "--insecure");
    let why = if args.replay.is_some() {
        flag(
            args.connection.connect_timeout != "10s",
            "--connect-timeout",
        );
        flag(args.connection.ping_interval != "10s", "--ping-interval");
        flag(args.connection.ping_timeout != "30s", "--ping-timeout");
        flag(args.connection.no_reconnect, "--no-reconnect");
        "--replay reads a file and connects to nothing"
    } else if args.demo {
        "--demo's simulated node needs no auth and no TLS"
    } else {
        return warnings;
    };
    match unused.as_slice() {
        [] => {}
        [one] => warnings.push(format!("{one} has no effect: {why}")),
        many => warnings.push(format!("{} have no effect: {why}", many.join(", "))),
    }
    warnings
}

fn jq_settings(
    filter: Option<String>,
    filter_file: Option<PathBuf>,
    arg: Vec<String>,
    argjson: Vec<String>,
    raw_output: bool,
) -> Result<Option<JqSettings>, Failure> {
    let (program, origin) = match (filter, filter_file) {
        (Some(p), _) => (p, None),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Failure::usage(format!(
                    "cannot read --filter-file {}: {}",
                    path.display(),
                    crate::exit::io_reason(&e)
                ))
            })?;
            (text, Some(path))
        }
        // --arg and --argjson without a program are a warning (`inapplicable`).
        (None, None) => return Ok(None),
    };
    let pairs = |v: Vec<String>| v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect();
    Ok(Some(JqSettings {
        program,
        origin,
        args: pairs(arg),
        argjson: pairs(argjson),
        raw_output,
    }))
}

/// The width pretty lines are cut to, and whether it follows the terminal as it is resized:
/// on a terminal only, `COLUMNS` first (as `ls` and `bat` honour it; 0 for no limit, as
/// `--wrap`), else the measured width, which follows resizes.
fn terminal_width(env: &Env, wrap: bool) -> (Option<usize>, bool) {
    if !env.stdout_terminal || wrap {
        return (None, false);
    }
    match env
        .var("COLUMNS")
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        Some(0) => (None, false),
        Some(columns) => (Some(columns), false),
        None => (env.stdout_columns, true),
    }
}

/// `--color`, then `NO_COLOR`, `CLICOLOR_FORCE` and `TERM=dumb`, then whether it is a terminal.
pub fn decide_color(choice: ColorChoice, terminal: bool, env: &Env) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env.var("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else if env
                .var("CLICOLOR_FORCE")
                .is_some_and(|v| !v.is_empty() && v != "0")
            {
                true
            } else {
                terminal && env.var("TERM") != Some("dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn env(vars: &[(&str, &str)], tty: bool) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            stdout_terminal: tty,
            stderr_terminal: tty,
            stdin_terminal: false,
            stdout_columns: tty.then_some(100),
        }
    }

    #[test]
    fn color_decisions() {
        use ColorChoice::*;
        assert!(decide_color(Auto, true, &env(&[], true)));
        assert!(!decide_color(Auto, false, &env(&[], false)));
        assert!(!decide_color(Auto, true, &env(&[("NO_COLOR", "1")], true)));
        assert!(
            decide_color(Auto, true, &env(&[("NO_COLOR", "")], true)),
            "empty NO_COLOR is unset"
        );
        assert!(decide_color(
            Auto,
            false,
            &env(&[("CLICOLOR_FORCE", "1")], false)
        ));
        assert!(!decide_color(
            Auto,
            false,
            &env(&[("CLICOLOR_FORCE", "0")], false)
        ));
        assert!(!decide_color(Auto, true, &env(&[("TERM", "dumb")], true)));
        assert!(decide_color(
            Always,
            false,
            &env(&[("NO_COLOR", "1")], false)
        ));
        assert!(!decide_color(
            Never,
            true,
            &env(&[("CLICOLOR_FORCE", "1")], true)
        ));
    }

    #[test]
    fn obtail_url_applies_only_when_tailing_live_without_urls() {
        let resolve = |argv: &[&str]| {
            let args = Args::parse_from(["obtail"].iter().chain(argv));
            Config::resolve(
                args,
                env(&[("OBTAIL_URL", "ws://a:1/ws ws://b:2/ws")], false),
            )
            .unwrap()
            .input
        };
        assert_eq!(
            resolve(&[]),
            Input::Live(vec!["ws://a:1/ws".into(), "ws://b:2/ws".into()])
        );
        assert_eq!(resolve(&["ws://c:3"]), Input::Live(vec!["ws://c:3".into()]));
        assert_eq!(resolve(&["--replay", "-"]), Input::Replay("-".into()));
        assert!(matches!(resolve(&["--demo"]), Input::Demo { .. }));
    }

    #[test]
    fn options_that_cannot_apply_are_warned_about() {
        let warnings = |argv: &[&str], vars: &[(&str, &str)], tty: bool| {
            let args = Args::parse_from(["obtail"].iter().chain(argv));
            Config::resolve(args, env(vars, tty)).unwrap().warnings
        };
        let one = |argv: &[&str], tty: bool| warnings(argv, &[], tty).join("\n");
        assert!(one(&["--envelope"], true).contains("--envelope has no effect with -o pretty"));
        assert!(one(&["--envelope", "-o", "raw"], false).contains("-o raw"));
        assert!(
            warnings(&["--envelope"], &[], false).is_empty(),
            "ndjson in a pipe"
        );
        assert!(warnings(&["--envelope", "-o", "json"], &[], true).is_empty());
        assert!(one(&["-r"], false).starts_with("-r has no effect without a jq program"));
        assert!(warnings(&["-r", "-f", "."], &[], false).is_empty());
        assert!(one(&["--arg", "a", "b"], false).starts_with("--arg and --argjson have no effect"));
        assert!(warnings(&["--arg", "a", "b", "-f", "$a"], &[], false).is_empty());
        assert!(one(&["--color", "always"], false).contains("no effect with -o ndjson"));
        assert!(warnings(&["--color", "always", "-o", "json"], &[], false).is_empty());
        assert!(
            warnings(&["--color", "always"], &[], true).is_empty(),
            "pretty"
        );
        assert_eq!(
            one(
                &["--replay", "-", "-k", "-u", "me", "--ping-interval", "5s"],
                false
            ),
            "--user, --insecure, --ping-interval have no effect: \
             --replay reads a file and connects to nothing"
        );
        assert_eq!(
            one(&["--demo", "--cacert", "ca.pem"], false),
            "--cacert has no effect: --demo's simulated node needs no auth and no TLS"
        );
        assert!(warnings(&["--demo", "--ping-interval", "1s"], &[], false).is_empty());
        assert!(
            warnings(&["-k", "-u", "me"], &[], false).is_empty(),
            "live: all apply"
        );
        let cookie_env = [("OBTAIL_COOKIE", "c00kie")];
        let args = Args::try_parse_from(["obtail", "--replay", "-", "--cookie", "c00kie"]).unwrap();
        assert!(
            Config::resolve(args, env(&cookie_env, false))
                .unwrap()
                .warnings
                .is_empty(),
            "a cookie from the environment is no mistake on this command line"
        );
    }

    #[test]
    fn a_directory_is_no_replay_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        let args = Args::parse_from(["obtail", "--replay", path]);
        let err = Config::resolve(args, env(&[], false)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("cannot read {path}: is a directory")),
            "{err}"
        );
    }

    #[test]
    fn lines_fit_the_terminal_and_only_a_terminal() {
        let width = |vars: &[(&str, &str)], tty| {
            let args = Args::parse_from(["obtail", "--replay", "-"]);
            Config::resolve(args, env(vars, tty)).unwrap().width
        };
        assert_eq!(width(&[], true), Some(100), "measured");
        assert_eq!(width(&[("COLUMNS", "80")], true), Some(80));
        assert_eq!(width(&[("COLUMNS", "wide")], true), Some(100));
        assert_eq!(
            width(&[("COLUMNS", "80")], false),
            None,
            "a pipe is not cut"
        );
    }

    #[test]
    fn format_defaults_to_pretty_only_on_a_terminal() {
        let resolve = |tty| {
            Config::resolve(Args::parse_from(["obtail", "--replay", "-"]), env(&[], tty)).unwrap()
        };
        assert_eq!(resolve(true).format, Format::Pretty);
        assert_eq!(resolve(false).format, Format::Ndjson);
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_option() {
        for (argv, needle) in [
            (vec!["--timeout", "soon"], "--timeout"),
            (vec!["--max-frame-size", "huge"], "--max-frame-size"),
            (vec!["-t", "bogus"], "is not a kind"),
            (vec!["--order", "Qm1"], "--order"),
            (vec!["--connect-timeout", "0"], "--connect-timeout"),
            (vec!["--ping-interval", "0s"], "--ping-interval"),
            (vec!["--ping-timeout", "0ms"], "--ping-timeout"),
            (vec!["--timeout", "0"], "--timeout"),
            (vec!["--timeout", "0s", "-n", "1"], "--timeout"),
            (vec!["--demo", "--demo-speed", "inf"], "--demo-speed 0"),
            (vec!["--demo", "--demo-speed", "NaN"], "--demo-speed"),
        ] {
            let args = Args::parse_from(["obtail"].into_iter().chain(argv.iter().copied()));
            let err = Config::resolve(args, env(&[], false)).unwrap_err();
            assert_eq!(err.code(), 2);
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn connected_lines_on_a_terminal_or_with_verbose_and_labels_are_nodes() {
        let resolve = |argv: &[&str], tty: bool| {
            let args = Args::parse_from(["obtail"].iter().chain(argv));
            Config::resolve(args, env(&[], tty)).unwrap()
        };
        assert!(resolve(&[], true).live.announce);
        assert!(!resolve(&[], false).live.announce);
        assert!(resolve(&["-v"], false).live.announce);
        assert_eq!(
            resolve(&["ws://a:1", "--label", "b=ws://b:2"], false).input,
            Input::Live(vec!["ws://a:1".into(), "b=ws://b:2".into()])
        );
    }
}
