
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'obtail' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'obtail'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'obtail' {
            [CompletionResult]::new('--replay', '--replay', [CompletionResultType]::ParameterName, 'Read recorded frames from FILE (''-'' for stdin) instead of connecting')
            [CompletionResult]::new('--demo-speed', '--demo-speed', [CompletionResultType]::ParameterName, 'Simulated time speed for --demo (1 = real time, 0 = as fast as possible)')
            [CompletionResult]::new('--demo-seed', '--demo-seed', [CompletionResultType]::ParameterName, 'Seed for the --demo storyline (same seed, same story)')
            [CompletionResult]::new('--record', '--record', [CompletionResultType]::ParameterName, 'Append every received frame, before filtering, with its time and source, to FILE')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this PEM certificate (the node''s CA, or its self-signed certificate) for wss://')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up a connection attempt (TCP, TLS and websocket handshakes together) after this long')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Send a websocket ping this often')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'Consider the connection dead after this long with no traffic and no pong')
            [CompletionResult]::new('--max-backoff', '--max-backoff', [CompletionResultType]::ParameterName, 'Longest wait between reconnect attempts (the first retries come within 100 ms)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'First print the notifications and incoming chat of this far back (1h, 2d, or all)')
            [CompletionResult]::new('--buffer', '--buffer', [CompletionResultType]::ParameterName, 'Bytes of frames held while stdout is slow; beyond it frames are dropped and counted')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes and $source (NAME=URL in place of a URL does the same)')
            [CompletionResult]::new('--max-frame-size', '--max-frame-size', [CompletionResultType]::ParameterName, 'Largest frame to accept; larger ones are reported and skipped (e.g. 16MiB, 512k)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'HTTP basic auth user, with an optional :PASSWORD')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'HTTP basic auth user, with an optional :PASSWORD')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the basic auth password from FILE (or set OBTAIL_PASSWORD to the password itself)')
            [CompletionResult]::new('--cookie', '--cookie', [CompletionResultType]::ParameterName, 'Auth cookie value (OpenBazaar_Auth_Cookie) [env: OBTAIL_COOKIE]')
            [CompletionResult]::new('--cookie-file', '--cookie-file', [CompletionResultType]::ParameterName, 'Read the auth cookie from FILE, as the node writes <datadir>/.cookie')
            [CompletionResult]::new('--datadir', '--datadir', [CompletionResultType]::ParameterName, 'The node''s data directory, where its .cookie file is [default: for a node on this machine, ~/.openbazaar on Linux, ~/Library/Application Support/openbazaar on macOS, ~/openbazaar elsewhere, and their -testnet variants]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header for the websocket handshake (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for the websocket handshake (repeatable)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Keep these kinds: exact, dotted prefix or * glob; comma-separated, repeatable')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Keep these kinds: exact, dotted prefix or * glob; comma-separated, repeatable')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'Drop these kinds (same patterns as --type)')
            [CompletionResult]::new('--exclude-type', '--exclude-type', [CompletionResultType]::ParameterName, 'Drop these kinds (same patterns as --type)')
            [CompletionResult]::new('--order', '--order', [CompletionResultType]::ParameterName, 'Only frames about this order (an id, or a prefix of at least 6 characters)')
            [CompletionResult]::new('--peer', '--peer', [CompletionResultType]::ParameterName, 'Only frames involving this peer (an id or 6+ character prefix, or @handle)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only replies to this async API call')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Run this jq program (jaq) on each frame and print its outputs instead')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Run this jq program (jaq) on each frame and print its outputs instead')
            [CompletionResult]::new('--filter-file', '--filter-file', [CompletionResultType]::ParameterName, 'Read the jq program from FILE')
            [CompletionResult]::new('--arg', '--arg', [CompletionResultType]::ParameterName, 'Bind $NAME to the string VALUE in the jq program (repeatable)')
            [CompletionResult]::new('--argjson', '--argjson', [CompletionResultType]::ParameterName, 'Bind $NAME to the JSON value JSON in the jq program (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: pretty on a terminal, ndjson otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: pretty on a terminal, ndjson otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (auto honours NO_COLOR and CLICOLOR_FORCE)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after N events are printed (0: print nothing, exit 0)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after N events are printed (0: print nothing, exit 0)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up (exit 4) if --count is not reached within DURATION (30s, 5m); without -n, stop then (exit 0)')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'At exit, print the books on stderr per source and kind: received, recovered, printed, filtered, invalid, dropped, duplicate and queued frames (--stats=json: one JSON line)')
            [CompletionResult]::new('--demo', '--demo', [CompletionResultType]::ParameterName, 'Tail the built-in simulated node (no node needed)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the node''s TLS certificate (prints a warning)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the node''s TLS certificate (prints a warning)')
            [CompletionResult]::new('--no-reconnect', '--no-reconnect', [CompletionResultType]::ParameterName, 'Exit when the connection ends instead of reconnecting')
            [CompletionResult]::new('--no-recover', '--no-recover', [CompletionResultType]::ParameterName, 'Do not read missed notifications and chat back over REST after a reconnect')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr when a node is connected (the default when stderr is a terminal)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr when a node is connected (the default when stderr is a terminal)')
            [CompletionResult]::new('--envelope', '--envelope', [CompletionResultType]::ParameterName, 'In json/ndjson, wrap each event as {"time","kind","source","frame"} (a warning otherwise)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Print string results of --filter without quotes, as jq -r does (a warning without -f)')
            [CompletionResult]::new('--raw-output', '--raw-output', [CompletionResultType]::ParameterName, 'Print string results of --filter without quotes, as jq -r does (a warning without -f)')
            [CompletionResult]::new('--wrap', '--wrap', [CompletionResultType]::ParameterName, 'On a terminal, show whole pretty lines (they wrap) instead of cutting them to its width')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only errors and what was lost on stderr (no connection notes)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only errors and what was lost on stderr (no connection notes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('kinds', 'kinds', [CompletionResultType]::ParameterValue, 'List every kind with a one-line description')
            [CompletionResult]::new('nodes', 'nodes', [CompletionResultType]::ParameterValue, 'List the named nodes of the config file (~/.config/obtail/config.toml on Linux)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completions obtail ships for SHELL')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page obtail ships (man -l <(obtail man))')
            [CompletionResult]::new('orders', 'orders', [CompletionResultType]::ParameterValue, 'Every order that is not final: who must act next and by when (--watch: live)')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run the simulated node as a websocket server')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'obtail;kinds' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the list as one JSON array of {kind, family, description}')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'obtail;nodes' {
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Print only each name and its URL, tab-separated (for shell completion)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'obtail;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'obtail;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'obtail;orders' {
            [CompletionResult]::new('--poll', '--poll', [CompletionResultType]::ParameterName, 'With --watch, re-read the lists this often, for changes the node announces to no one [default: 30s]')
            [CompletionResult]::new('--demo-speed', '--demo-speed', [CompletionResultType]::ParameterName, 'Simulated time speed for --demo (1 = real time, 0 = as fast as possible)')
            [CompletionResult]::new('--demo-seed', '--demo-seed', [CompletionResultType]::ParameterName, 'Seed for the --demo storyline (same seed, same story)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust this PEM certificate (the node''s CA, or its self-signed certificate) for wss://')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up a connection attempt (TCP, TLS and websocket handshakes together) after this long')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'Send a websocket ping this often')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'Consider the connection dead after this long with no traffic and no pong')
            [CompletionResult]::new('--max-backoff', '--max-backoff', [CompletionResultType]::ParameterName, 'Longest wait between reconnect attempts (the first retries come within 100 ms)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes and $source (NAME=URL in place of a URL does the same)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'HTTP basic auth user, with an optional :PASSWORD')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'HTTP basic auth user, with an optional :PASSWORD')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the basic auth password from FILE (or set OBTAIL_PASSWORD to the password itself)')
            [CompletionResult]::new('--cookie', '--cookie', [CompletionResultType]::ParameterName, 'Auth cookie value (OpenBazaar_Auth_Cookie) [env: OBTAIL_COOKIE]')
            [CompletionResult]::new('--cookie-file', '--cookie-file', [CompletionResultType]::ParameterName, 'Read the auth cookie from FILE, as the node writes <datadir>/.cookie')
            [CompletionResult]::new('--datadir', '--datadir', [CompletionResultType]::ParameterName, 'The node''s data directory, where its .cookie file is [default: for a node on this machine, ~/.openbazaar on Linux, ~/Library/Application Support/openbazaar on macOS, ~/openbazaar elsewhere, and their -testnet variants]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra HTTP header for the websocket handshake (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra HTTP header for the websocket handshake (repeatable)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Run this jq program (jaq) on each order''s object and print its outputs instead')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Run this jq program (jaq) on each order''s object and print its outputs instead')
            [CompletionResult]::new('--filter-file', '--filter-file', [CompletionResultType]::ParameterName, 'Read the jq program from FILE')
            [CompletionResult]::new('--arg', '--arg', [CompletionResultType]::ParameterName, 'Bind $NAME to the string VALUE in the jq program (repeatable)')
            [CompletionResult]::new('--argjson', '--argjson', [CompletionResultType]::ParameterName, 'Bind $NAME to the JSON value JSON in the jq program (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format [default: pretty on a terminal, ndjson otherwise]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format [default: pretty on a terminal, ndjson otherwise]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors (auto honours NO_COLOR and CLICOLOR_FORCE)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Exit after N orders and changes are printed, watching until then (0: print nothing)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after N orders and changes are printed, watching until then (0: print nothing)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up (exit 4) if --count is not reached within DURATION; with --watch and no -n, stop then (exit 0)')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'At exit, print on stderr the socket''s books and how often the lists were read (--stats=json: one JSON line)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'After the board, print each change as it happens (new order, state, deadline, chat)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also show final orders (completed, canceled, declined, refunded; resolved cases)')
            [CompletionResult]::new('--needs-me', '--needs-me', [CompletionResultType]::ParameterName, 'Only orders waiting on you')
            [CompletionResult]::new('--demo', '--demo', [CompletionResultType]::ParameterName, 'Show the board of the built-in simulated node (no node needed)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Do not verify the node''s TLS certificate (prints a warning)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the node''s TLS certificate (prints a warning)')
            [CompletionResult]::new('--no-reconnect', '--no-reconnect', [CompletionResultType]::ParameterName, 'Exit when the connection ends instead of reconnecting')
            [CompletionResult]::new('--no-recover', '--no-recover', [CompletionResultType]::ParameterName, 'Do not read missed notifications and chat back over REST after a reconnect')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr when a node is connected (the default when stderr is a terminal)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr when a node is connected (the default when stderr is a terminal)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Print string results of --filter without quotes, as jq -r does (a warning without -f)')
            [CompletionResult]::new('--raw-output', '--raw-output', [CompletionResultType]::ParameterName, 'Print string results of --filter without quotes, as jq -r does (a warning without -f)')
            [CompletionResult]::new('--wrap', '--wrap', [CompletionResultType]::ParameterName, 'On a terminal, show whole pretty lines (they wrap) instead of cutting them to its width')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say only errors and what was lost on stderr (no connection notes)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say only errors and what was lost on stderr (no connection notes)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'obtail;sim' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Require HTTP basic auth with these credentials')
            [CompletionResult]::new('--cookie', '--cookie', [CompletionResultType]::ParameterName, 'Require this OpenBazaar_Auth_Cookie value')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve wss:// with this PEM certificate (needs --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key for --tls-cert')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'Simulated time speed (1 = real time, 0 = as fast as clients read); with --frames, how many times faster than recorded')
            [CompletionResult]::new('--generation', '--generation', [CompletionResultType]::ParameterName, 'Which node generation''s frame shapes to send')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Storyline seed (same seed, same story)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long (e.g. 30s, 5m): close every client with 1001 and exit 0')
            [CompletionResult]::new('--frames', '--frames', [CompletionResultType]::ParameterName, 'Serve this recording (--record output, NDJSON or pretty frames; - for stdin) to every client from its first frame, instead of the story; --speed scales its pace')
            [CompletionResult]::new('--restart-every', '--restart-every', [CompletionResultType]::ParameterName, 'Restart like a crashed node every DURATION: drop every client without a close frame, refuse connections for --down-for, come back telling events at once')
            [CompletionResult]::new('--down-for', '--down-for', [CompletionResultType]::ParameterName, 'How long a restart refuses connections')
            [CompletionResult]::new('--stall', '--stall', [CompletionResultType]::ParameterName, 'Go silent on a schedule, EVERY:FOR (e.g. 30s:10s): no frames, no pongs, no REST answers, connections kept open (also on demand: POST /obtail-sim/stall)')
            [CompletionResult]::new('--rest-fault', '--rest-fault', [CompletionResultType]::ParameterName, 'Make the REST API (/ob/ only) fail on a schedule, MODE:EVERY:FOR (e.g. hang:30s:5s); MODE is hang, drip, endless, flood, error or huge (also on demand: POST /obtail-sim/rest-fault?mode=MODE[&for=DURATION])')
            [CompletionResult]::new('--up-before', '--up-before', [CompletionResultType]::ParameterName, 'Run the story for this long before the listener opens (connections are refused meanwhile), as a node started before its client; its first minute (every kind) is told by then, faster than --speed if need be; at --speed 0, that much story at once')
            [CompletionResult]::new('--loop', '--loop', [CompletionResultType]::ParameterName, 'With --frames: start the recording over at its end instead of closing with 1000')
            [CompletionResult]::new('--hostile-chat', '--hostile-chat', [CompletionResultType]::ParameterName, 'Peers now and then send chat whose message ids and subjects hold quotes, &, <, ", spaces or 500 characters (also on demand: POST /obtail-sim/hostile-chat?n=N)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'obtail;help' {
            [CompletionResult]::new('kinds', 'kinds', [CompletionResultType]::ParameterValue, 'List every kind with a one-line description')
            [CompletionResult]::new('nodes', 'nodes', [CompletionResultType]::ParameterValue, 'List the named nodes of the config file (~/.config/obtail/config.toml on Linux)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completions obtail ships for SHELL')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page obtail ships (man -l <(obtail man))')
            [CompletionResult]::new('orders', 'orders', [CompletionResultType]::ParameterValue, 'Every order that is not final: who must act next and by when (--watch: live)')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run the simulated node as a websocket server')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'obtail;help;kinds' {
            break
        }
        'obtail;help;nodes' {
            break
        }
        'obtail;help;completions' {
            break
        }
        'obtail;help;man' {
            break
        }
        'obtail;help;orders' {
            break
        }
        'obtail;help;sim' {
            break
        }
        'obtail;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
