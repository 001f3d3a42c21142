#!/usr/bin/env bash
# Throughput of obtail against jaq on the same realistic replay, side by side on this machine.
# Usage: bench/run.sh [FRAMES]   (default 1000000; the file is cached in bench/out/)
#   BASE=/path/to/obtail   adds the same obtail commands run with that binary (a baseline build)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
shared=${SHARED:-../shared}
out=bench/out
mkdir -p "$out"
frames="$out/frames-$n.ndjson"
[ -s "$frames" ] || python3 "$shared/bench/gen_frames.py" "$n" "$frames"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
command -v jaq >/dev/null || cargo install jaq --locked
cargo build --profile profiling --quiet
obtail=target/profiling/obtail
program='select(.notification.type=="order")'

# Both sides must print the same events before their speed means anything.
cmp <("$obtail" --replay "$frames" -o ndjson -t notification.order | wc -l) \
    <(jaq -c "$program" "$frames" | wc -l)

cases=(-n "jaq -c '$program'" "jaq -c '$program' $frames > /dev/null")
for bin in "$obtail" ${BASE:+"$BASE"}; do
    name=obtail
    [ "$bin" = "$obtail" ] || name="obtail (base)"
    cases+=(
        -n "$name -o ndjson" "$bin --replay $frames -o ndjson > /dev/null"
        -n "$name -o ndjson -t notification.order" "$bin --replay $frames -o ndjson -t notification.order > /dev/null"
        -n "$name -f '$program'" "$bin --replay $frames -o ndjson -f '$program' > /dev/null"
    )
done
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown "$out/results.md" "${cases[@]}"
cat "$out/results.md"
