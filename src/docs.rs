//! Completions and the man page, generated from the clap definition so they cannot drift.
//! `obtail generate-docs --out .` rewrites `completions/` and `man/`; a test compares them.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Args;
use crate::exit::{Failure, Stop};
use crate::kind::CATALOG;

/// The shells obtail ships completions for, and their files in `completions/`.
const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "obtail.bash"),
    (Shell::Zsh, "_obtail"),
    (Shell::Fish, "obtail.fish"),
    (Shell::Elvish, "obtail.elv"),
    (Shell::PowerShell, "_obtail.ps1"),
];

/// Every generated file, by path relative to the repository root.
pub fn files() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = SHELLS
        .iter()
        .map(|(shell, name)| (format!("completions/{name}"), completions(*shell)))
        .collect();
    out.push(("man/obtail.1".to_string(), man_page()));
    out
}

/// The completion script for one shell: what `completions/` ships and `obtail completions
/// SHELL` prints.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut completion_command(shell), "obtail", &mut buf);
    let script = String::from_utf8(buf).expect("clap_complete writes UTF-8");
    match shell {
        Shell::Zsh => zsh_fixes(&script),
        Shell::Fish => fish_fixes(&script),
        Shell::Bash => bash_fixes(&script),
        _ => script,
    }
    .into_bytes()
}

/// The command line as completions offer it. clap_complete lists hidden subcommands too, so
/// they are left out (`generate-docs` is for packagers, not for tab); `-t`/`-T` offer the
/// kind names (only here: clap would list all of them in an error); zsh reads a `:` in a
/// value name as the end of its message, and the URL positional as a first word that hides
/// the commands, so zsh gets neither (its nodes are offered by the `(*)` branch `zsh_fixes`
/// adds).
fn completion_command(shell: Shell) -> clap::Command {
    let full = Args::command();
    let args = full.get_arguments().cloned();
    let subcommands = full
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.clone().mut_args(|a| for_completion(a, shell)));
    let mut cmd = clap::Command::new("obtail")
        .version(env!("CARGO_PKG_VERSION"))
        .args_conflicts_with_subcommands(true)
        .args(args.collect::<Vec<_>>())
        .groups(full.get_groups().cloned())
        .subcommands(subcommands.collect::<Vec<_>>())
        .mut_args(|a| for_completion(a, shell));
    if let Some(about) = full.get_about() {
        cmd = cmd.about(about.clone());
    }
    cmd
}

/// One option as completions offer it: `-t`/`-T` with the kind names, a zsh value name with
/// its `:` escaped.
fn for_completion(mut a: clap::Arg, shell: Shell) -> clap::Arg {
    if matches!(a.get_id().as_str(), "types" | "exclude_types") {
        let kinds = crate::kind::completion_names();
        a = a.value_parser(clap::builder::PossibleValuesParser::new(kinds));
    }
    if shell == Shell::Zsh {
        if let Some(names) = a.get_value_names() {
            let escaped: Vec<String> = names.iter().map(|n| n.replace(':', "\\:")).collect();
            a = a.value_names(escaped);
        }
    }
    a
}

/// bash: the names of the config file's nodes are offered where a node goes.
fn bash_fixes(script: &str) -> String {
    let case = "        obtail)\n            opts=\"";
    let Some(at) = script.find(case) else {
        return script.to_string();
    };
    let Some(end) = script[at + case.len()..].find('\n') else {
        return script.to_string();
    };
    let line_end = at + case.len() + end + 1;
    let nodes = "            opts=\"${opts} $(obtail nodes --names 2>/dev/null | cut -f1)\"\n";
    format!("{}{nodes}{}", &script[..line_end], &script[line_end..])
}

