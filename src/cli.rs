//! The command line as clap sees it. Nothing here is interpreted: `config` turns `Args` into
//! the settled `Config` the rest of obtail uses, so clap stops at this border.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

/// The examples of `--help` and of the man page, described by what they print (a test runs
/// each one and checks it): (what, command).
pub const EXAMPLES: &[(&str, &str)] = &[
    ("watch the built-in simulated marketplace", "obtail --demo"),
    ("tail the local node, with its own cookie", "obtail"),
    ("tail the node named shop in the config file", "obtail shop"),
    (
        "basic auth, TLS with a self-signed certificate",
        "obtail -u admin --password-file ~/.ob-pass --cacert node.crt wss://shop.example:4002",
    ),
    (
        "notifications, without follows and unfollows",
        "obtail -t notification -T notification.follow,notification.unfollow",
    ),
    (
        "wait until an order is paid (exit 4 after 10m)",
        "obtail -t notification.payment --order QmXyZ123 -n 1 --timeout 10m",
    ),
    (
        "every order waiting on you, and until when",
        "obtail orders --needs-me",
    ),
    (
        "follow one order's whole story across kinds",
        "obtail --order QmXyZ123",
    ),
    (
        "count the events of a recording per kind",
        "obtail --replay session.ndjson -r -f '$kind' | sort | uniq -c",
    ),
    (
        "record a session until Ctrl-C (or -n, --timeout)",
        "obtail --record session.ndjson",
    ),
    (
        "read it back with new filters",
        "obtail --replay session.ndjson -t message -o json",
    ),
];

/// The examples as `--help` ends with them.
fn examples_help() -> String {
    const COMMAND: usize = 48;
    let mut s = String::from("Examples:");
    for (what, command) in EXAMPLES {
        if command.len() < COMMAND {
            s.push_str(&format!("\n  {command:<COMMAND$}{what}"));
        } else {
            s.push_str(&format!("\n  {command}\n  {:COMMAND$}{what}", ""));
        }
    }
    s
}

/// The forms of the command, as CLI.md gives them (clap's own usage line after a mistake
/// showed `--demo [URL]...`).
const USAGE: &str = "obtail [OPTIONS] [URL|NAME]...
       obtail --replay FILE|- [OPTIONS]
       obtail --demo [OPTIONS]
       obtail <COMMAND>";

