function __fish_obtail_commands
    string join \n kinds nodes completions man orders sim help
end

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_obtail_global_optspecs
    string join \n replay= demo demo-speed= demo-seed= record= cacert= k/insecure connect-timeout= ping-interval= ping-timeout= no-reconnect max-backoff= no-recover since= buffer= label= v/verbose max-frame-size= u/user= password-file= cookie= cookie-file= datadir= H/header= t/type= T/exclude-type= order= peer= id= f/filter= filter-file= arg= argjson= o/output= envelope r/raw-output color= wrap q/quiet n/count= timeout= stats= h/help V/version
end

function __fish_obtail_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_obtail_global_optspecs) -- $cmd 2>/dev/null
    or argparse -s (__fish_obtail_global_optspecs) -- $cmd[1..-2] 2>/dev/null
    or return
    if set -q argv[1]; and contains -- $argv[1] (__fish_obtail_commands)
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_obtail_using_subcommand
    set -l cmd (__fish_obtail_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c obtail -n "__fish_obtail_needs_command" -l replay -d 'Read recorded frames from FILE (\'-\' for stdin) instead of connecting' -r -F
complete -c obtail -n "__fish_obtail_needs_command" -l demo-speed -d 'Simulated time speed for --demo (1 = real time, 0 = as fast as possible)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l demo-seed -d 'Seed for the --demo storyline (same seed, same story)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l record -d 'Append every received frame, before filtering, with its time and source, to FILE' -r -F
complete -c obtail -n "__fish_obtail_needs_command" -l cacert -d 'Trust this PEM certificate (the node\'s CA, or its self-signed certificate) for wss://' -r -F
complete -c obtail -n "__fish_obtail_needs_command" -l connect-timeout -d 'Give up a connection attempt (TCP, TLS and websocket handshakes together) after this long' -r
complete -c obtail -n "__fish_obtail_needs_command" -l ping-interval -d 'Send a websocket ping this often' -r
complete -c obtail -n "__fish_obtail_needs_command" -l ping-timeout -d 'Consider the connection dead after this long with no traffic and no pong' -r
complete -c obtail -n "__fish_obtail_needs_command" -l max-backoff -d 'Longest wait between reconnect attempts (the first retries come within 100 ms)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l since -d 'First print the notifications and incoming chat of this far back (1h, 2d, or all)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l buffer -d 'Bytes of frames held while stdout is slow; beyond it frames are dropped and counted' -r
complete -c obtail -n "__fish_obtail_needs_command" -l label -d 'Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes and $source (NAME=URL in place of a URL does the same)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l max-frame-size -d 'Largest frame to accept; larger ones are reported and skipped (e.g. 16MiB, 512k)' -r
complete -c obtail -n "__fish_obtail_needs_command" -s u -l user -d 'HTTP basic auth user, with an optional :PASSWORD' -r
complete -c obtail -n "__fish_obtail_needs_command" -l password-file -d 'Read the basic auth password from FILE (or set OBTAIL_PASSWORD to the password itself)' -r -F
complete -c obtail -n "__fish_obtail_needs_command" -l cookie -d 'Auth cookie value (OpenBazaar_Auth_Cookie) [env: OBTAIL_COOKIE]' -r
complete -c obtail -n "__fish_obtail_needs_command" -l cookie-file -d 'Read the auth cookie from FILE, as the node writes <datadir>/.cookie' -r -F
complete -c obtail -n "__fish_obtail_needs_command" -l datadir -d 'The node\'s data directory, where its .cookie file is [default: for a node on this machine, ~/.openbazaar on Linux, ~/Library/Application Support/openbazaar on macOS, ~/openbazaar elsewhere, and their -testnet variants]' -r -f -a "(__fish_complete_directories)"
complete -c obtail -n "__fish_obtail_needs_command" -s H -l header -d 'Extra HTTP header for the websocket handshake (repeatable)' -r
complete -c obtail -n "__fish_obtail_needs_command" -s t -l type -d 'Keep these kinds: exact, dotted prefix or * glob; comma-separated, repeatable' -r -f -a "wallet\t''
notification\t''
message\t''
status\t''
reply\t''
walletUpdate\t''
wallet.incoming\t''
wallet.outgoing\t''
notification.order\t''
notification.payment\t''
notification.orderConfirmation\t''
notification.orderDeclined\t''
notification.declined\t''
notification.cancel\t''
notification.refund\t''
notification.fulfillment\t''
notification.orderComplete\t''
notification.completion\t''
notification.processingError\t''
notification.disputeOpen\t''
notification.disputeUpdate\t''
notification.disputeClose\t''
notification.disputeAccepted\t''
notification.follow\t''
notification.unfollow\t''
notification.moderatorAdd\t''
notification.moderatorRemove\t''
notification.buyerDisputeTimeout\t''
notification.buyerDisputeExpiry\t''
notification.vendorDisputeTimeout\t''
notification.moderatorDisputeExpiry\t''
notification.vendorFinalizedPayment\t''
message.direct\t''
message.order\t''
messageTyping\t''
messageRead\t''
status.publishing\t''
status.complete\t''
status.error\t''
reply.profile\t''
reply.profile.error\t''
reply.moderator\t''
reply.rating\t''
reply.rating.error\t''
unknown\t''
invalid\t''"
complete -c obtail -n "__fish_obtail_needs_command" -s T -l exclude-type -d 'Drop these kinds (same patterns as --type)' -r -f -a "wallet\t''
notification\t''
message\t''
status\t''
reply\t''
walletUpdate\t''
wallet.incoming\t''
wallet.outgoing\t''
notification.order\t''
notification.payment\t''
notification.orderConfirmation\t''
notification.orderDeclined\t''
notification.declined\t''
notification.cancel\t''
notification.refund\t''
notification.fulfillment\t''
notification.orderComplete\t''
notification.completion\t''
notification.processingError\t''
notification.disputeOpen\t''
notification.disputeUpdate\t''
notification.disputeClose\t''
notification.disputeAccepted\t''
notification.follow\t''
notification.unfollow\t''
notification.moderatorAdd\t''
notification.moderatorRemove\t''
notification.buyerDisputeTimeout\t''
notification.buyerDisputeExpiry\t''
notification.vendorDisputeTimeout\t''
notification.moderatorDisputeExpiry\t''
notification.vendorFinalizedPayment\t''
message.direct\t''
message.order\t''
messageTyping\t''
messageRead\t''
status.publishing\t''
status.complete\t''
status.error\t''
reply.profile\t''
reply.profile.error\t''
reply.moderator\t''
reply.rating\t''
reply.rating.error\t''
unknown\t''
invalid\t''"
complete -c obtail -n "__fish_obtail_needs_command" -l order -d 'Only frames about this order (an id, or a prefix of at least 6 characters)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l peer -d 'Only frames involving this peer (an id or 6+ character prefix, or @handle)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l id -d 'Only replies to this async API call' -r
complete -c obtail -n "__fish_obtail_needs_command" -s f -l filter -d 'Run this jq program (jaq) on each frame and print its outputs instead' -r
complete -c obtail -n "__fish_obtail_needs_command" -l filter-file -d 'Read the jq program from FILE' -r -F
complete -c obtail -n "__fish_obtail_needs_command" -l arg -d 'Bind $NAME to the string VALUE in the jq program (repeatable)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l argjson -d 'Bind $NAME to the JSON value JSON in the jq program (repeatable)' -r
complete -c obtail -n "__fish_obtail_needs_command" -s o -l output -d 'Output format [default: pretty on a terminal, ndjson otherwise]' -r -f -a "pretty\t'One line per event: time, kind and a summary in plain words, cut to a terminal\'s width'
json\t'The frame, indented (colored on a terminal)'
ndjson\t'The frame, compact, one per line'
raw\t'The frame\'s text exactly as received'"
complete -c obtail -n "__fish_obtail_needs_command" -l color -d 'When to use colors (auto honours NO_COLOR and CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c obtail -n "__fish_obtail_needs_command" -s n -l count -d 'Exit after N events are printed (0: print nothing, exit 0)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l timeout -d 'Give up (exit 4) if --count is not reached within DURATION (30s, 5m); without -n, stop then (exit 0)' -r
complete -c obtail -n "__fish_obtail_needs_command" -l stats -d 'At exit, print the books on stderr per source and kind: received, recovered, printed, filtered, invalid, dropped, duplicate and queued frames (--stats=json: one JSON line)' -r -f -a "table\t'A table for people, 80 columns wide'
json\t'One JSON object on one line, for scripts'"
complete -c obtail -n "__fish_obtail_needs_command" -l demo -d 'Tail the built-in simulated node (no node needed)'
complete -c obtail -n "__fish_obtail_needs_command" -s k -l insecure -d 'Do not verify the node\'s TLS certificate (prints a warning)'
complete -c obtail -n "__fish_obtail_needs_command" -l no-reconnect -d 'Exit when the connection ends instead of reconnecting'
complete -c obtail -n "__fish_obtail_needs_command" -l no-recover -d 'Do not read missed notifications and chat back over REST after a reconnect'
complete -c obtail -n "__fish_obtail_needs_command" -s v -l verbose -d 'Say on stderr when a node is connected (the default when stderr is a terminal)'
complete -c obtail -n "__fish_obtail_needs_command" -l envelope -d 'In json/ndjson, wrap each event as {"time","kind","source","frame"} (a warning otherwise)'
complete -c obtail -n "__fish_obtail_needs_command" -s r -l raw-output -d 'Print string results of --filter without quotes, as jq -r does (a warning without -f)'
complete -c obtail -n "__fish_obtail_needs_command" -l wrap -d 'On a terminal, show whole pretty lines (they wrap) instead of cutting them to its width'
complete -c obtail -n "__fish_obtail_needs_command" -s q -l quiet -d 'Say only errors and what was lost on stderr (no connection notes)'
complete -c obtail -n "__fish_obtail_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c obtail -n "__fish_obtail_needs_command" -s V -l version -d 'Print version'
complete -c obtail -n "__fish_obtail_needs_command" -a "kinds" -d 'List every kind with a one-line description'
complete -c obtail -n "__fish_obtail_needs_command" -a "nodes" -d 'List the named nodes of the config file (~/.config/obtail/config.toml on Linux)'
complete -c obtail -n "__fish_obtail_needs_command" -a "completions" -d 'Print the shell completions obtail ships for SHELL'
complete -c obtail -n "__fish_obtail_needs_command" -a "man" -d 'Print the man page obtail ships (man -l <(obtail man))'
complete -c obtail -n "__fish_obtail_needs_command" -a "orders" -d 'Every order that is not final: who must act next and by when (--watch: live)'
complete -c obtail -n "__fish_obtail_needs_command" -a "sim" -d 'Run the simulated node as a websocket server'
complete -c obtail -n "__fish_obtail_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c obtail -n "__fish_obtail_using_subcommand kinds" -l json -d 'Print the list as one JSON array of {kind, family, description}'
complete -c obtail -n "__fish_obtail_using_subcommand kinds" -s h -l help -d 'Print help'
complete -c obtail -n "__fish_obtail_using_subcommand nodes" -l names -d 'Print only each name and its URL, tab-separated (for shell completion)'
complete -c obtail -n "__fish_obtail_using_subcommand nodes" -s h -l help -d 'Print help'
complete -c obtail -n "__fish_obtail_using_subcommand completions" -s h -l help -d 'Print help'
complete -c obtail -n "__fish_obtail_using_subcommand man" -s h -l help -d 'Print help'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l poll -d 'With --watch, re-read the lists this often, for changes the node announces to no one [default: 30s]' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l demo-speed -d 'Simulated time speed for --demo (1 = real time, 0 = as fast as possible)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l demo-seed -d 'Seed for the --demo storyline (same seed, same story)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l cacert -d 'Trust this PEM certificate (the node\'s CA, or its self-signed certificate) for wss://' -r -F
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l connect-timeout -d 'Give up a connection attempt (TCP, TLS and websocket handshakes together) after this long' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l ping-interval -d 'Send a websocket ping this often' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l ping-timeout -d 'Consider the connection dead after this long with no traffic and no pong' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l max-backoff -d 'Longest wait between reconnect attempts (the first retries come within 100 ms)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l label -d 'Tail the node at URL under a short NAME, shown instead of its URL in labels, envelopes and $source (NAME=URL in place of a URL does the same)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s u -l user -d 'HTTP basic auth user, with an optional :PASSWORD' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l password-file -d 'Read the basic auth password from FILE (or set OBTAIL_PASSWORD to the password itself)' -r -F
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l cookie -d 'Auth cookie value (OpenBazaar_Auth_Cookie) [env: OBTAIL_COOKIE]' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l cookie-file -d 'Read the auth cookie from FILE, as the node writes <datadir>/.cookie' -r -F
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l datadir -d 'The node\'s data directory, where its .cookie file is [default: for a node on this machine, ~/.openbazaar on Linux, ~/Library/Application Support/openbazaar on macOS, ~/openbazaar elsewhere, and their -testnet variants]' -r -f -a "(__fish_complete_directories)"
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s H -l header -d 'Extra HTTP header for the websocket handshake (repeatable)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s f -l filter -d 'Run this jq program (jaq) on each order\'s object and print its outputs instead' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l filter-file -d 'Read the jq program from FILE' -r -F
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l arg -d 'Bind $NAME to the string VALUE in the jq program (repeatable)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l argjson -d 'Bind $NAME to the JSON value JSON in the jq program (repeatable)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s o -l output -d 'Output format [default: pretty on a terminal, ndjson otherwise]' -r -f -a "pretty\t''
json\t''
ndjson\t''"
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l color -d 'When to use colors (auto honours NO_COLOR and CLICOLOR_FORCE)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s n -l count -d 'Exit after N orders and changes are printed, watching until then (0: print nothing)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l timeout -d 'Give up (exit 4) if --count is not reached within DURATION; with --watch and no -n, stop then (exit 0)' -r
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l stats -d 'At exit, print on stderr the socket\'s books and how often the lists were read (--stats=json: one JSON line)' -r -f -a "table\t'A table for people, 80 columns wide'
json\t'One JSON object on one line, for scripts'"
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l watch -d 'After the board, print each change as it happens (new order, state, deadline, chat)'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l all -d 'Also show final orders (completed, canceled, declined, refunded; resolved cases)'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l needs-me -d 'Only orders waiting on you'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l demo -d 'Show the board of the built-in simulated node (no node needed)'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s k -l insecure -d 'Do not verify the node\'s TLS certificate (prints a warning)'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l no-reconnect -d 'Exit when the connection ends instead of reconnecting'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l no-recover -d 'Do not read missed notifications and chat back over REST after a reconnect'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s v -l verbose -d 'Say on stderr when a node is connected (the default when stderr is a terminal)'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s r -l raw-output -d 'Print string results of --filter without quotes, as jq -r does (a warning without -f)'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -l wrap -d 'On a terminal, show whole pretty lines (they wrap) instead of cutting them to its width'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s q -l quiet -d 'Say only errors and what was lost on stderr (no connection notes)'
complete -c obtail -n "__fish_obtail_using_subcommand orders" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l listen -d 'Address to listen on' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l user -d 'Require HTTP basic auth with these credentials' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l cookie -d 'Require this OpenBazaar_Auth_Cookie value' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l tls-cert -d 'Serve wss:// with this PEM certificate (needs --tls-key)' -r -F
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l tls-key -d 'PEM private key for --tls-cert' -r -F
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l speed -d 'Simulated time speed (1 = real time, 0 = as fast as clients read); with --frames, how many times faster than recorded' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l generation -d 'Which node generation\'s frame shapes to send' -r -f -a "0.13\t''
0.14\t''"
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l seed -d 'Storyline seed (same seed, same story)' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l duration -d 'Stop after this long (e.g. 30s, 5m): close every client with 1001 and exit 0' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l frames -d 'Serve this recording (--record output, NDJSON or pretty frames; - for stdin) to every client from its first frame, instead of the story; --speed scales its pace' -r -F
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l restart-every -d 'Restart like a crashed node every DURATION: drop every client without a close frame, refuse connections for --down-for, come back telling events at once' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l down-for -d 'How long a restart refuses connections' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l stall -d 'Go silent on a schedule, EVERY:FOR (e.g. 30s:10s): no frames, no pongs, no REST answers, connections kept open (also on demand: POST /obtail-sim/stall)' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l rest-fault -d 'Make the REST API (/ob/ only) fail on a schedule, MODE:EVERY:FOR (e.g. hang:30s:5s); MODE is hang, drip, endless, flood, error or huge (also on demand: POST /obtail-sim/rest-fault?mode=MODE[&for=DURATION])' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l up-before -d 'Run the story for this long before the listener opens (connections are refused meanwhile), as a node started before its client; its first minute (every kind) is told by then, faster than --speed if need be; at --speed 0, that much story at once' -r
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l loop -d 'With --frames: start the recording over at its end instead of closing with 1000'
complete -c obtail -n "__fish_obtail_using_subcommand sim" -l hostile-chat -d 'Peers now and then send chat whose message ids and subjects hold quotes, &, <, ", spaces or 500 characters (also on demand: POST /obtail-sim/hostile-chat?n=N)'
complete -c obtail -n "__fish_obtail_using_subcommand sim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c obtail -n "__fish_obtail_using_subcommand help; and not __fish_seen_subcommand_from kinds nodes completions man orders sim help" -f -a "kinds" -d 'List every kind with a one-line description'
complete -c obtail -n "__fish_obtail_using_subcommand help; and not __fish_seen_subcommand_from kinds nodes completions man orders sim help" -f -a "nodes" -d 'List the named nodes of the config file (~/.config/obtail/config.toml on Linux)'
complete -c obtail -n "__fish_obtail_using_subcommand help; and not __fish_seen_subcommand_from kinds nodes completions man orders sim help" -f -a "completions" -d 'Print the shell completions obtail ships for SHELL'
complete -c obtail -n "__fish_obtail_using_subcommand help; and not __fish_seen_subcommand_from kinds nodes completions man orders sim help" -f -a "man" -d 'Print the man page obtail ships (man -l <(obtail man))'
complete -c obtail -n "__fish_obtail_using_subcommand help; and not __fish_seen_subcommand_from kinds nodes completions man orders sim help" -f -a "orders" -d 'Every order that is not final: who must act next and by when (--watch: live)'
complete -c obtail -n "__fish_obtail_using_subcommand help; and not __fish_seen_subcommand_from kinds nodes completions man orders sim help" -f -a "sim" -d 'Run the simulated node as a websocket server'
complete -c obtail -n "__fish_obtail_using_subcommand help; and not __fish_seen_subcommand_from kinds nodes completions man orders sim help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c obtail -n "__fish_obtail_needs_command" -f -a "(command -q obtail; and obtail nodes --names 2>/dev/null)"
complete -c obtail -n "__fish_obtail_using_subcommand completions" -f -a "bash elvish fish powershell zsh"
