#!/usr/bin/env bash
# Property-based test of `cohort serve` against openapi.yaml with schemathesis (4.x CLI).
#
#   Tests/api/schemathesis.sh [PATH_TO_COHORT]        # default: .build/debug/cohort
#
# What it does:
#   1. copies demo-data/ to a temporary workspace and adds, to the copy only, a stream in
#      `drop` mode (kiosk, answers 204), one in `reject` mode (legacy_pos, answers 409) and a
#      webhook destination (crm_webhook, pointing at a closed local port, so it has failed
#      deliveries to replay), so every documented status can occur;
#   2. creates two tokens there: "full" (events:write, profiles:read, pii:read, unlimited)
#      and "limited" (profiles:read only, 20 requests/s, burst 5);
#   3. starts `cohort serve` on a free port and waits (60 s by default) for GET /v1/health;
#   4. runs schemathesis with every check (`--checks all`: not_a_server_error,
#      status_code_conformance, content_type_conformance, response_schema_conformance,
#      response_headers_conformance, positive/negative data checks, ignored_auth,
#      unsupported_method, ...) over the phases examples, coverage and fuzzing with the
#      full token; then a short second pass (examples and fuzzing) with the limited token,
#      which exercises 403 (missing scope, PII look-ups), redaction, the RateLimit headers
#      and 429 with Retry-After;
#   5. stops the server and exits with schemathesis's status (the first pass's when it
#      failed, else the second's).
#
# It installs nothing: schemathesis must be on PATH (`pip install schemathesis`); without it
# the script exits 2. python3 is needed too (free port, health probe, workspace edit).
#
# Knobs (environment):
#   SCHEMATHESIS_MAX_EXAMPLES  examples per operation in the first pass (default 100)
#   SCHEMATHESIS_WORKERS       concurrent workers (default 2)
#   SCHEMATHESIS_SEED          a seed, to reproduce a run
#   SCHEMATHESIS_REPORT_DIR    if set, JUnit and HAR reports of both passes are written there
#   COHORT_API_START_TIMEOUT   seconds to wait for the server to answer (default 60)
#   COHORT_API_KEEP_TMP=1      keep the temporary workspace, server log and config
#
# Stateful (link) testing is not run: the document declares no links.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCHEMA="$ROOT/openapi.yaml"

