#!/usr/bin/env bash
# Measures a long `fedhe simulate` (issue 18 item 7): its wall time against the sum of its federation rounds' times, and
# the lines its output has when redirected. Two runs: `fedhe simulate --rounds N` as it is (its summary says how long the
# rounds took), then with `--out`, which also checkpoints between rounds and writes a report with plots. Usage: bench/scripts/simulate-long-run.sh [rounds] [work-dir] [extra simulate options…]
# (e.g. --no-baselines). FEDHE=<path to fedhe> runs another build (copy the build out while you rebuild: the build patches
# TorchSharp's native library in place, and a running fedhe crashes on it).
# Build first: dotnet build src/Host -c Release. Prints the plain run's line, then the --out run's; the latter's report stays in <work-dir>/runs.
set -euo pipefail
rounds="${1:-1000}"
work="${2:-$(mktemp -d -t fedhe-long-run-XXXXXX)}"
shift $(( $# > 2 ? 2 : $# ))
repo="$(cd "$(dirname "$0")/../.." && pwd)"
fedhe="${FEDHE:-$repo/src/Host/bin/Release/net10.0/fedhe}"
mkdir -p "$work"
start=$(date +%s.%N)
"$fedhe" simulate --rounds "$rounds" "$@" >"$work/plain-output.txt" 2>&1
end=$(date +%s.%N)
plain_wall_s=$(echo "$end - $start" | bc -l)
plain_rounds_s=$(grep -oE '^where that time went: .*' "$work/plain-output.txt" | grep -oE '(^|, )rounds [0-9.]+ s' | grep -oE '[0-9.]+' || echo 0)
printf 'simulate: wall %.1f s, its rounds %s s, wall over rounds %.1f %%; output %s lines, %s of them round lines\n' "$plain_wall_s" \
  "$plain_rounds_s" "$(echo "($plain_wall_s - $plain_rounds_s) * 100 / $plain_rounds_s" | bc -l)" "$(wc -l <"$work/plain-output.txt")" \
  "$(grep -cE '^ *[0-9]+ ' "$work/plain-output.txt" || true)"
start=$(date +%s.%N)
"$fedhe" simulate --rounds "$rounds" --out "$work/runs" "$@" >"$work/output.txt" 2>&1
end=$(date +%s.%N)
csv="$(ls -d "$work"/runs/*/ | head -1)rounds.csv"
# round_ms is the coordinator's wall time of each training round (rounds.csv holds rounds 1…R; round 0 is not in it).
column=$(head -1 "$csv" | tr ',' '\n' | grep -nx round_ms | cut -d: -f1)
rounds_s=$(tail -n +2 "$csv" | cut -d, -f"$column" | awk '{ s += $1 } END { printf "%.1f", s / 1000 }')
wall_s=$(echo "$end - $start" | bc -l)
round_lines=$(grep -cE '^ *[0-9]+ ' "$work/output.txt" || true)
federation_s=$(grep -oE 'federation completed in [0-9.]+ s' "$work/output.txt" | grep -oE '[0-9.]+' || echo 0)
summary="$(ls -d "$work"/runs/*/ | head -1)summary.md"
# The summary's "rounds" part: the rounds back to back, with the checkpoint the coordinator writes between two rounds
# (simulate --out keeps a resumable run directory), which round_ms leaves out.
rounds_part_s=$(grep -E '^\| rounds \|' "$summary" | grep -oE '[0-9.]+ s' | grep -oE '[0-9.]+' || echo 0)
printf 'simulate --out: federation phase (start, cluster, keys, rounds, stop) %s s; its rounds with their checkpoints %s s\n' "$federation_s" "$rounds_part_s"
printf 'wall over rounds with checkpoints: %.1f %%\n' "$(echo "($wall_s - $rounds_part_s) * 100 / $rounds_part_s" | bc -l)"
printf 'rounds %s: wall %.1f s, federation rounds %s s, overhead %.1f %%; output %s lines, %s of them round lines (%s)\n' \
  "$rounds" "$wall_s" "$rounds_s" "$(echo "($wall_s - $rounds_s) * 100 / $rounds_s" | bc -l)" \
  "$(wc -l <"$work/output.txt")" "$round_lines" "$work"
