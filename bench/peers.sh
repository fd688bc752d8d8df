#!/usr/bin/env bash
# Cohort next to DuckDB on the same generated workspace: end-to-end `cohort replay` against
# DuckDB loading the same files and computing the same attributes and segments in SQL, with
# a value-by-value check of the results. See bench/README.md.
#
#   bash bench/peers.sh [--customers N] [--days D] [--seed S] [--no-build] [--skip-engine-bench]
set -euo pipefail

customers=100000   # the defaults of `cohort bench engine`: 100,000 customers, 90 days ≈ 1.1M events
days=90
seed=7
build=1
engine_bench=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --customers) customers="$2"; shift 2 ;;
        --days) days="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --skip-engine-bench) engine_bench=0; shift ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "peers.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cohort="$root/.build-peers/release/cohort"

# 1. DuckDB (and PyYAML, which reads cohort.yaml) for the peer.
if ! python3 -c 'import duckdb' 2>/dev/null; then
    echo "installing duckdb (pip)…"
    python3 -m pip install --quiet duckdb
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
    echo "installing pyyaml (pip)…"
    python3 -m pip install --quiet pyyaml
fi

# 2. The release binary, and the workspace (generated once per parameters, then reused).
if [[ $build == 1 || ! -x $cohort ]]; then
    echo "building cohort (release, --scratch-path .build-peers)…"
    swift build -c release --scratch-path .build-peers 2>&1 | tail -n 1
fi
cache="${TMPDIR:-/tmp}/cohort-peers"
ws="$cache/ws-$customers-$days-$seed"
if [[ ! -f $ws/.complete ]]; then
    rm -rf "$ws" "$ws.partial"
    mkdir -p "$cache"
    "$cohort" demo generate --out "$ws.partial" --customers "$customers" --days "$days" --seed "$seed"
    mv "$ws.partial" "$ws"
    touch "$ws/.complete"
else
    echo "using $ws (generated earlier)"
fi
run="$(mktemp -d "${TMPDIR:-/tmp}/cohort-peers-run.XXXXXX")"
trap 'rm -rf "$run"' EXIT
cat "$ws"/events/*.ndjson "$ws"/tables/*.csv > /dev/null   # warm the page cache for both sides

echo
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(python3 -c 'import duckdb; print("duckdb", duckdb.__version__)'); cohort $("$cohort" --version) at $(git describe --always --dirty 2>/dev/null || echo '?')"
echo "== workspace $ws: $(cat "$ws"/events/*.ndjson | wc -l) event lines, $customers customers, $days days"

# 3. Cohort: end-to-end replay (load, parse, apply, write every profile), wall time.
echo
echo "-- cohort replay --workspace … --profiles-out …"
TIMEFORMAT=%R
{ time "$cohort" replay --workspace "$ws" --profiles-out "$run/cohort-profiles.ndjson" > "$run/cohort-replay.txt" ; } 2> "$run/cohort-time.txt"
cohort_s="$(tail -n 1 "$run/cohort-time.txt")"
head -n 1 "$run/cohort-replay.txt"
echo "wall time ${cohort_s}s"

if [[ $engine_bench == 1 ]]; then
    echo
    echo "-- cohort bench engine --workspace …"
    "$cohort" bench engine --workspace "$ws" | tee "$run/cohort-engine.txt"
fi

# 4. DuckDB on the same files: one thread, then every core (that run also checks the values).
echo
echo "-- duckdb (bench/peers_duckdb.py), 1 thread"
python3 bench/peers_duckdb.py --workspace "$ws" --threads 1 --profiles-out "$run/duckdb-profiles-1.ndjson" \
    --timings-out "$run/duckdb-1.json"
echo
echo "-- duckdb (bench/peers_duckdb.py), every core, with the check against Cohort's profiles"
python3 bench/peers_duckdb.py --workspace "$ws" --profiles-out "$run/duckdb-profiles-n.ndjson" \
    --timings-out "$run/duckdb-n.json" --cohort-profiles "$run/cohort-profiles.ndjson" \
    --cohort-summary "$run/cohort-replay.txt" --sample 100

# 5. The table, from this run.
echo
python3 - "$cohort_s" "$run/duckdb-1.json" "$run/duckdb-n.json" <<'EOF'
import json, sys
cohort = float(sys.argv[1])
runs = [json.load(open(p)) for p in sys.argv[2:]]
print(f"{'':34} {'load':>7} {'query':>7} {'write':>7} {'load+query':>11} {'cohort ÷ this':>14}")
print(f"{'cohort replay (end to end)':34} {'':>7} {'':>7} {'':>7} {cohort:>10.2f}s {1:>13.2f}×")
for r in runs:
    lq = r["load"] + r["query"]
    name = f"duckdb, {r['threads']} thread{'s' if r['threads'] != 1 else ''}"
    print(f"{name:34} {r['load']:>6.2f}s {r['query']:>6.2f}s {r['write']:>6.2f}s {lq:>10.2f}s {cohort / lq:>13.2f}×")
r = runs[-1]
print(f"same workload: {r['events']:,} events after quarantine and dedup, {r['attributes']} attributes, "
      f"{r['segments']} segments, clock {r['clock']}")
print("cohort ÷ this > 1 means Cohort's end-to-end replay took longer than DuckDB's load + query.")
EOF
if [[ -f $run/cohort-engine.txt ]]; then
    echo "cohort bench engine, same workspace:"
    grep -E '^(parse|apply|clock|latency|expire|memory|replay):' "$run/cohort-engine.txt" | sed 's/^/  /'
fi
