#!/usr/bin/env bash
# The board with many orders: one `obtail sim` holds N orders (a third each sales, purchases and
# cases, in every state), and hyperfine times reading and printing the board, beside curl + jq
# reading the same three lists (the floor: the node's answers, parsed once).
# Usage: bench/orders.sh [N]   (default 3000)   Needs a quiet machine for figures worth keeping.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3000}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
# OBTAIL=path runs another build (a baseline, or a debug build to check the script itself).
if [ -z "${OBTAIL:-}" ]; then cargo build --profile profiling --quiet; fi
obtail=${OBTAIL:-target/profiling/obtail}
port=${PORT:-4790}
"$obtail" sim --listen "127.0.0.1:$port" --speed 0.001 --seed 1 2>/dev/null &
sim=$!
trap 'kill $sim' EXIT
sleep 1
states=(AWAITING_PAYMENT PENDING AWAITING_FULFILLMENT FULFILLED DISPUTED DECIDED COMPLETED)
for i in $(seq 1 "$n"); do
    case $((i % 3)) in
        0) role=sale state=${states[$((i % 7))]} ;;
        1) role=purchase state=${states[$((i % 7))]} ;;
        *) role=case state=DISPUTED ;;
    esac
    echo "url = \"http://127.0.0.1:$port/obtail-sim/order?role=$role&state=$state&moderated=$((i % 2))&age=$((i % 40))d\""
done | curl -s -X POST -K - >/dev/null
url="ws://127.0.0.1:$port/ws"
# Both print every order before their speed means anything.
test "$("$obtail" orders "$url" --all -o ndjson | wc -l)" -eq "$n"
lists="for l in sales purchases cases; do curl -s http://127.0.0.1:$port/ob/\$l | jq -c '.[\$l][]?' --arg l \$l; done"
test "$(bash -c "$lists" | wc -l)" -eq "$n"
hyperfine --warmup 1 --runs "${RUNS:-10}" \
    -n "curl + jq (the three lists)" "$lists > /dev/null" \
    -n "obtail orders --all -o ndjson" "$obtail orders $url --all -o ndjson > /dev/null" \
    -n "obtail orders --all -o pretty" "COLUMNS=120 $obtail orders $url --all -o pretty > /dev/null" \
    -n "obtail orders --needs-me" "$obtail orders $url --needs-me -o ndjson > /dev/null"
/usr/bin/time -f "obtail orders --all: %M KiB peak RSS, %e s" "$obtail" orders "$url" --all -o ndjson >/dev/null