/// Tail, classify, filter and pretty-print the event stream of OpenBazaar nodes.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "obtail",
    version = env!("OBTAIL_VERSION"),
    about,
    long_about = "Tail the websocket event stream of one or more OpenBazaar nodes (openbazaar-go), \
                  give every frame a kind, filter by kind, order, peer or a jq program, and print \
                  each event as a one-line summary, as colored JSON or as NDJSON for scripts.",
    after_help = examples_help(),
    override_usage = USAGE,
    args_conflicts_with_subcommands = true,
    max_term_width = 100
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Node websocket URLs (ws://, wss://, http(s)://, or HOST:PORT), or names of nodes in the
    /// config file (NAME or @NAME) [env: OBTAIL_URL] [default: ws://127.0.0.1:4002/ws]
    #[arg(value_name = "URL", help_heading = "Connection")]
    pub urls: Vec<String>,

    /// Read recorded frames from FILE ('-' for stdin) instead of connecting
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, help_heading = "Connection",
          conflicts_with_all = ["urls", "demo"])]
    pub replay: Option<PathBuf>,

    /// Tail the built-in simulated node (no node needed)
    #[arg(long, help_heading = "Connection", conflicts_with = "urls")]
    pub demo: bool,

    #[command(flatten)]
    pub demo_story: DemoArgs,

    /// Append every received frame, before filtering, with its time and source, to FILE
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, help_heading = "Connection")]
    pub record: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// First print the notifications and incoming chat of this far back (1h, 2d, or all)
    #[arg(long, value_name = "DURATION|all", help_heading = "Connection")]
    pub since: Option<String>,
    /// Bytes of frames held while stdout is slow; beyond it frames are dropped and counted
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "64MiB",
        help_heading = "Connection"
    )]
    pub buffer: String,

    /// Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes
    /// and $source (NAME=URL in place of a URL does the same)
    #[arg(long, value_name = "NAME=URL", help_heading = "Connection",
          conflicts_with_all = ["replay", "demo"])]
    pub label: Vec<String>,

    /// Say on stderr when a node is connected (the default when stderr is a terminal)
    #[arg(short = 'v', long, help_heading = "Connection")]
    pub verbose: bool,

    /// Largest frame to accept; larger ones are reported and skipped (e.g. 16MiB, 512k)
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "16MiB",
        help_heading = "Connection"
    )]
    pub max_frame_size: String,

    #[command(flatten)]
    pub auth: AuthArgs,

    /// Keep these kinds: exact, dotted prefix or * glob; comma-separated, repeatable
    #[arg(
        short = 't',
        long = "type",
        value_name = "PATTERN",
        value_delimiter = ',',
        help_heading = "Filtering"
    )]
    pub types: Vec<String>,

    /// Drop these kinds (same patterns as --type)
    #[arg(
        short = 'T',
        long = "exclude-type",
        value_name = "PATTERN",
        value_delimiter = ',',
        help_heading = "Filtering"
    )]
    pub exclude_types: Vec<String>,

    /// Only frames about this order (an id, or a prefix of at least 6 characters)
    #[arg(long, value_name = "ID", help_heading = "Filtering")]
    pub order: Option<String>,

    /// Only frames involving this peer (an id or 6+ character prefix, or @handle)
    #[arg(long, value_name = "ID", help_heading = "Filtering")]
    pub peer: Option<String>,

    /// Only replies to this async API call
    #[arg(long = "id", value_name = "REQUEST_ID", help_heading = "Filtering")]
    pub request_id: Option<String>,

    /// Run this jq program (jaq) on each frame and print its outputs instead
    ///
    /// The program runs on each frame that passed the other filters. Every output is printed
    /// in place of the frame and counts as one event for -n, so `select(...)` filters and
    /// `.a.b` projects. Variables: $kind, $time (receive time, RFC 3339), $source (node URL
    /// or replay file), $recovered (read back over REST after a gap), $suspect (the frame's
    /// handles and names that look like others'), $ENV, and those of --arg and --argjson.
    /// A runtime error skips the
    /// frame with a warning (and a count at exit); `halt` and `halt_error` end obtail as they
    /// end jq. A program that does not compile is a usage error (exit 2).
    ///
    /// jq-compatible through jaq, with differences: regular expressions are Rust's, not
    /// Oniguruma (no \p{..} classes; \w and (?i) are ASCII-only); $__loc__, @csv, @tsv, input,
    /// inputs and input_filename do not exist; NaN prints as null. See docs/jq.md.
    #[arg(
        short = 'f',
        long,
        value_name = "EXPR",
        help_heading = "Filtering",
        conflicts_with = "filter_file"
    )]
    pub filter: Option<String>,

    #[command(flatten)]
    pub program: ProgramInputs,

    /// Output format [default: pretty on a terminal, ndjson otherwise]
    #[arg(
        short = 'o',
        long,
        value_enum,
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    pub output: Option<Format>,

    /// In json/ndjson, wrap each event as {"time","kind","source","frame"} (a warning otherwise)
    #[arg(long, help_heading = "Output")]
    pub envelope: bool,

    /// Print string results of --filter without quotes, as jq -r does (a warning without -f)
    #[arg(short = 'r', long, help_heading = "Output")]
    pub raw_output: bool,

    #[command(flatten)]
    pub terminal: TerminalArgs,

    /// Exit after N events are printed (0: print nothing, exit 0)
    #[arg(short = 'n', long, value_name = "N", help_heading = "Control",
          allow_negative_numbers = true, value_parser = count)]
    pub count: Option<u64>,

    /// Give up (exit 4) if --count is not reached within DURATION (30s, 5m); without -n, stop then (exit 0)
    #[arg(long, value_name = "DURATION", help_heading = "Control")]
    pub timeout: Option<String>,
    /// At exit, print the books on stderr per source and kind: received, recovered, printed,
    /// filtered, invalid, dropped, duplicate and queued frames (--stats=json: one JSON line)
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "table",
        help_heading = "Control"
    )]
    pub stats: Option<StatsFormat>,
}