/// zsh: the URL positional came first, so `obtail sim --<Tab>` took `sim` for a node and
/// offered the main options. Without it, the first word is a command or a node (both are
/// offered), and after a node a `(*)` branch offers the main options again.
fn zsh_fixes(script: &str) -> String {
    let script: String = script
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("'::urls -- "))
        .collect();
    let start = "    _arguments \"${_arguments_options[@]}\" : \\\n";
    let end = "\":: :_obtail_commands\" \\\n";
    let (Some(i), Some(j)) = (script.find(start), script.find(end)) else {
        return script;
    };
    let options = &script[i + start.len()..j];
    let branch = format!(
        "(*)\n_arguments \"${{_arguments_options[@]}}\" : \\\n{options}\
         '*::node -- a node URL or a name of the config file:_obtail_nodes' \\\n&& ret=0\n;;\n"
    );
    let anchor = "(help)\n_arguments \"${_arguments_options[@]}\" : \\\n\":: :_obtail__subcmd__help_commands\"";
    let nodes = "(( $+functions[_obtail_nodes] )) ||\n_obtail_nodes() {\n    \
        local nodes; nodes=(${(f)\"$(obtail nodes --names 2>/dev/null | tr '\\t' :)\"})\n    \
        _describe -t nodes 'named nodes' nodes \"$@\"\n}\n";
    script
        .replacen("words=($line[2] ", "words=($line[1] ", 1)
        .replacen("obtail-command-$line[2]:", "obtail-command-$line[1]:", 1)
        .replacen("case $line[2] in", "case $line[1] in", 1)
        .replacen(anchor, &format!("{branch}{anchor}"), 1)
        .replacen(
            "    _describe -t commands 'obtail commands' commands \"$@\"\n}\n",
            "    _describe -t commands 'obtail commands' commands \"$@\"\n    _obtail_nodes\n}\n",
            1,
        )
        .replacen(
            "(( $+functions[_obtail_commands] )) ||",
            &format!("{nodes}(( $+functions[_obtail_commands] )) ||"),
            1,
        )
}

/// fish: an option still waiting for its value (`obtail --color <Tab>`) made the whole line
/// unparsable, so its values fell back to file names; a first word that is a node, not a
/// command, hid the options after it.
fn fish_fixes(script: &str) -> String {
    let parse =
        "    argparse -s (__fish_obtail_global_optspecs) -- $cmd 2>/dev/null\n    or return\n";
    let tolerant = "    argparse -s (__fish_obtail_global_optspecs) -- $cmd 2>/dev/null\n    \
        or argparse -s (__fish_obtail_global_optspecs) -- $cmd[1..-2] 2>/dev/null\n    or return\n";
    let first = "    if set -q argv[1]\n";
    let command = "    if set -q argv[1]; and contains -- $argv[1] (__fish_obtail_commands)\n";
    let commands: Vec<String> = Args::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .chain(["help".to_string()])
        .collect();
    let list = format!(
        "function __fish_obtail_commands\n    string join \\n {}\nend\n\n",
        commands.join(" ")
    );
    let nodes = "complete -c obtail -n \"__fish_obtail_needs_command\" -f -a \"(command -q obtail; and obtail nodes --names 2>/dev/null)\"\n";
    // clap_complete leaves out the values of a command's positional (`completions SHELL`).
    let positionals: String = Args::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .flat_map(|c| c.get_positionals().map(move |a| (c.get_name().to_string(), a.clone())))
        .filter_map(|(name, a)| {
            let values: Vec<String> =
                a.get_possible_values().iter().map(|v| v.get_name().to_string()).collect();
            (!values.is_empty()).then(|| {
                format!(
                    "complete -c obtail -n \"__fish_obtail_using_subcommand {name}\" -f -a \"{}\"\n",
                    values.join(" ")
                )
            })
        })
        .collect();
    format!(
        "{list}{}{nodes}{positionals}",
        script
            .replacen(parse, tolerant, 1)
            .replacen(first, command, 1)
    )
}

pub fn generate(dir: &Path) -> Result<Stop, Failure> {
    for (path, bytes) in files() {
        let target = dir.join(&path);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(target.parent().unwrap_or(dir))?;
            std::fs::File::create(&target)?.write_all(&bytes)
        };
        write().map_err(|e| Failure::runtime(format!("cannot write {}: {e}", target.display())))?;
    }
    Ok(Stop::InputEnded)
}

