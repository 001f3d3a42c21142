#!/usr/bin/env bash
# The live path side by side, in one run, on this machine: one `obtail sim --frames FILE
# --speed 0` serves the same realistic recording (../shared/bench/gen_frames.py) to every
# client from its first frame, as fast as that client reads, and closes with 1000 at its end.
# Each client runs alone against it; its wall time gives frames/s, /usr/bin/time its peak RSS
# and CPU. A client is done when the sim closes (obtail --no-reconnect and websocat exit 0);
# the piped runs count their output lines, so every frame is known to have arrived.
#
# Usage: bench/live.sh [FRAMES]        (default 1000000; files are cached in bench/out/)
#   RUNS=3          runs of each client (interleaved; the table shows the median frames/s)
#   PARTS="throughput latency nodes"   which parts to run
#   NODES="1 10 50 200" NODE_FRAMES=20000   the many-nodes part
#   LAT_COUNT=3000  frames per latency run (at 100/s)
#   BASE=/path/to/obtail   adds "obtail (base)" rows: the same obtail cases run with that
#                   binary (a baseline build), interleaved with this one's, against the same sim
# Results: bench/out/live-*.md (markdown tables), raw timings in bench/out/live-raw.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${RUNS:-3}
parts=${PARTS:-throughput latency nodes}
shared=${SHARED:-../shared}
[ -d "$shared" ] || shared=/work/shared
out=bench/out
mkdir -p "$out"
export PATH="$HOME/.cargo/bin:$PATH"

frames="$out/frames-$n.ndjson"
[ -s "$frames" ] || python3 "$shared/bench/gen_frames.py" "$n" "$frames"
command -v websocat >/dev/null || cargo install websocat --locked
command -v jaq >/dev/null || cargo install jaq --locked
cargo build --profile profiling --quiet --bins --examples
obtail=target/profiling/obtail
ceiling=target/profiling/examples/ceiling
latency=target/profiling/examples/latency
program='select(.notification.type=="order")'
raw="$out/live-raw.txt"
: > "$raw"

# Starts `obtail sim` serving $1 and sets $sim_url and $sim_pid.
start_sim() {
    local log="$out/sim.log" port
    port=$((20000 + RANDOM % 20000))
    "$obtail" sim --listen "127.0.0.1:$port" --frames "$1" --speed 0 2> "$log" &
    sim_pid=$!
    for _ in $(seq 600); do
        grep -q 'listening on' "$log" 2>/dev/null && break
        kill -0 "$sim_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    sim_url=$(grep -o 'wss\?://[^ ]*' "$log" | head -1)
    [ -n "$sim_url" ] || { echo "no URL in $log" >&2; cat "$log" >&2; exit 1; }
}

stop_sim() {
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
}

# The machine the numbers come from.
machine() {
    echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- $("$obtail" --version) at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml || echo '+changes'); $(websocat --version); $(jaq --version); $(rustc --version | cut -d' ' -f1-2)"
    [ -z "${BASE:-}" ] || echo "- obtail (base): $BASE ($("$BASE" --version))"
    echo "- frames: \`gen_frames.py $n\` (seed 20240601), $(wc -c < "$frames") bytes"
}

