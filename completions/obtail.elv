
use builtin;
use str;

set edit:completion:arg-completer[obtail] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'obtail'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'obtail'= {
            cand --replay 'Read recorded frames from FILE (''-'' for stdin) instead of connecting'
            cand --demo-speed 'Simulated time speed for --demo (1 = real time, 0 = as fast as possible)'
            cand --demo-seed 'Seed for the --demo storyline (same seed, same story)'
            cand --record 'Append every received frame, before filtering, with its time and source, to FILE'
            cand --cacert 'Trust this PEM certificate (the node''s CA, or its self-signed certificate) for wss://'
            cand --connect-timeout 'Give up a connection attempt (TCP, TLS and websocket handshakes together) after this long'
            cand --ping-interval 'Send a websocket ping this often'
            cand --ping-timeout 'Consider the connection dead after this long with no traffic and no pong'
            cand --max-backoff 'Longest wait between reconnect attempts (the first retries come within 100 ms)'
            cand --since 'First print the notifications and incoming chat of this far back (1h, 2d, or all)'
            cand --buffer 'Bytes of frames held while stdout is slow; beyond it frames are dropped and counted'
            cand --label 'Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes and $source (NAME=URL in place of a URL does the same)'
            cand --max-frame-size 'Largest frame to accept; larger ones are reported and skipped (e.g. 16MiB, 512k)'
            cand -u 'HTTP basic auth user, with an optional :PASSWORD'
            cand --user 'HTTP basic auth user, with an optional :PASSWORD'
            cand --password-file 'Read the basic auth password from FILE (or set OBTAIL_PASSWORD to the password itself)'
            cand --cookie 'Auth cookie value (OpenBazaar_Auth_Cookie) [env: OBTAIL_COOKIE]'
            cand --cookie-file 'Read the auth cookie from FILE, as the node writes <datadir>/.cookie'
            cand --datadir 'The node''s data directory, where its .cookie file is [default: for a node on this machine, ~/.openbazaar on Linux, ~/Library/Application Support/openbazaar on macOS, ~/openbazaar elsewhere, and their -testnet variants]'
            cand -H 'Extra HTTP header for the websocket handshake (repeatable)'
            cand --header 'Extra HTTP header for the websocket handshake (repeatable)'
            cand -t 'Keep these kinds: exact, dotted prefix or * glob; comma-separated, repeatable'
            cand --type 'Keep these kinds: exact, dotted prefix or * glob; comma-separated, repeatable'
            cand -T 'Drop these kinds (same patterns as --type)'
            cand --exclude-type 'Drop these kinds (same patterns as --type)'
            cand --order 'Only frames about this order (an id, or a prefix of at least 6 characters)'
            cand --peer 'Only frames involving this peer (an id or 6+ character prefix, or @handle)'
            cand --id 'Only replies to this async API call'
            cand -f 'Run this jq program (jaq) on each frame and print its outputs instead'
            cand --filter 'Run this jq program (jaq) on each frame and print its outputs instead'
            cand --filter-file 'Read the jq program from FILE'
            cand --arg 'Bind $NAME to the string VALUE in the jq program (repeatable)'
            cand --argjson 'Bind $NAME to the JSON value JSON in the jq program (repeatable)'
            cand -o 'Output format [default: pretty on a terminal, ndjson otherwise]'
            cand --output 'Output format [default: pretty on a terminal, ndjson otherwise]'
            cand --color 'When to use colors (auto honours NO_COLOR and CLICOLOR_FORCE)'
            cand -n 'Exit after N events are printed (0: print nothing, exit 0)'
            cand --count 'Exit after N events are printed (0: print nothing, exit 0)'
            cand --timeout 'Give up (exit 4) if --count is not reached within DURATION (30s, 5m); without -n, stop then (exit 0)'
            cand --stats 'At exit, print the books on stderr per source and kind: received, recovered, printed, filtered, invalid, dropped, duplicate and queued frames (--stats=json: one JSON line)'
            cand --demo 'Tail the built-in simulated node (no node needed)'
            cand -k 'Do not verify the node''s TLS certificate (prints a warning)'
            cand --insecure 'Do not verify the node''s TLS certificate (prints a warning)'
            cand --no-reconnect 'Exit when the connection ends instead of reconnecting'
            cand --no-recover 'Do not read missed notifications and chat back over REST after a reconnect'
            cand -v 'Say on stderr when a node is connected (the default when stderr is a terminal)'
            cand --verbose 'Say on stderr when a node is connected (the default when stderr is a terminal)'
            cand --envelope 'In json/ndjson, wrap each event as {"time","kind","source","frame"} (a warning otherwise)'
            cand -r 'Print string results of --filter without quotes, as jq -r does (a warning without -f)'
            cand --raw-output 'Print string results of --filter without quotes, as jq -r does (a warning without -f)'
            cand --wrap 'On a terminal, show whole pretty lines (they wrap) instead of cutting them to its width'
            cand -q 'Say only errors and what was lost on stderr (no connection notes)'
            cand --quiet 'Say only errors and what was lost on stderr (no connection notes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand kinds 'List every kind with a one-line description'
            cand nodes 'List the named nodes of the config file (~/.config/obtail/config.toml on Linux)'
            cand completions 'Print the shell completions obtail ships for SHELL'
            cand man 'Print the man page obtail ships (man -l <(obtail man))'
            cand orders 'Every order that is not final: who must act next and by when (--watch: live)'
            cand sim 'Run the simulated node as a websocket server'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'obtail;kinds'= {
            cand --json 'Print the list as one JSON array of {kind, family, description}'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'obtail;nodes'= {
            cand --names 'Print only each name and its URL, tab-separated (for shell completion)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'obtail;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'obtail;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'obtail;orders'= {
            cand --poll 'With --watch, re-read the lists this often, for changes the node announces to no one [default: 30s]'
            cand --demo-speed 'Simulated time speed for --demo (1 = real time, 0 = as fast as possible)'
            cand --demo-seed 'Seed for the --demo storyline (same seed, same story)'
            cand --cacert 'Trust this PEM certificate (the node''s CA, or its self-signed certificate) for wss://'
            cand --connect-timeout 'Give up a connection attempt (TCP, TLS and websocket handshakes together) after this long'
            cand --ping-interval 'Send a websocket ping this often'
            cand --ping-timeout 'Consider the connection dead after this long with no traffic and no pong'
            cand --max-backoff 'Longest wait between reconnect attempts (the first retries come within 100 ms)'
            cand --label 'Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes and $source (NAME=URL in place of a URL does the same)'
            cand -u 'HTTP basic auth user, with an optional :PASSWORD'
            cand --user 'HTTP basic auth user, with an optional :PASSWORD'
            cand --password-file 'Read the basic auth password from FILE (or set OBTAIL_PASSWORD to the password itself)'
            cand --cookie 'Auth cookie value (OpenBazaar_Auth_Cookie) [env: OBTAIL_COOKIE]'
            cand --cookie-file 'Read the auth cookie from FILE, as the node writes <datadir>/.cookie'
            cand --datadir 'The node''s data directory, where its .cookie file is [default: for a node on this machine, ~/.openbazaar on Linux, ~/Library/Application Support/openbazaar on macOS, ~/openbazaar elsewhere, and their -testnet variants]'
            cand -H 'Extra HTTP header for the websocket handshake (repeatable)'
            cand --header 'Extra HTTP header for the websocket handshake (repeatable)'
            cand -f 'Run this jq program (jaq) on each order''s object and print its outputs instead'
            cand --filter 'Run this jq program (jaq) on each order''s object and print its outputs instead'
            cand --filter-file 'Read the jq program from FILE'
            cand --arg 'Bind $NAME to the string VALUE in the jq program (repeatable)'
            cand --argjson 'Bind $NAME to the JSON value JSON in the jq program (repeatable)'
            cand -o 'Output format [default: pretty on a terminal, ndjson otherwise]'
            cand --output 'Output format [default: pretty on a terminal, ndjson otherwise]'
            cand --color 'When to use colors (auto honours NO_COLOR and CLICOLOR_FORCE)'
            cand -n 'Exit after N orders and changes are printed, watching until then (0: print nothing)'
            cand --count 'Exit after N orders and changes are printed, watching until then (0: print nothing)'
            cand --timeout 'Give up (exit 4) if --count is not reached within DURATION; with --watch and no -n, stop then (exit 0)'
            cand --stats 'At exit, print on stderr the socket''s books and how often the lists were read (--stats=json: one JSON line)'
            cand --watch 'After the board, print each change as it happens (new order, state, deadline, chat)'
            cand --all 'Also show final orders (completed, canceled, declined, refunded; resolved cases)'
            cand --needs-me 'Only orders waiting on you'
            cand --demo 'Show the board of the built-in simulated node (no node needed)'
            cand -k 'Do not verify the node''s TLS certificate (prints a warning)'
            cand --insecure 'Do not verify the node''s TLS certificate (prints a warning)'
            cand --no-reconnect 'Exit when the connection ends instead of reconnecting'
            cand --no-recover 'Do not read missed notifications and chat back over REST after a reconnect'
            cand -v 'Say on stderr when a node is connected (the default when stderr is a terminal)'
            cand --verbose 'Say on stderr when a node is connected (the default when stderr is a terminal)'
            cand -r 'Print string results of --filter without quotes, as jq -r does (a warning without -f)'
            cand --raw-output 'Print string results of --filter without quotes, as jq -r does (a warning without -f)'
            cand --wrap 'On a terminal, show whole pretty lines (they wrap) instead of cutting them to its width'
            cand -q 'Say only errors and what was lost on stderr (no connection notes)'
            cand --quiet 'Say only errors and what was lost on stderr (no connection notes)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'obtail;sim'= {
            cand --listen 'Address to listen on'
            cand --user 'Require HTTP basic auth with these credentials'
            cand --cookie 'Require this OpenBazaar_Auth_Cookie value'
            cand --tls-cert 'Serve wss:// with this PEM certificate (needs --tls-key)'
            cand --tls-key 'PEM private key for --tls-cert'
            cand --speed 'Simulated time speed (1 = real time, 0 = as fast as clients read); with --frames, how many times faster than recorded'
            cand --generation 'Which node generation''s frame shapes to send'
            cand --seed 'Storyline seed (same seed, same story)'
            cand --duration 'Stop after this long (e.g. 30s, 5m): close every client with 1001 and exit 0'
            cand --frames 'Serve this recording (--record output, NDJSON or pretty frames; - for stdin) to every client from its first frame, instead of the story; --speed scales its pace'
            cand --restart-every 'Restart like a crashed node every DURATION: drop every client without a close frame, refuse connections for --down-for, come back telling events at once'
            cand --down-for 'How long a restart refuses connections'
            cand --stall 'Go silent on a schedule, EVERY:FOR (e.g. 30s:10s): no frames, no pongs, no REST answers, connections kept open (also on demand: POST /obtail-sim/stall)'
            cand --rest-fault 'Make the REST API (/ob/ only) fail on a schedule, MODE:EVERY:FOR (e.g. hang:30s:5s); MODE is hang, drip, endless, flood, error or huge (also on demand: POST /obtail-sim/rest-fault?mode=MODE[&for=DURATION])'
            cand --up-before 'Run the story for this long before the listener opens (connections are refused meanwhile), as a node started before its client; its first minute (every kind) is told by then, faster than --speed if need be; at --speed 0, that much story at once'
            cand --loop 'With --frames: start the recording over at its end instead of closing with 1000'
            cand --hostile-chat 'Peers now and then send chat whose message ids and subjects hold quotes, &, <, ", spaces or 500 characters (also on demand: POST /obtail-sim/hostile-chat?n=N)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'obtail;help'= {
            cand kinds 'List every kind with a one-line description'
            cand nodes 'List the named nodes of the config file (~/.config/obtail/config.toml on Linux)'
            cand completions 'Print the shell completions obtail ships for SHELL'
            cand man 'Print the man page obtail ships (man -l <(obtail man))'
            cand orders 'Every order that is not final: who must act next and by when (--watch: live)'
            cand sim 'Run the simulated node as a websocket server'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'obtail;help;kinds'= {
        }
        &'obtail;help;nodes'= {
        }
        &'obtail;help;completions'= {
        }
        &'obtail;help;man'= {
        }
        &'obtail;help;orders'= {
        }
        &'obtail;help;sim'= {
        }
        &'obtail;help;help'= {
        }
    ]
    $completions[$command]
}