/// The man page: what `man/obtail.1` ships and `obtail man` prints.
pub fn man_page() -> Vec<u8> {
    // The version alone: the page is committed, and a commit in it would be stale at once.
    let command = Args::command().version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(command).date("2026-11-27");
    let mut buf = Vec::new();
    let written = man
        .render_title(&mut buf)
        .and_then(|()| man.render_name_section(&mut buf))
        .and_then(|()| buf.write_all(synopsis_section().as_bytes()))
        .and_then(|()| man.render_description_section(&mut buf))
        .and_then(|()| man.render_options_section(&mut buf));
    written.expect("writing to a Vec cannot fail");
    buf.extend_from_slice(commands_section().as_bytes());
    buf.extend_from_slice(extra_sections().as_bytes());
    man.render_version_section(&mut buf)
        .expect("writing to a Vec cannot fail");
    buf
}

/// The forms of the command, as CLI.md gives them, then every option with its value; clap's
/// own synopsis shows `[--replay]` where the reader needs `[--replay FILE]`.
fn synopsis_section() -> String {
    // No hyphenation here: `--connect-timeout DU-RATION` split over two lines misleads.
    let mut s = String::from(".SH SYNOPSIS\n.nh\n.ad l\n");
    for form in [
        "\\fBobtail\\fR [\\fIOPTIONS\\fR] [\\fIURL\\fR]...",
        "\\fBobtail \\-\\-replay\\fR \\fIFILE\\fR|\\fB\\-\\fR [\\fIOPTIONS\\fR]",
        "\\fBobtail \\-\\-demo\\fR [\\fIOPTIONS\\fR]",
        "\\fBobtail\\fR [\\fIOPTIONS\\fR] \\fINAME\\fR|\\fB@\\fR\\fINAME\\fR...",
        "\\fBobtail sim\\fR [\\fISIM OPTIONS\\fR]",
        "\\fBobtail kinds\\fR [\\fB\\-\\-json\\fR]",
        "\\fBobtail nodes\\fR",
        "\\fBobtail completions\\fR \\fISHELL\\fR",
        "\\fBobtail man\\fR",
    ] {
        s.push_str(&format!("{form}\n.br\n"));
    }
    s.push_str(".PP\n\\fIOPTIONS\\fR:\n");
    let cmd = Args::command();
    let options: Vec<String> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .map(|a| {
            let mut names = Vec::new();
            if let Some(short) = a.get_short() {
                names.push(format!("\\fB\\-{}\\fR", roff(&short.to_string())));
            }
            if let Some(long) = a.get_long() {
                names.push(format!("\\fB\\-\\-{}\\fR", roff(long)));
            }
            let values = match a.get_value_names() {
                Some(v) if value_optional(a) => format!("[=\\fI{}\\fR]", roff(&v.join(" "))),
                Some(v) if takes_value(a) => v
                    .iter()
                    .map(|v| format!("\\ \\fI{}\\fR", roff(v).replace(' ', "\\ ")))
                    .collect::<String>(),
                _ => String::new(),
            };
            format!("[{}{values}]", names.join("|"))
        })
        .collect();
    s.push_str(&options.join(" "));
    s.push_str("\n.ad\n.hy\n");
    s
}

/// Whether an option takes a value (a flag's value name is only clap's name for its field).
fn takes_value(a: &clap::Arg) -> bool {
    a.get_num_args().is_none_or(|n| n.takes_values()) && a.get_action().takes_values()
}

/// Whether an option's value may be left out (`--stats` or `--stats=json`).
fn value_optional(a: &clap::Arg) -> bool {
    a.get_num_args().is_some_and(|n| n.min_values() == 0)
}

/// Escapes text for roff: backslashes, and a leading dot or quote that roff would obey.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// The subcommands with their options, in this page rather than pages of their own.
fn commands_section() -> String {
    let cmd = Args::command();
    let mut s = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        s.push_str(&format!(
            ".TP\n\\fBobtail {}\\fR\n{}\n",
            sub.get_name(),
            roff(&about)
        ));
        for arg in sub
            .get_arguments()
            .filter(|a| a.get_long().is_some() && a.get_id() != "help" && !a.is_hide_set())
        {
            // A flag has no value, whatever clap names its field (`--loop`, not `--loop
            // <LOOPING>`).
            let value = arg
                .get_value_names()
                .filter(|_| takes_value(arg))
                .map(|v| format!(" <{}>", v.join("> <")))
                .unwrap_or_default();
            let default = match arg.get_default_values() {
                [] => String::new(),
                d => format!(" [default: {}]", d[0].to_string_lossy()),
            };
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            s.push_str(&format!(
                ".RS\n.TP\n\\fB\\-\\-{}\\fR{}{}\n{}\n.RE\n",
                roff(arg.get_long().unwrap_or_default()),
                roff(&value),
                roff(&default),
                roff(&help)
            ));
        }
    }
    s
}