# time_cmd NAME EXPECTED_LINES SHELL_COMMAND
# Runs the command (a pipeline whose processes are each wrapped in `/usr/bin/time -o $T.k`);
# appends `NAME secs lines rss_kb... cpu_s` to $raw. EXPECTED_LINES `-` for /dev/null runs.
time_cmd() {
    local name=$1 expected=$2 cmd=$3 t0 t1 lines status
    T=$(mktemp -d)
    export T
    t0=$(date +%s%N)
    set +e
    lines=$(bash -o pipefail -c "$cmd")
    status=$?
    set -e
    t1=$(date +%s%N)
    if [ "$status" -ne 0 ]; then
        echo "FAILED ($status): $name: $cmd" >&2
        lines=failed
    elif [ "$expected" != - ] && [ "$lines" != "$expected" ]; then
        echo "INCOMPLETE: $name printed $lines lines, expected $expected" >&2
        lines="$lines!=$expected"
    fi
    # Each /usr/bin/time file: "maxrss_kb user_s sys_s"; $rss lists KiB per process.
    local rss="" cpu=0
    for f in "$T"/*; do
        read -r m u s < <(tail -1 "$f")
        rss="${rss:+$rss+}$m"
        cpu=$(echo "$cpu + $u + $s" | bc)
    done
    rm -rf "$T"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(( (t1 - t0) / 1000000 ))" "${lines:--}" "$rss" "$cpu" |
        tee -a "$raw" >&2
}

TIME='/usr/bin/time -f "%M %U %S" -o $T'

throughput() {
    local all order url
    all=$n
    order=$(jaq -c "$program" "$frames" | wc -l)
    start_sim "$frames"
    url=$sim_url
    # A stream faster than obtail's main thread fills the queue to --buffer (64 MiB), and
    # frames beyond it are dropped and counted: at full speed every frame arrives only with
    # a queue as large as the stream. The last obtail row shows the default.
    # name @ expected lines (- when not counted) @ command
    local cases=(
        "ceiling (read, discard)@-@$TIME/1 $ceiling $url"
        "ceiling --print | wc -l@$all@$TIME/1 $ceiling --print $url | wc -l"
    )
    # The obtail cases, for this build and (with BASE) the baseline's, side by side.
    local bin label ob
    for bin in "$obtail" ${BASE:+"$BASE"}; do
        label=obtail
        [ "$bin" = "$obtail" ] || label="obtail (base)"
        ob="$bin --no-reconnect --buffer 1GiB $url"
        cases+=(
            "$label -o ndjson > /dev/null@-@$TIME/1 $ob -o ndjson > /dev/null"
            "$label -o ndjson | wc -l@$all@$TIME/1 $ob -o ndjson | wc -l"
            "$label -t notification.order@$order@$TIME/1 $ob -o ndjson -t notification.order | wc -l"
            "$label -f '$program'@$order@$TIME/1 $ob -o ndjson -f '$program' | wc -l"
            "$label -o ndjson | wc -l (default --buffer)@$all@$TIME/1 $bin --no-reconnect $url -o ndjson | wc -l"
        )
    done
    cases+=(
        "websocat -n -U > /dev/null@-@$TIME/1 websocat -n -U $url > /dev/null"
        "websocat -n -U | wc -l@$all@$TIME/1 websocat -n -U $url | wc -l"
        "websocat -n -U | jaq -c '$program'@$order@$TIME/1 websocat -n -U $url | $TIME/2 jaq -c '$program' | wc -l"
    )
    local r c
    for r in $(seq "$runs"); do
        for c in "${cases[@]}"; do
            IFS='@' read -r name expected cmd <<< "$c"
            time_cmd "$name" "$expected" "$cmd"
        done
    done
    stop_sim
    {
        echo "### Throughput: $n frames, each client alone against one \`obtail sim --frames --speed 0\`"
        echo
        machine
        echo "- each case run $runs times, interleaved; median frames/s, largest peak RSS (per process of a pipe); CPU = user+sys of the client process(es), median"
        echo
        echo "| Client | frames/s | ÷ ceiling | peak RSS MiB | CPU s | lines |"
        echo "|:---|---:|---:|---:|---:|---:|"
        local ceil
        ceil=$(awk -F'\t' -v n="$n" '$1 == "ceiling (read, discard)" {printf "%d\n", n / $2 * 1000}' "$raw" |
            sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
        for c in "${cases[@]}"; do
            IFS='@' read -r name _ _ <<< "$c"
            awk -F'\t' -v name="$name" -v n="$n" -v ceil="$ceil" '
                $1 == name { k++; fps[k] = n / $2 * 1000; lines = $3; cpu[k] = $5
                    # the largest peak RSS of each process of the pipe, over the runs
                    m = split($4, p, "+"); for (j = 1; j <= m; j++) if (p[j] + 0 > big[j] + 0) big[j] = p[j]; np = m }
                function isort(a, n,    i, j, v) {
                    for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
                }
                END {
                    isort(fps, k); isort(cpu, k); med = fps[int((k + 1) / 2)]
                    rss = sprintf("%.1f", big[1] / 1024)
                    for (j = 2; j <= np; j++) rss = rss sprintf(" + %.1f", big[j] / 1024)
                    gsub(/\|/, "\\|", name)
                    printf "| `%s` | %.0f k | %.2f | %s | %.2f | %s |\n", name, med / 1000, med / ceil, rss, cpu[int((k + 1) / 2)], lines
                }' "$raw"
        done
    } > "$out/live-throughput.md"
    cat "$out/live-throughput.md"
}

latency_part() {
    local count=${LAT_COUNT:-3000} r rss
    {
        echo "### Latency: frames at 100/s, from the server's write to the client's stdout line (µs)"
        echo
        machine
        echo "- \`bench/latency.rs\` is the server: $count frames at 100/s, the first 100 not counted; the client's stdout is a pipe into it; peak RSS by /usr/bin/time"
        echo "- obtail runs with --no-recover: the probe serves no REST API"
        echo
        echo "| Client | received | median | p90 | p99 | max | peak RSS MiB |"
        echo "|:---|---:|---:|---:|---:|---:|---:|"
    } > "$out/live-latency.md"
    local clients=("obtail -o ndjson@$obtail --no-reconnect --no-recover -o ndjson {url}")
    [ -z "${BASE:-}" ] || clients+=("obtail (base) -o ndjson@$BASE --no-reconnect --no-recover -o ndjson {url}")
    clients+=("websocat -n -U@websocat -n -U {url}")
    for r in $(seq "$runs"); do
        for c in "${clients[@]}"; do
            IFS='@' read -r name cmd <<< "$c"
            rss=$(mktemp)
            # shellcheck disable=SC2086
            res=$("$latency" --rate 100 --count "$count" --frames "$frames" -- \
                /usr/bin/time -f %M -o "$rss" $cmd)
            printf 'latency\t%s\t%s\t%s\n' "$name" "$res" "$(cat "$rss")" | tee -a "$raw" >&2
            echo "| \`$name\` | ${res// / | } | $(awk '{printf "%.1f", $1 / 1024}' "$rss") |" >> "$out/live-latency.md"
            rm -f "$rss"
        done
    done
    cat "$out/live-latency.md"
}

# A `--record` file of the first $2 frames of $1, paced at $3 frames/s, for `obtail sim`.
paced() {
    python3 - "$1" "$2" "$3" <<'PY'
import datetime, itertools, sys
src, count, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
t0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
with open(src) as f:
    for i, line in enumerate(itertools.islice(f, count)):
        t = (t0 + datetime.timedelta(seconds=i / rate)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        print('{"time":"%s","kind":"unknown","source":"bench","frame":%s}' % (t, line.rstrip("\n")))
PY
}

# Many nodes: one obtail tails K connections to one sim, each paced; threads from /proc.
nodes_part() {
    local rate=${NODE_RATE:-100} secs=${NODE_SECS:-20} per rec k urls pid threads
    per=$((rate * secs))
    rec="$out/paced-$per-at-$rate.ndjson"
    [ -s "$rec" ] || paced "$frames" "$per" "$rate" > "$rec"
    "$obtail" sim --listen 127.0.0.1:0 --frames "$rec" --speed 1 2> "$out/sim.log" &
    sim_pid=$!
    for _ in $(seq 600); do grep -q 'listening on' "$out/sim.log" && break; sleep 0.1; done
    sim_url=$(grep -o 'ws://[^ ]*' "$out/sim.log" | head -1)
    {
        echo "### Many nodes: one obtail, K connections to one \`obtail sim --frames\`, each $rate frames/s for ${secs} s"
        echo
        machine
        echo "- \`obtail --no-reconnect -o ndjson URL×K | wc -l\`, default settings; every frame counted; threads: most seen in /proc/PID/status; per node = (K nodes − 1 node) / (K − 1)"
        echo
        echo "| K | frames printed | wall s | threads | peak RSS MiB | RSS per extra node KiB | CPU s | CPU per node % | CPU µs/frame |"
        echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    } > "$out/live-nodes.md"
    local base_rss=""
    for k in ${NODES:-1 10 50 200}; do
        # One URL per connection: obtail refuses the same node twice (its events would be
        # printed twice), and the sim ignores the query.
        urls=$(for i in $(seq "$k"); do printf '%s?conn=%s ' "$sim_url" "$i"; done)
        local tfile pidfile count lines t0 t1 opid t
        tfile=$(mktemp) pidfile=$(mktemp) count=$(mktemp)
        t0=$(date +%s%N)
        # shellcheck disable=SC2016,SC2086
        ( /usr/bin/time -f '%M %U %S' -o "$tfile" \
            bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$obtail" --no-reconnect -o ndjson $urls \
            2>> "$out/nodes-stderr.log" |
            wc -l > "$count" ) &
        pid=$!
        threads=0
        while kill -0 "$pid" 2>/dev/null; do
            opid=$(cat "$pidfile")
            if [ -n "$opid" ]; then
                t=$(awk '/^Threads/{print $2}' "/proc/$opid/status" 2>/dev/null || true)
                [ "${t:-0}" -gt "$threads" ] && threads=$t
            fi
            sleep 0.2
        done
        wait "$pid" || echo "FAILED: $k nodes" >&2
        t1=$(date +%s%N)
        lines=$(cat "$count")
        read -r m u s < "$tfile"
        rm -f "$pidfile" "$count" "$tfile"
        local ms=$(( (t1 - t0) / 1000000 )) total=$((k * per)) cpu
        cpu=$(echo "$u + $s" | bc)
        [ "$lines" = "$total" ] || { echo "INCOMPLETE: $k nodes printed $lines of $total" >&2; lines="$lines of $total"; }
        [ -n "$base_rss" ] || base_rss=$m
        printf 'nodes\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$ms" "$lines" "$threads" "$m" "$cpu" | tee -a "$raw" >&2
        awk -v k="$k" -v total="$total" -v lines="$lines" -v ms="$ms" -v th="$threads" -v m="$m" \
            -v cpu="$cpu" -v base="$base_rss" -v secs="$secs" 'BEGIN {
            per = (k > 1) ? (m - base) / (k - 1) : 0
            printf "| %d | %s | %.1f | %d | %.1f | %s | %.2f | %.3f | %.1f |\n",
                k, lines, ms / 1000, th, m / 1024, (k > 1) ? sprintf("%.0f", per) : "-", cpu,
                cpu / secs / k * 100, cpu * 1e6 / total }' >> "$out/live-nodes.md"
    done
    stop_sim
    cat "$out/live-nodes.md"
}

trap 'stop_sim 2>/dev/null || true' EXIT
for part in $parts; do
    case $part in
        throughput) throughput ;;
        latency) latency_part ;;
        nodes) nodes_part ;;
        *) echo "unknown part $part" >&2; exit 2 ;;
    esac
done