/// `-n`: a count, with a message that says so; a negative one is taken as the value (not as
/// an unknown option, for which clap would suggest `-- -1`, which no option value can use).
fn count(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| "give a whole number of events, 0 or more".to_string())
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// List every kind with a one-line description
    Kinds {
        /// Print the list as one JSON array of {kind, family, description}
        #[arg(long)]
        json: bool,
    },
    /// List the named nodes of the config file (~/.config/obtail/config.toml on Linux)
    Nodes {
        /// Print only each name and its URL, tab-separated (for shell completion)
        #[arg(long, hide = true)]
        names: bool,
    },
    /// Print the shell completions obtail ships for SHELL
    Completions {
        /// bash, zsh, fish, elvish or powershell
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page obtail ships (man -l <(obtail man))
    Man,
    /// Every order that is not final: who must act next and by when (--watch: live)
    ///
    /// Reads the node's sales, purchases and dispute cases (GET /ob/sales, /ob/purchases,
    /// /ob/cases) with the same connection, TLS, auth and node names as tailing, and prints
    /// one line per order: its role, id, next step and who takes it, the deadline the node
    /// tracks with the time left, the other party, total, state and title. Orders waiting on
    /// you come first, marked *. Read-only: obtail never asks for an order's details, which
    /// would mark it read on the node.
    ///
    /// -o ndjson prints one object per order: orderId, role, state, next {actor, action},
    /// needsMe, deadline (RFC 3339 or null), counterparty {id, handle}, title, total,
    /// unreadChat, updated, source. With --watch, one object per change follows:
    /// {"change": "new"|"state"|"deadline"|"chat", "from": STATE|null, "order": {...}}.
    /// -f runs a jq program on these objects ($kind is "order" or "change").
    #[command(after_help = ORDERS_EXAMPLES)]
    Orders(Box<OrdersArgs>),
    /// Run the simulated node as a websocket server
    ///
    /// Serves /ws like openbazaar-go 0.14.5 (node's frame layout, auth and 403, echoes,
    /// pongs, a 256-frame queue per client that drops only a client that stopped reading) and
    /// the REST lists a client recovers from: GET /ob/notifications (limit, offsetId, filter),
    /// GET /ob/chatmessages[/PEER] (subject, limit, offsetId), GET /ob/chatconversations and
    /// the order lists GET /ob/sales, /ob/purchases, /ob/cases (limit, state, search, sortBy;
    /// POST with a JSON body). Every event carries the wall clock when it is told.
    ///
    /// Faults on demand, with the same auth: POST /obtail-sim/stall[?for=DURATION],
    /// /obtail-sim/resume, /obtail-sim/restart, /obtail-sim/partition?for=DURATION (silent,
    /// then every client dropped), /obtail-sim/drop, /obtail-sim/hostile-chat?n=N,
    /// /obtail-sim/rest-fault?mode=MODE[&for=DURATION] (MODE: hang, drip, endless, flood,
    /// error, huge, none). Orders on demand: POST /obtail-sim/order?role=ROLE&state=STATE
    /// [&moderated=1][&age=DURATION][&title=T&handle=H&amount=N&coin=C] (made that long ago;
    /// answers its id), /obtail-sim/move?id=ID&to=STATE[&quiet=1] (told with the notification
    /// the node gets on its side, silent where it acts itself), /obtail-sim/order-chat?id=ID
    /// [&text=TEXT]. What it did, for tests: GET /obtail-sim/store (every stored row, raw, and
    /// each order's states), /obtail-sim/sent (every frame broadcast, with when),
    /// /obtail-sim/requests (every /ob/ request line).
    ///
    /// Ends with a close frame 1001 to every client: exit 0 after --duration, 130 at Ctrl-C.
    ///
    /// Differs from a real node: a full queue drops its client after its socket has taken
    /// nothing for 1s (not at once); client messages are limited to 64 MiB; the stores keep
    /// the newest 20000 rows; every < is escaped (a node keeps the tags it allows, like
    /// <b>); other /ob/ paths answer the node's JSON 404.
    Sim(Box<SimArgs>),
    /// Write the shell completions and man page (for packagers)
    #[command(hide = true)]
    GenerateDocs {
        /// Directory to write completions/ and man/ into
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

/// The examples `obtail orders --help` ends with.
const ORDERS_EXAMPLES: &str = "Examples:
  obtail orders                                   the board of the local node
  obtail orders --needs-me --watch                what waits on you, live
  obtail orders --needs-me -n 1 --timeout 1h      wait until something needs you (exit 4 if not)
  obtail --demo orders --watch                    a living board of the simulated node";

/// `obtail orders`: the board's own options, and those of tailing that apply to it (the same
/// names and meanings; `OrdersArgs::tail_args` hands them to `Config` as tailing's).
#[derive(Debug, Clone, ClapArgs)]
pub struct OrdersArgs {
    /// Nodes: URLs (ws://, wss://, http(s)://, or HOST:PORT) or names of the config file
    /// (NAME or @NAME) [env: OBTAIL_URL] [default: ws://127.0.0.1:4002/ws]
    #[arg(value_name = "NODE", help_heading = "Connection")]
    pub nodes: Vec<String>,

    /// After the board, print each change as it happens (new order, state, deadline, chat)
    #[arg(long, help_heading = "Orders")]
    pub watch: bool,

    /// With --watch, re-read the lists this often, for changes the node announces to no one
    /// [default: 30s]
    #[arg(long, value_name = "DURATION", help_heading = "Orders")]
    pub poll: Option<String>,

    /// Also show final orders (completed, canceled, declined, refunded; resolved cases)
    #[arg(long, help_heading = "Orders")]
    pub all: bool,

    /// Only orders waiting on you
    #[arg(long, help_heading = "Orders")]
    pub needs_me: bool,

    /// Show the board of the built-in simulated node (no node needed)
    #[arg(long, help_heading = "Connection", conflicts_with = "nodes")]
    pub demo: bool,

    #[command(flatten)]
    pub demo_story: DemoArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes
    /// and $source (NAME=URL in place of a URL does the same)
    #[arg(
        long,
        value_name = "NAME=URL",
        help_heading = "Connection",
        conflicts_with = "demo"
    )]
    pub label: Vec<String>,

    /// Say on stderr when a node is connected (the default when stderr is a terminal)
    #[arg(short = 'v', long, help_heading = "Connection")]
    pub verbose: bool,

    #[command(flatten)]
    pub auth: AuthArgs,

    /// Run this jq program (jaq) on each order's object and print its outputs instead
    #[arg(
        short = 'f',
        long,
        value_name = "EXPR",
        help_heading = "Filtering",
        conflicts_with = "filter_file"
    )]
    pub filter: Option<String>,

    #[command(flatten)]
    pub program: ProgramInputs,

    /// Output format [default: pretty on a terminal, ndjson otherwise]
    #[arg(
        short = 'o',
        long,
        value_name = "FORMAT",
        help_heading = "Output",
        value_parser = orders_format()
    )]
    pub output: Option<Format>,

    /// Print string results of --filter without quotes, as jq -r does (a warning without -f)
    #[arg(short = 'r', long, help_heading = "Output")]
    pub raw_output: bool,

    #[command(flatten)]
    pub terminal: TerminalArgs,

    /// Exit after N orders and changes are printed, watching until then (0: print nothing)
    #[arg(short = 'n', long, value_name = "N", help_heading = "Control",
          allow_negative_numbers = true, value_parser = count)]
    pub count: Option<u64>,

    /// Give up (exit 4) if --count is not reached within DURATION; with --watch and no -n,
    /// stop then (exit 0)
    #[arg(long, value_name = "DURATION", help_heading = "Control")]
    pub timeout: Option<String>,

    /// At exit, print on stderr the socket's books and how often the lists were read
    /// (--stats=json: one JSON line)
    #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1, require_equals = true,
          default_missing_value = "table", help_heading = "Control")]
    pub stats: Option<StatsFormat>,
}

