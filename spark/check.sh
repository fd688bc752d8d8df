#!/usr/bin/env bash
# The proof that the exported Spark job computes the same profiles as Cohort's engine: exports
# the job (`cohort export spark`), runs it with a local Spark at several clock points, and
# compares its output with `cohort replay --until` at the same points (spark/compare.py: byte
# for byte, doubles within a relative 1e-9). Clock points: the latest event (no --now), and
# instants derived from the events: one exactly on an event, windows' edges (an event's
# timestamp + 1 h, + 24 h, and 1 ms before + 24 h) and a midnight. Runs on demo-data (one run
# through spark-submit), then on a generated workspace (one run with --tables/--events pointing
# at copies of its inputs elsewhere).
#
#   spark/check.sh [--quick] [--keep]
#
#   --quick   demo-data at two clock points only (for CI)
#   --keep    keep the temporary folder (exports, outputs, logs); it is kept anyway on failure
#
# Installs PySpark 3.5.9 with pip when `import pyspark` fails; needs Java (17). Builds cohort
# with `swift build` unless COHORT_BIN names a binary. PYTHON picks the interpreter (python3).
# Exit status: 0 when every run matches, 1 on any difference or failed run, 2 when a
# prerequisite is missing.
set -euo pipefail

quick=0
keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) quick=1; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "spark/check.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