if [[ $# -ge 1 ]]; then
    BIN=$1
else
    BIN="$ROOT/.build/debug/cohort"
fi
case $BIN in /*) ;; *) BIN="$PWD/$BIN" ;; esac

if ! command -v schemathesis >/dev/null 2>&1; then
    echo "schemathesis.sh: schemathesis is not installed (pip install schemathesis); nothing was run." >&2
    exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "schemathesis.sh: python3 is needed (free port, health probe)." >&2
    exit 2
fi
if [[ ! -x $BIN ]]; then
    echo "schemathesis.sh: no cohort binary at $BIN (build it with: swift build)" >&2
    exit 2
fi
if [[ ! -f $SCHEMA ]]; then
    echo "schemathesis.sh: $SCHEMA is missing" >&2
    exit 2
fi

MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-100}
START_TIMEOUT=${COHORT_API_START_TIMEOUT:-60}
WORKERS=${SCHEMATHESIS_WORKERS:-2}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cohort-schemathesis.XXXXXX")
WS="$TMP/workspace"
LOG="$TMP/serve.log"
SERVER_PID=

cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    if [[ ${COHORT_API_KEEP_TMP:-0} == 1 ]]; then
        echo "schemathesis.sh: kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. The workspace --------------------------------------------------------------------
cp -R "$ROOT/demo-data" "$WS"
rm -rf "$WS/.cohort"
python3 - "$WS/cohort.yaml" <<'EOF'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
extra_streams = """
streams:
  kiosk:                              # added by Tests/api/schemathesis.sh: drop mode (204)
    description: "In-store kiosk taps, not kept"
    mode: drop
  legacy_pos:                         # added by Tests/api/schemathesis.sh: reject mode (409)
    description: "The retired point-of-sale feed"
    mode: reject
"""
if "\nstreams:\n" not in text:
    sys.exit("schemathesis.sh: no top-level 'streams:' in " + path)
text = text.replace("\nstreams:\n", extra_streams, 1)
text += """
destinations:                         # added by Tests/api/schemathesis.sh
  - name: crm_webhook
    url: http://127.0.0.1:9/hooks/cohort
    segments: [cart_abandoners, recent_browsers]
    on: [enter, exit]
"""
open(path, "w", encoding="utf-8").write(text)
EOF

# --- 2. Tokens ---------------------------------------------------------------------------
FULL_TOKEN=$("$BIN" token create --workspace "$WS" --scope events:write --scope profiles:read --scope pii:read --rate 0) || {
    echo "schemathesis.sh: cohort token create failed" >&2; exit 1; }
LIMITED_TOKEN=$("$BIN" token create --workspace "$WS" --scope profiles:read --rate 20 --burst 5) || {
    echo "schemathesis.sh: cohort token create failed" >&2; exit 1; }
FULL_TOKEN=$(printf '%s' "$FULL_TOKEN" | tr -d '[:space:]')
LIMITED_TOKEN=$(printf '%s' "$LIMITED_TOKEN" | tr -d '[:space:]')

# --- 3. The server -----------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
# From the repository root, where the server finds openapi.yaml to serve.
(cd "$ROOT" && exec "$BIN" serve --workspace "$WS" --port "$PORT") >"$LOG" 2>&1 </dev/null &
SERVER_PID=$!

echo "schemathesis.sh: waiting for $BASE/v1/health (server pid $SERVER_PID, log $LOG)"
deadline=$((SECONDS + START_TIMEOUT))
until python3 - "$BASE/v1/health" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "schemathesis.sh: the server exited before answering; its log:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "schemathesis.sh: no answer from $BASE/v1/health within $START_TIMEOUT s; the server's log:" >&2
        tail -n 50 "$LOG" >&2
        exit 1
    fi
    sleep 0.5
done
echo "schemathesis.sh: server up"

# A few live events at the wall clock, so that there are activation records (recent_browsers,
# cart_abandoners) for GET /v1/activations and the SSE stream to return and be checked.
python3 - "$BASE" "$FULL_TOKEN" <<'EOF' || { echo "schemathesis.sh: seeding live events failed" >&2; exit 1; }
import datetime, json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
lines = []
for n in range(1, 6):
    key = "AMP-%06d" % n
    lines.append({"event_id": "seed-pv-%d" % n, "type": "page_view", "timestamp": now,
                  "customer_id": key, "properties": {"url": "/"}})
    lines.append({"event_id": "seed-atc-%d" % n, "type": "add_to_cart", "timestamp": now,
                  "customer_id": key, "properties": {"sku": "SKU-%d" % n, "category": "footwear"}})
body = "".join(json.dumps(line) + "\n" for line in lines).encode()
request = urllib.request.Request(base + "/v1/streams/web/events", data=body, method="POST", headers={
    "Authorization": "Bearer " + token, "Content-Type": "application/x-ndjson"})
with urllib.request.urlopen(request, timeout=30) as response:
    answer = json.load(response)
if response.status != 202 or answer.get("accepted") != len(lines):
    sys.exit("unexpected answer %d %s" % (response.status, answer))
print("schemathesis.sh: seeded %d live events" % answer["accepted"])
EOF

# --- 4. schemathesis ---------------------------------------------------------------------
# application/x-ndjson has no built-in serializer: send the generated string as it is (any
# other generated value, in negative tests, as one JSON line per item).
cat >"$TMP/hooks.py" <<'EOF'
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson_serializer(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, list):
        return "".join(json.dumps(item) + "\n" for item in value).encode("utf-8")
    return (json.dumps(value) + "\n").encode("utf-8")
EOF

# A stream in drop mode answers 204 without reading the body, so for postEvents
# negative_data_rejection accepts 204 besides the documented 4xx.
# Where valid input still has a documented 4xx answer, positive_data_acceptance must allow it:
# - postEvents: a schema-valid event can be a bad line (a timestamp more than 5 minutes ahead
#   of the server's clock: 400), and a generated string is rarely a valid NDJSON batch;
# - lookupProfile: any field name is schema-valid, only the collection's linking fields are
#   accepted (400 otherwise);
# - listSegmentMembers: `cursor` is opaque, only the server's own cursors are accepted (400).
# The SSE endpoint never ends: schemathesis reads at most 20 events or 2 s of it, and skips
# the coverage phase there (each of its many cases would wait the full 2 s).
#
# Generated path values rarely name anything that exists (404), so names and keys of the demo
# workspace are mixed in: each listed parameter takes a dictionary value with the given
# probability and a generated one otherwise. Event bodies get realistic types and past
# timestamps half of the time, and ids the recorded streams already have now and then.
cat >"$TMP/schemathesis.toml" <<EOF
hooks = "$TMP/hooks.py"

[dictionaries]
collections = { values = ["customers", "stores"] }
streams = { values = ["web", "email", "loyalty", "sms", "kiosk", "legacy_pos"] }
keys = { values = ["AMP-000001", "AMP-000015", "AMP-000123", "AMP-000451", "AMP-000452", "AMP-001200", "AMP-002400", "ST-001", "ST-017", "ST-025"] }
segments = { values = ["cart_abandoners", "recent_browsers", "email_engagers", "lapsing_vips", "new_customers", "gold_tier", "loyalty_redeemers", "sms_opted_out", "store_regulars", "busy_stores", "quiet_stores"] }
destinations = { values = ["crm_webhook"] }
event_types = { values = ["page_view", "product_view", "search", "add_to_cart", "purchase", "send", "open", "click", "bounce", "unsubscribe", "store_visit", "points_earned", "points_redeemed", "tier_changed", "sms_opt_in", "sms_opt_out", "sms_click"] }
timestamps = { values = ["2026-07-03T00:00:00Z", "2026-09-01T12:00:03Z", "2026-09-30T23:59:59.5Z", "2026-10-15T08:30:00+02:00", "2026-11-01T00:00:00-05:00"] }
event_ids = { values = ["w-000001", "e-000001", "l-000001", "s-000001", "w-900001"] }

[parameters]
"path.c" = { dictionary = "collections", probability = 0.8 }
"path.stream" = { dictionary = "streams", probability = 0.8 }
"path.key" = { dictionary = "keys", probability = 0.7 }
"path.s" = { dictionary = "segments", probability = 0.7 }
"path.name" = { dictionary = "destinations", probability = 0.5 }
"body.type" = { dictionary = "event_types", probability = 0.5 }
"body.timestamp" = { dictionary = "timestamps", probability = 0.5 }
"body.event_id" = { dictionary = "event_ids", probability = 0.1 }

[[operations]]
include-operation-id = "postEvents"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]
checks.negative_data_rejection.expected-statuses = ["204", "400", "401", "403", "404", "409", "411", "413", "415", "429"]

[[operations]]
include-operation-id = "lookupProfile"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]

[[operations]]
include-operation-id = "listSegmentMembers"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]

[[operations]]
include-operation-id = "streamActivations"
request-timeout = 2
max-stream-events = 20
generation.max-examples = 5
phases.coverage.enabled = false
EOF

common=(--url "$BASE" --checks all --workers "$WORKERS" --request-timeout 10
        --generation-database none --no-color)
if [[ -n ${SCHEMATHESIS_SEED:-} ]]; then
    common+=(--seed "$SCHEMATHESIS_SEED")
fi
report1=() report2=()
if [[ -n ${SCHEMATHESIS_REPORT_DIR:-} ]]; then
    mkdir -p "$SCHEMATHESIS_REPORT_DIR" || exit 1
    rd=$(cd "$SCHEMATHESIS_REPORT_DIR" && pwd)
    report1=(--report junit,har --report-dir "$rd" --report-junit-path "$rd/full.xml" --report-har-path "$rd/full.har")
    report2=(--report junit,har --report-dir "$rd" --report-junit-path "$rd/limited.xml" --report-har-path "$rd/limited.har")
fi

cd "$TMP" || exit 1

echo
echo "=== pass 1: full token (events:write profiles:read pii:read, unlimited), $MAX_EXAMPLES examples per operation"
schemathesis --config-file "$TMP/schemathesis.toml" run "$SCHEMA" "${common[@]}" \
    --phases examples,coverage,fuzzing --max-examples "$MAX_EXAMPLES" \
    -H "Authorization: Bearer $FULL_TOKEN" ${report1[@]+"${report1[@]}"}
status1=$?

echo
echo "=== pass 2: limited token (profiles:read, 20 requests/s, burst 5), 5 examples per operation"
schemathesis --config-file "$TMP/schemathesis.toml" run "$SCHEMA" "${common[@]}" \
    --phases examples,fuzzing --max-examples 5 \
    -H "Authorization: Bearer $LIMITED_TOKEN" ${report2[@]+"${report2[@]}"}
status2=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "schemathesis.sh: the server died during the run; the end of its log:" >&2
    tail -n 50 "$LOG" >&2
    [[ $status1 -eq 0 ]] && status1=1
fi

echo
echo "schemathesis.sh: pass 1 exited $status1, pass 2 exited $status2"
if [[ $status1 -ne 0 ]]; then
    exit "$status1"
fi
exit "$status2"