/// The board's formats: those of tailing but `raw` (a board has no text of its own to show).
fn orders_format() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["pretty", "json", "ndjson"])
        .map(|s: String| Format::from_str(&s, true).unwrap_or(Format::Ndjson))
}

impl OrdersArgs {
    /// The options tailing shares, as tailing's `Args`, so `Config` settles them the same way.
    pub fn tail_args(&self) -> Args {
        let mut a = Args::parse_from(["obtail"]);
        a.urls = self.nodes.clone();
        a.demo = self.demo;
        a.demo_story = self.demo_story.clone();
        a.connection = self.connection.clone();
        a.program = self.program.clone();
        a.auth = self.auth.clone();
        a.label = self.label.clone();
        a.verbose = self.verbose;
        a.filter = self.filter.clone();
        a.output = self.output;
        a.raw_output = self.raw_output;
        a.terminal = self.terminal.clone();
        a.count = self.count;
        a.timeout = self.timeout.clone();
        a.stats = self.stats;
        a
    }
}

/// The built-in node's story, for `--demo` when tailing and in `obtail orders`.
#[derive(Debug, Clone, ClapArgs)]
pub struct DemoArgs {
    /// Simulated time speed for --demo (1 = real time, 0 = as fast as possible)
    #[arg(
        long,
        value_name = "X",
        default_value = "1",
        requires = "demo",
        help_heading = "Connection"
    )]
    pub demo_speed: f64,

    /// Seed for the --demo storyline (same seed, same story)
    #[arg(long, value_name = "N", requires = "demo", help_heading = "Connection")]
    pub demo_seed: Option<u64>,
}