fn extra_sections() -> String {
    let mut s =
        String::from(".SH KINDS\nEvery frame gets exactly one kind, from the keys it carries.\n");
    for (name, what) in CATALOG {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff(name), roff(what)));
    }
    s.push_str(
        ".PP\nA pattern given to \\fB\\-t\\fR or \\fB\\-T\\fR matches a kind when equal, when it is a dotted prefix \
(\\fBnotification\\fR matches \\fBnotification.order\\fR; \\fBmessage\\fR does not match \\fBmessageTyping\\fR), \
or as a \\fB*\\fR glob; case\\-insensitive.\n",
    );
    s.push_str(".SH \"NOTHING LOST\"\n");
    s.push_str(&roff(NOTHING_LOST).replace("\n\n", "\n.PP\n"));
    s.push('\n');
    s.push_str(".SH \"EXIT STATUS\"\n");
    for (code, what) in EXIT_CODES {
        s.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff(what)));
    }
    s.push_str(".SH ENVIRONMENT\n");
    for (var, what) in ENVIRONMENT {
        s.push_str(&format!(".TP\n\\fB{var}\\fR\n{}\n", roff(what)));
    }
    s.push_str(&format!(
        ".SH FILES\n.TP\n\\fB~/.config/obtail/config.toml\\fR\n{}\n",
        roff(NODE_FILE)
    ));
    s.push_str(&format!(
        ".TP\n\\fB~/.openbazaar/.cookie\\fR\n{}\n",
        roff(
            "The node's auth cookie (OpenBazaar_Auth_Cookie=<value>), used when no other auth option is given and \
             the node is on this machine. On macOS it is in ~/Library/Application Support/openbazaar, elsewhere \
             ~/openbazaar; testnet nodes use the -testnet variants; --datadir names another directory."
        )
    ));
    s.push_str(".SH \"JQ PROGRAMS\"\n");
    s.push_str(&roff(JQ_DIFFERENCES).replace("\n\n", "\n.PP\n"));
    s.push_str("\n.SH EXAMPLES\n");
    for (what, cmd) in crate::cli::EXAMPLES {
        let mut what = what.to_string();
        if let Some(first) = what.get(..1) {
            what.replace_range(..1, &first.to_uppercase());
        }
        s.push_str(&format!(
            ".TP\n{}:\n.nf\n\\fB{}\\fR\n.fi\n",
            roff(&what),
            roff(cmd)
        ));
    }
    s
}

/// What obtail guarantees across gaps, and what the node cannot give back (docs/nothing-lost.md too).
pub const NOTHING_LOST: &str = "After a connection drops, obtail retries within about 100 ms and then \
with waits doubling up to --max-backoff (5 s). Status lines on stderr start with the local time; a \
reconnect says how long the node was away (since it was last heard) and what was read back.

For every list the node keeps (notifications, the direct chat of every peer, the chat of every order) \
obtail knows what was printed, live or read back, and a point below which every row is accounted for. \
At the first connection (what the node stored since obtail started), after every reconnect and after \
frames were dropped, a worker beside the socket reads each list back with the socket's TLS and \
credentials (a cookie found on disk included), newest first, down to that point, and prints what was \
not seen, oldest first and before the live frames that came meanwhile, through the same filters, \
programs and formats, marked \"recovered\": true in envelopes, $recovered in jq and (recovered) in \
pretty output. Order chat is read for every order of GET /ob/sales, /ob/purchases and /ob/cases and \
every order a stored notification names. A row read back waits half a second: a live copy arriving \
meanwhile is printed instead (live wins), one arriving later is counted as a duplicate. Only ids made \
of base58 characters are ever sent to the node. One read-back takes at most 60 s and holds at most \
--buffer bytes (16 MiB at least) and 5000 events (20,000 for --since); what it could not finish is \
said and read again later. A REST failure is a warning. --no-recover turns this off; --since \
DURATION|all prints history first.

