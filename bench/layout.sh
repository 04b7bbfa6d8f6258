#!/usr/bin/env bash
# layout.sh times jetdag's force layout beside d3-force 3.0.1's default simulation on the same
# synthetic Merkle-DAG graphs (10,000 and 100,000 nodes), in the same run, and prints both
# figures and their ratio. Targets (issue 5): at 10k nodes at least 2x faster than d3 per
# tick; at 100k nodes at most 150 ms per tick.
#
#   bench/layout.sh                 # builds jetdag, installs d3-force into bench/node_modules
#   JETDAG=bin/jetdag bench/layout.sh
#   SIZES="10000" TICKS_10000=100 bench/layout.sh
#
# Both sides start from d3's phyllotaxis spiral and compute every force on every tick.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "${JETDAG:-}" ]; then
  (cd "$root" && go build -o "$work/jetdag" .)
  JETDAG="$work/jetdag"
fi
if [ ! -d "$here/node_modules/d3-force" ]; then
  npm install --prefix "$here" --no-audit --no-fund >/dev/null
fi

field() { node -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$1" "$2"; }

SIZES=${SIZES:-"10000 100000"}
printf '%-8s %-6s %-7s %14s %14s %8s %18s %s\n' nodes edges ticks jetdag_ms/tick d3_ms/tick ratio "median edge go/d3" target
for n in $SIZES; do
  ticks_var="TICKS_$n"
  default_ticks=50
  [ "$n" -ge 50000 ] && default_ticks=5
  ticks=${!ticks_var:-$default_ticks}
  graph="$work/graph-$n.json"
  "$JETDAG" bench layout --generate "$n" --out "$graph" --seed 1 >/dev/null
  go_json=$("$JETDAG" bench layout --graph "$graph" --ticks "$ticks")
  d3_json=$(node "$here/d3-layout.mjs" "$graph" "$ticks")
  go_ms=$(field "$go_json" ms_per_tick)
  d3_ms=$(field "$d3_json" ms_per_tick)
  edges=$(field "$go_json" edges)
  go_med=$(field "$go_json" median_edge)
  d3_med=$(field "$d3_json" median_edge)
  ratio=$(awk -v a="$d3_ms" -v b="$go_ms" 'BEGIN { printf "%.1fx", a / b }')
  verdict=$(awk -v n="$n" -v a="$d3_ms" -v b="$go_ms" 'BEGIN {
    if (n == 10000) print ((a / b >= 2) ? "ok (>= 2x d3)" : "MISSED (< 2x d3)");
    else if (n == 100000) print ((b <= 150) ? "ok (<= 150 ms)" : "MISSED (> 150 ms)");
    else print "-" }')
  printf '%-8s %-6s %-7s %14.2f %14.2f %8s %8.1f/%-9.1f %s\n' "$n" "$edges" "$ticks" "$go_ms" "$d3_ms" "$ratio" "$go_med" "$d3_med" "$verdict"
done