/// Where a jq program comes from besides `-f`, and its variables.
#[derive(Debug, Clone, ClapArgs)]
pub struct ProgramInputs {
    /// Read the jq program from FILE
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, help_heading = "Filtering")]
    pub filter_file: Option<PathBuf>,

    /// Bind $NAME to the string VALUE in the jq program (repeatable)
    #[arg(long, num_args = 2, value_names = ["NAME", "VALUE"], action = clap::ArgAction::Append, help_heading = "Filtering")]
    pub arg: Vec<String>,

    /// Bind $NAME to the JSON value JSON in the jq program (repeatable)
    #[arg(long, num_args = 2, value_names = ["NAME", "JSON"], action = clap::ArgAction::Append, help_heading = "Filtering")]
    pub argjson: Vec<String>,
}

/// How obtail reaches a node once it knows its URL: TLS, timeouts, reconnects and recovery.
/// Tailing and `obtail orders` take the same.
#[derive(Debug, Clone, ClapArgs)]
pub struct ConnectionArgs {
    /// Trust this PEM certificate (the node's CA, or its self-signed certificate) for wss://
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, help_heading = "Connection")]
    pub cacert: Option<PathBuf>,

    /// Do not verify the node's TLS certificate (prints a warning)
    #[arg(short = 'k', long, help_heading = "Connection")]
    pub insecure: bool,

    /// Give up a connection attempt (TCP, TLS and websocket handshakes together) after this long
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        help_heading = "Connection"
    )]
    pub connect_timeout: String,

    /// Send a websocket ping this often
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        help_heading = "Connection"
    )]
    pub ping_interval: String,

    /// Consider the connection dead after this long with no traffic and no pong
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        help_heading = "Connection"
    )]
    pub ping_timeout: String,

    /// Exit when the connection ends instead of reconnecting
    #[arg(long, help_heading = "Connection")]
    pub no_reconnect: bool,
    /// Longest wait between reconnect attempts (the first retries come within 100 ms)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5s",
        help_heading = "Connection"
    )]
    pub max_backoff: String,
    /// Do not read missed notifications and chat back over REST after a reconnect
    #[arg(long, help_heading = "Connection")]
    pub no_recover: bool,
}

/// The node's credentials, for tailing and `obtail orders` alike.
#[derive(Debug, Clone, ClapArgs)]
pub struct AuthArgs {
    /// HTTP basic auth user, with an optional :PASSWORD
    #[arg(
        short = 'u',
        long,
        value_name = "USER[:PASSWORD]",
        help_heading = "Auth"
    )]
    pub user: Option<String>,

    /// Read the basic auth password from FILE (or set OBTAIL_PASSWORD to the password itself)
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, help_heading = "Auth")]
    pub password_file: Option<PathBuf>,

    /// Auth cookie value (OpenBazaar_Auth_Cookie) [env: OBTAIL_COOKIE]
    // The env note is written out, as for URL, so that help and man page show it alike.
    #[arg(
        long,
        value_name = "VALUE",
        env = "OBTAIL_COOKIE",
        hide_env = true,
        help_heading = "Auth"
    )]
    pub cookie: Option<String>,

    /// Read the auth cookie from FILE, as the node writes <datadir>/.cookie
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, help_heading = "Auth")]
    pub cookie_file: Option<PathBuf>,

    /// The node's data directory, where its .cookie file is [default: for a node on this
    /// machine, ~/.openbazaar on Linux, ~/Library/Application Support/openbazaar on macOS,
    /// ~/openbazaar elsewhere, and their -testnet variants]
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath, help_heading = "Auth")]
    pub datadir: Option<PathBuf>,

    /// Extra HTTP header for the websocket handshake (repeatable)
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        help_heading = "Auth"
    )]
    pub headers: Vec<String>,
}