# A relative COHORT_BIN is relative to where the script was started.
if [[ -n ${COHORT_BIN:-} && $COHORT_BIN == */* && $COHORT_BIN != /* ]]; then
    COHORT_BIN="$PWD/$COHORT_BIN"
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$PATH:/opt/swift/usr/bin"
python="${PYTHON:-python3}"

now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1fs", b - a }'; }
started="$(now_s)"

# 1. Prerequisites: PySpark, Java, cohort.
if ! "$python" -c 'import pyspark' 2>/dev/null; then
    echo "installing pyspark 3.5.9 (pip)…"
    "$python" -m pip install -q pyspark==3.5.9
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi
pyspark_version="$("$python" -c 'import pyspark; print(pyspark.__version__)')"
if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    java="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
    java="$(command -v java)"
else
    echo "spark/check.sh: Spark needs Java and there is none: no java on PATH and no JAVA_HOME." >&2
    echo "  Install a JDK (Spark 3.5 runs on Java 8, 11 or 17), e.g." >&2
    echo "  apt-get install -y openjdk-17-jre-headless, or set JAVA_HOME." >&2
    exit 2
fi
java_version="$("$java" -version 2>&1 | head -n 1)"
# The Python workers of Spark use the same interpreter as the driver.
export PYSPARK_PYTHON="${PYSPARK_PYTHON:-$(command -v "$python")}"
spark_submit="$("$python" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit"))')"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/cohort-spark-check.XXXXXX")"
cleanup() {
    local status=$?
    if [[ $status -eq 0 && $keep -eq 0 ]]; then
        rm -rf "$tmp"
    else
        echo "kept $tmp (exports, outputs and logs)"
    fi
}
trap cleanup EXIT
# Interrupted: stop the running Spark job too (it runs in the background, so that the signal
# is handled at once rather than when the job ends).
child=""
stop() {
    if [[ -n $child ]]; then
        # The job and its own children (python's JVM, or spark-submit's python): a busy JVM
        # may ignore TERM, so KILL what is left after a moment.
        local procs=("$child")
        if command -v pgrep >/dev/null 2>&1; then procs+=($(pgrep -P "$child" || true)); fi
        kill "${procs[@]}" 2>/dev/null || true
        sleep 2
        kill -9 "${procs[@]}" 2>/dev/null || true
    fi
    exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM

if [[ -n ${COHORT_BIN:-} ]]; then
    cohort="$COHORT_BIN"
    [[ -x $cohort ]] || { echo "spark/check.sh: COHORT_BIN=$cohort is not an executable" >&2; exit 2; }
else
    echo "building cohort (swift build)…"
    t="$(now_s)"
    if ! swift build >"$tmp/build.log" 2>&1; then
        cat "$tmp/build.log" >&2
        echo "spark/check.sh: swift build failed" >&2
        exit 1
    fi
    cohort="$(swift build --show-bin-path)/cohort"
    echo "built in $(elapsed "$t")"
fi
if ! "$cohort" export spark --help >/dev/null 2>&1; then
    echo "spark/check.sh: $cohort has no 'export spark' command" >&2
    exit 2
fi
echo "pyspark $pyspark_version · $java_version · $cohort"
echo "TMP=$tmp"

# 2. Clock points, derived from a workspace's events. Prints `label<TAB>instant` lines (an
#    empty instant means the latest event: no --now, no --until).
clock_points() {   # WORKSPACE WHICH...
    "$python" - "$@" <<'PY'
import csv, datetime as dt, glob, json, os, re, sys

ws, which = sys.argv[1], sys.argv[2:]

# Which event types the hour- and day-windowed attributes count (a light scan of cohort.yaml:
# each `- name:` item with `events:` and `timeframe: Nh|Nd`), so that the events picked below
# sit in some window and their leaving it changes profiles.
window_types = {}   # hours -> event types
try:
    with open(os.path.join(ws, "cohort.yaml"), encoding="utf-8") as f:
        definitions = f.read()
except OSError:
    definitions = ""
for item in re.split(r"\n\s*-\s+name:", definitions):
    tf = re.search(r"^\s*timeframe:\s*[\"']?(\d+)([hd])\b", item, re.M)
    flow = re.search(r"^\s*events:\s*\[([^\]]*)\]", item, re.M)
    block = re.search(r"^(\s*)events:\s*\n((?:\1\s*-\s*\S+\s*\n)+)", item, re.M)
    if not tf or not (flow or block):
        continue
    names = flow.group(1).split(",") if flow else re.findall(r"-\s*(\S+)", block.group(2))
    hours = int(tf.group(1)) * (24 if tf.group(2) == "d" else 1)
    window_types.setdefault(hours, set()).update(n.strip().strip("\"'") for n in names)

# Every cell of the tables: an event one of whose identity fields is among them probably
# links to a profile.
cells = set()
for path in glob.glob(os.path.join(ws, "tables", "*.csv")):
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            cells.update(c for c in row if c)

events = []   # (instant, type, linked)
for path in sorted(glob.glob(os.path.join(ws, "events", "*.ndjson"))):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if not isinstance(e, dict) or not all(
                    isinstance(e.get(k), str) for k in ("event_id", "type", "timestamp")):
                continue
            if not isinstance(e.get("properties", {}), dict):
                continue
            t = e["timestamp"]
            if "T" not in t.upper() or not (t[-1] in "Zz" or t[-6:-5] in ("+", "-")):
                continue
            try:
                instant = dt.datetime.fromisoformat(t.replace("z", "Z")).astimezone(dt.timezone.utc)
            except ValueError:
                continue
            linked = any(isinstance(v, str) and v in cells for k, v in e.items()
                         if k not in ("event_id", "type", "timestamp", "properties"))
            events.append((instant, e["type"], linked))
if not events:
    sys.exit(f"no valid events in {ws}/events")
events.sort()

def rfc3339(d):
    if d.microsecond == 0:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    if d.microsecond % 1000 == 0:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

def pick(fraction, hours=None):
    """The linked event at `fraction` of those a `hours` window counts (any, when none)."""
    for pool in ([e for e in events if e[2] and (hours is None or e[1] in window_types.get(hours, ()))],
                 [e for e in events if e[2]], events):
        if pool:
            return pool[min(len(pool) - 1, int(len(pool) * fraction))][0]

first, last = events[0][0], events[-1][0]
middle = min((e[0] for e in events if e[2]), key=lambda d: abs(d - (first + (last - first) / 2)),
             default=events[len(events) // 2][0])
hour, day, ms = dt.timedelta(hours=1), dt.timedelta(hours=24), dt.timedelta(milliseconds=1)
a, b = pick(0.4, 1), pick(0.7, 24)
midnight = (first + (last - first) / 3).replace(hour=0, minute=0, second=0, microsecond=0) + day
points = {
    "latest": ("latest event (no --now)", None),
    "middle": ("mid-range, exactly on an event", middle),
    "1h": (f"1 h after the event at {rfc3339(a)}: it has just left 1 h windows", a + hour),
    "24h-1ms": (f"1 ms before 24 h after the event at {rfc3339(b)}: still in 24 h/1 d windows",
                b + day - ms),
    "24h": (f"24 h after the event at {rfc3339(b)}: it has just left 24 h/1 d windows", b + day),
    "midnight": ("a midnight: current_date() moves", midnight),
}
for name in which:
    label, instant = points[name]
    print(f"{label}\t{rfc3339(instant) if instant else ''}")
PY
}

failures=0
runs=0

# 3. One run: replay and Spark job at one clock point, then compare.
#    check_point NAME WORKSPACE JOB LABEL INSTANT [MODE]   MODE: plain | paths | submit
check_point() {
    local name="$1" ws="$2" job="$3" label="$4" instant="$5" mode="${6:-plain}"
    local tag="${instant:-latest}"
    tag="$name-${tag//:/}"
    local expected="$tmp/expected-$tag.ndjson" actual="$tmp/actual-$tag" t replay_time job_time
    local until=() now=()
    if [[ -n $instant ]]; then until=(--until "$instant"); now=(--now "$instant"); fi
    runs=$((runs + 1))
    echo
    echo "== $name at ${instant:-the latest event} · $label"

    t="$(now_s)"
    if ! "$cohort" replay --workspace "$ws" "${until[@]}" --profiles-out "$expected" \
            >"$tmp/replay-$tag.log" 2>&1; then
        echo "   cohort replay failed:"; tail -n 20 "$tmp/replay-$tag.log" | cut -c 1-400 | sed 's/^/   /'
        failures=$((failures + 1)); return
    fi
    replay_time="$(elapsed "$t")"

    local cmd
    case "$mode" in
        plain) cmd=("$python" "$job/job.py" "${now[@]}" --out "$actual") ;;
        paths) cmd=("$python" "$job/job.py" "${now[@]}" --tables "$tmp/moved/$name/tables"
                    --events "$tmp/moved/$name/events" --out "$actual") ;;
        submit) cmd=("$spark_submit" --master 'local[2]' "$job/job.py" "${now[@]}" --out "$actual") ;;
    esac
    t="$(now_s)"
    "${cmd[@]}" >"$tmp/job-$tag.log" 2>&1 &
    child=$!
    local status=0
    wait "$child" || status=$?
    child=""
    if [[ $status -ne 0 ]]; then
        echo "   cohort replay $replay_time · the Spark job failed after $(elapsed "$t"): ${cmd[*]}"
        # Spark's errors can carry whole query plans: show the first error lines and the
        # tail, each cut to 400 characters; the whole log stays in $TMP.
        { grep -m 3 -E '(Error|Exception)(:| )' "$tmp/job-$tag.log" || true; echo '   …'
          tail -n 12 "$tmp/job-$tag.log"; } | cut -c 1-400 | sed 's/^/   /'
        echo "   (the whole log: $tmp/job-$tag.log)"
        failures=$((failures + 1)); return
    fi
    job_time="$(elapsed "$t")"
    local shown="${cmd[*]//"$tmp"/\$TMP}"
    echo "   cohort replay $replay_time · Spark job $job_time: ${shown//"$spark_submit"/spark-submit}"
    if ! "$python" spark/compare.py "$expected" "$actual" | sed 's/^/   /'; then
        failures=$((failures + 1))
    fi
}

run_workspace() {   # NAME WORKSPACE POINT[:MODE]...
    local name="$1" ws="$2"; shift 2
    local job="$tmp/job-$name" t
    t="$(now_s)"
    if ! "$cohort" export spark --workspace "$ws" --out "$job" >"$tmp/export-$name.log" 2>&1; then
        echo "cohort export spark --workspace $ws failed:"; cat "$tmp/export-$name.log"
        failures=$((failures + 1)); return
    fi
    echo
    echo "exported $ws to $job/job.py in $(elapsed "$t")"
    local spec names=() modes=()
    for spec in "$@"; do names+=("${spec%%:*}"); modes+=("$([[ $spec == *:* ]] && echo "${spec#*:}" || echo plain)"); done
    if [[ " ${modes[*]} " == *" paths "* ]]; then
        # The inputs elsewhere, under the same file names, as on a cluster's storage.
        mkdir -p "$tmp/moved/$name/tables" "$tmp/moved/$name/events"
        cp "$ws"/tables/* "$tmp/moved/$name/tables/"
        cp "$ws"/events/* "$tmp/moved/$name/events/"
    fi
    local points i
    mapfile -t points < <(clock_points "$ws" "${names[@]}")
    if [[ ${#points[@]} -ne ${#names[@]} ]]; then
        echo "could not derive the clock points of $ws"; failures=$((failures + 1)); return
    fi
    for i in "${!points[@]}"; do
        check_point "$name" "$ws" "$job" "${points[$i]%%$'\t'*}" "${points[$i]#*$'\t'}" "${modes[$i]}" </dev/null
    done
}

# 4. The runs.
if [[ $quick -eq 1 ]]; then
    run_workspace demo-data demo-data latest 24h
else
    run_workspace demo-data demo-data latest middle 1h 24h-1ms 24h:submit
    echo
    echo "generating a workspace: cohort demo generate --customers 400 --days 45 --seed 7"
    if "$cohort" demo generate --out "$tmp/gen" --customers 400 --days 45 --seed 7 \
            >"$tmp/generate.log" 2>&1; then
        run_workspace generated "$tmp/gen" latest:paths 24h midnight
    else
        cat "$tmp/generate.log"; failures=$((failures + 1))
    fi
fi

echo
if [[ $failures -eq 0 ]]; then
    echo "spark/check.sh: $runs runs, no differences ($(elapsed "$started") in all)"
else
    echo "spark/check.sh: $failures of $runs runs differ or failed ($(elapsed "$started") in all)"
    exit 1
fi