The socket is read at all times, whatever the REST API does; frames wait in a queue of --buffer bytes \
(64 MiB). Beyond it they are dropped and counted, one line says so when output resumes, and the \
notifications and chat among them are read back. A drop still going on when obtail stops is said too. \
Ctrl-Z and fg keep the connection. --stats prints at exit, per source and kind: received, recovered, \
printed, filtered, invalid, dropped, duplicate and queued (still waiting when obtail stopped), with \
received + recovered = printed + filtered + invalid + dropped + duplicate + queued. After Ctrl-C, \
SIGTERM, SIGHUP or --timeout, one line says how many frames read were never printed (also without \
--stats); after -n or a closed stdout they are only counted. Ctrl-C ends obtail at once even while \
stdout is blocked (a paused pager): the write under way is given up and one line says how many bytes \
of output were not written.

The node does not store unfollows, typing, read receipts, wallet frames, status, async replies or echoes: \
those sent in a gap cannot be recovered. Order chat whose subject is not an order id is seen live only. \
A chat message dated by its sender more than 70 minutes before the newest one read when a gap began is \
not read back.";

pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "normal end: count reached, replay input ended, node closed with --no-reconnect, or the reader of stdout went away"),
    (1, "runtime failure: node unreachable and not retrying, I/O error"),
    (2, "usage error: bad option, bad URL, bad filter program"),
    (3, "the node refused authentication"),
    (4, "--timeout passed before --count was reached"),
    (5, "the jq program raised an error on every frame of a replay, as jq exits 5"),
    (130, "interrupted (Ctrl-C); 143 for SIGTERM and 129 for SIGHUP, which end obtail the same way"),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "OBTAIL_URL",
        "node URL(s) to tail when none is given on the command line",
    ),
    ("OBTAIL_PASSWORD", "password for basic auth (-u USER)"),
    ("OBTAIL_COOKIE", "the node's auth cookie value"),
    (
        "NO_COLOR",
        "when set and not empty, --color auto never colors",
    ),
    (
        "CLICOLOR_FORCE",
        "when set and not 0, --color auto colors even when not writing to a terminal",
    ),
    ("TZ", "time zone of the times in pretty output"),
    (
        "COLUMNS",
        "width that pretty lines are cut to on a terminal (0: whole lines, as --wrap; when unset, \
         the terminal's own width, followed as it is resized)",
    ),
    (
        "JQ_COLORS",
        "colors of -o json, as jq 1.7 reads them: null:false:true:numbers:strings:arrays:objects, \
         and an eighth for object keys",
    ),
    (
        "XDG_CONFIG_HOME",
        "where the config file of named nodes is (~/.config when unset)",
    ),
];

/// The config file of named nodes, for the man page.
const NODE_FILE: &str = "Named nodes, optional (on macOS in ~/Library/Application Support/obtail, \
on Windows in %APPDATA%\\obtail). Each [nodes.NAME] table has url, and may have label, user, \
password_file or password_env (the name of a variable holding the password), cookie_file or \
datadir, and cacert. A password or cookie in clear is refused, and so is a password or cookie \
file that every user of the machine can read. obtail NAME (or @NAME) tails the node; several \
names merge; options given on the command line apply to every node. obtail nodes lists them.";

pub const JQ_DIFFERENCES: &str = "Programs given to -f run on jaq, a jq clone, with its standard library. \
Variables $kind, $time, $source, $recovered (read back over REST after a gap) and $suspect (handles and names that look like others') describe the frame; \
--arg and --argjson add more.

Differences from jq: regular expressions use Rust regex syntax, not Oniguruma (\\p{L} is an error, \\w and (?i) \
match ASCII only); $__loc__, @csv, @tsv, input, inputs and input_filename are not available. $ENV is, as in jq.";