/// How obtail speaks to a terminal, for tailing and `obtail orders` alike.
#[derive(Debug, Clone, ClapArgs)]
pub struct TerminalArgs {
    /// When to use colors (auto honours NO_COLOR and CLICOLOR_FORCE)
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = "Output"
    )]
    pub color: ColorChoice,

    /// On a terminal, show whole pretty lines (they wrap) instead of cutting them to its width
    #[arg(long, help_heading = "Output")]
    pub wrap: bool,

    /// Say only errors and what was lost on stderr (no connection notes)
    #[arg(short = 'q', long, help_heading = "Output")]
    pub quiet: bool,
}

/// The command line with the `orders` command first: `obtail --demo orders --watch` is
/// `obtail orders --demo --watch`, since the command takes tailing's options itself. Only a
/// word in a node's place is moved (not an option's value, nothing after `--`).
pub fn hoist_orders(argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let command = <Args as clap::CommandFactory>::command();
    let mut i = 1;
    while let Some(word) = argv.get(i).and_then(|w| w.to_str()) {
        if word == "--" {
            break;
        }
        if word == "orders" {
            let mut out = argv.clone();
            let w = out.remove(i);
            out.insert(1, w);
            return out;
        }
        i += 1 + values_after(&command, word);
    }
    argv
}

/// How many of the following words an option takes as its values.
fn values_after(command: &clap::Command, word: &str) -> usize {
    let takes = |a: &clap::Arg| {
        let n = a.get_num_args().map_or(1, |r| r.min_values());
        if a.is_require_equals_set() || !a.get_action().takes_values() {
            0
        } else {
            n
        }
    };
    if let Some(long) = word.strip_prefix("--") {
        if long.contains('=') {
            return 0;
        }
        return command
            .get_arguments()
            .find(|a| a.get_long() == Some(long))
            .map_or(0, takes);
    }
    let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) else {
        return 0;
    };
    // `-kv` is two flags; `-n3` holds its value; `-n 3` takes the next word.
    for (at, c) in shorts.char_indices() {
        let Some(arg) = command.get_arguments().find(|a| a.get_short() == Some(c)) else {
            return 0;
        };
        let n = takes(arg);
        if n > 0 {
            return if at + c.len_utf8() < shorts.len() {
                n - 1
            } else {
                n
            };
        }
    }
    0
}

#[derive(Debug, Clone, ClapArgs)]
pub struct SimArgs {
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4002")]
    pub listen: String,

    /// Require HTTP basic auth with these credentials
    #[arg(long, value_name = "USER:PASS", conflicts_with = "cookie")]
    pub user: Option<String>,

    /// Require this OpenBazaar_Auth_Cookie value
    #[arg(long, value_name = "VALUE")]
    pub cookie: Option<String>,

    /// Serve wss:// with this PEM certificate (needs --tls-key)
    #[arg(long, value_name = "FILE", requires = "tls_key", value_hint = clap::ValueHint::FilePath)]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert", value_hint = clap::ValueHint::FilePath)]
    pub tls_key: Option<PathBuf>,

    /// Simulated time speed (1 = real time, 0 = as fast as clients read); with --frames,
    /// how many times faster than recorded
    #[arg(long, value_name = "X", default_value = "1")]
    pub speed: f64,

    /// Which node generation's frame shapes to send
    #[arg(long, value_enum, default_value = "0.14")]
    pub generation: Generation,

    /// Storyline seed (same seed, same story)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Stop after this long (e.g. 30s, 5m): close every client with 1001 and exit 0
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,

    /// Serve this recording (--record output, NDJSON or pretty frames; - for stdin) to
    /// every client from its first frame, instead of the story; --speed scales its pace
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub frames: Option<PathBuf>,

    /// With --frames: start the recording over at its end instead of closing with 1000
    #[arg(long = "loop", requires = "frames")]
    pub looping: bool,

    /// Restart like a crashed node every DURATION: drop every client without a close
    /// frame, refuse connections for --down-for, come back telling events at once
    #[arg(long, value_name = "DURATION")]
    pub restart_every: Option<String>,

    /// How long a restart refuses connections
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub down_for: String,

    /// Go silent on a schedule, EVERY:FOR (e.g. 30s:10s): no frames, no pongs, no REST
    /// answers, connections kept open (also on demand: POST /obtail-sim/stall)
    #[arg(long, value_name = "EVERY:FOR")]
    pub stall: Option<String>,

    /// Make the REST API (/ob/ only) fail on a schedule, MODE:EVERY:FOR (e.g. hang:30s:5s);
    /// MODE is hang, drip, endless, flood, error or huge (also on demand: POST
    /// /obtail-sim/rest-fault?mode=MODE[&for=DURATION])
    #[arg(long, value_name = "MODE:EVERY:FOR")]
    pub rest_fault: Option<String>,

    /// Run the story for this long before the listener opens (connections are refused
    /// meanwhile), as a node started before its client; its first minute (every kind) is
    /// told by then, faster than --speed if need be; at --speed 0, that much story at once
    #[arg(long, value_name = "DURATION", conflicts_with = "frames")]
    pub up_before: Option<String>,

    /// Peers now and then send chat whose message ids and subjects hold quotes, &, <, ",
    /// spaces or 500 characters (also on demand: POST /obtail-sim/hostile-chat?n=N)
    #[arg(long, conflicts_with = "frames")]
    pub hostile_chat: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per event: time, kind and a summary in plain words, cut to a terminal's width
    Pretty,
    /// The frame, indented (colored on a terminal)
    Json,
    /// The frame, compact, one per line
    Ndjson,
    /// The frame's text exactly as received
    Raw,
}

/// How `--stats` prints the books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// A table for people, 80 columns wide
    Table,
    /// One JSON object on one line, for scripts
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Generation {
    #[value(name = "0.13")]
    V013,
    #[value(name = "0.14")]
    V014,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        super::Args::command().debug_assert();
    }

    #[test]
    fn the_orders_command_moves_first() {
        let hoist = |words: &[&str]| -> Vec<String> {
            let argv = std::iter::once("obtail").chain(words.iter().copied());
            super::hoist_orders(argv.map(Into::into).collect())
                .into_iter()
                .map(|w| w.into_string().unwrap())
                .collect()
        };
        assert_eq!(
            hoist(&["--demo", "orders", "--watch"]),
            ["obtail", "orders", "--demo", "--watch"]
        );
        assert_eq!(
            hoist(&["-n", "3", "--timeout", "2s", "orders"])[1],
            "orders"
        );
        assert_eq!(hoist(&["shop", "orders"]), ["obtail", "orders", "shop"]);
        assert_eq!(hoist(&["-kn3", "orders"])[1], "orders");
        assert_eq!(hoist(&["--stats", "orders"])[1], "orders");
        // A value, not the command.
        assert_eq!(hoist(&["-f", "orders"]), ["obtail", "-f", "orders"]);
        assert_eq!(
            hoist(&["--arg", "a", "orders"]),
            ["obtail", "--arg", "a", "orders"]
        );
        assert_eq!(hoist(&["-n", "orders"]), ["obtail", "-n", "orders"]);
        assert_eq!(hoist(&["--", "orders"]), ["obtail", "--", "orders"]);
    }

    #[test]
    fn the_orders_options_say_what_tailings_say() {
        // The shared options are written twice; their help must not drift apart.
        let tail = super::Args::command();
        let orders = tail.find_subcommand("orders").unwrap().clone();
        let mut shared = 0;
        for a in orders.get_arguments() {
            let Some(t) = tail.get_arguments().find(|t| t.get_id() == a.get_id()) else {
                continue;
            };
            shared += 1;
            if ![
                "urls", "demo", "filter", "output", "count", "timeout", "stats",
            ]
            .contains(&a.get_id().as_str())
            {
                let help = |x: &clap::Arg| x.get_help().map(|h| h.to_string());
                assert_eq!(help(a), help(t), "--{}", a.get_id());
            }
            assert_eq!(a.get_short(), t.get_short(), "{}", a.get_id());
            assert_eq!(a.get_long(), t.get_long(), "{}", a.get_id());
        }
        assert!(shared > 25, "{shared}");
    }
}
