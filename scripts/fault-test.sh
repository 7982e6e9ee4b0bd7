#!/usr/bin/env bash
# Database faults under load: the database under Verdict goes away and comes back while agents
# (loadgen) and people (loadgen --mixed) are busy, and Verdict must answer 503 with Retry-After
# while it is gone (never 500, never hang), lose nothing it acknowledged, leave nothing
# half-written, and serve again by itself once the database answers, without a restart.
#   scripts/fault-test.sh postgres   PostgreSQL stopped (-m fast, then -m immediate) and started
#                                    again; Verdict's connections killed (pg_terminate_backend)
#                                    at random. Runs on a cluster of its own (port 5439), so
#                                    that nothing else using the test server is disturbed.
#   scripts/fault-test.sh sqlite     The database on a small tmpfs that is filled up and freed,
#                                    twice; then start-up on a full and on a read-only disk.
# Needs root (pg_ctlcluster, mount). Prints a table; exits non-zero when a goal is missed:
# 0 acknowledged calls lost, 0 answers 500, recovery within RECOVERY_LIMIT s (default 5) of the
# database answering again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-database.sh

backend=${1:-}
target_dir=${CARGO_TARGET_DIR:-target}
port=${FAULT_TEST_PORT:-3260}
recovery_limit=${RECOVERY_LIMIT:-5}
run_dir=$(mktemp -d)
server_pid=""
driver_pid=""
mounts=()
pg_cluster=""
pg_version=""
failures=()

cleanup() {
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_cluster" ]; then
    pg_dropcluster --stop "$pg_version" "$pg_cluster" >/dev/null 2>&1 || true
  fi
  for mount in "${mounts[@]}"; do umount "$mount" 2>/dev/null || umount -l "$mount" || true; done
  rm -rf "$run_dir"
}
trap cleanup EXIT

case "$backend" in
  sqlite | postgres) ;;
  *) echo "usage: scripts/fault-test.sh postgres|sqlite" >&2; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
  echo "fault-test.sh needs root: it mounts file systems and stops PostgreSQL" >&2
  exit 2
fi

cargo build -p server --bin verdict
cargo build -p loadgen --bin loadgen
verdict="$target_dir/debug/verdict"
base="http://127.0.0.1:$port"

now() { date +%s.%N; }
fail() { failures+=("$*"); echo "FAIL: $*" >&2; }

start_server() {
  VERDICT_LOG_FORMAT=json RUST_LOG=info "$verdict" serve --addr "127.0.0.1:$port" \
    --database-url "$database_url" --agent-rate-limit 0 --site-root target/site \
    >>"$run_dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 60); do
    curl -sf "$base/readyz" >/dev/null && return 0
    sleep 0.5
  done
  echo "the server did not start within 30 s" >&2
  tail -30 "$run_dir/server.log" >&2
  exit 1
}

start_load() {
  "$target_dir/debug/loadgen" --url "$base" --admin-token "$token" --agents 4 --mixed 2 \
    --warmup 0 --duration "$1" --label "faults-$backend" --fsync-probe-dir "$run_dir" \
    --ack-log "$run_dir/acks.txt" >"$run_dir/loadgen.log" 2>"$run_dir/loadgen.err" &
  driver_pid=$!
  # Faults start once agents are being acknowledged (provisioning and the fsync probe first).
  for _ in $(seq 1 120); do
    [ -s "$run_dir/acks.txt" ] && return 0
    sleep 0.5
  done
  echo "the load never started" >&2
  cat "$run_dir/loadgen.err" >&2
  exit 1
}

# probe NAME METHOD PATH [BODY]: one call with the admin's token; writes "STATUS RETRY_AFTER"
# and the body to $run_dir/probe-NAME.*.
probe() {
  local name=$1 method=$2 path=$3 body=${4:-}
  local args=(-s -o "$run_dir/probe-$name.body" -D "$run_dir/probe-$name.headers" --max-time 60
    -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  local status
  status=$(curl "${args[@]}" "$base$path" || echo 000)
  local retry
  retry=$(tr -d '\r' <"$run_dir/probe-$name.headers" 2>/dev/null | awk -F': ' 'tolower($1) == "retry-after" {print $2}')
  echo "$status ${retry:--}" >"$run_dir/probe-$name.status"
}

# expect_probe NAME STATUS: the probe's status must be STATUS; a 503 must carry Retry-After and
# a body that says what happened (JSON, or a page with the message).
expect_probe() {
  local name=$1 expected=$2 status retry
  read -r status retry <"$run_dir/probe-$name.status"
  if [ "$status" != "$expected" ]; then
    fail "$name: answered $status, expected $expected: $(head -c 300 "$run_dir/probe-$name.body")"
  elif [ "$status" = 503 ]; then
    [ "$retry" = - ] && fail "$name: 503 without Retry-After"
    # JSON for the API and server functions, a page with the message for people's pages.
    python3 -c '
import json, sys
text = open(sys.argv[1]).read()
if text.lstrip().startswith("<"):
    assert "cannot be reached" in text or "database" in text
else:
    body = json.loads(text)
    assert body.get("error") or body.get("status") or body.get("code") == "unavailable"
' "$run_dir/probe-$name.body" 2>/dev/null || fail "$name: 503 without a body saying why"
  fi
  echo "  $name: $status (Retry-After: $retry) $(head -c 160 "$run_dir/probe-$name.body")"
}

# A person signed in on the web: their session cookie, for the page probes.
sign_in() {
  curl -s -D - -o /dev/null -X POST "$base/api/login" \
    --data-urlencode "email=faults@example.com" \
    --data-urlencode "password=throwaway passphrase of a scripted run" |
    tr -d '\r' | awk 'tolower($1) == "set-cookie:" {split($2, c, ";"); print c[1]; exit}'
}
# page_probe NAME PATH [FORM]: a page (GET) or a server function (POST of FORM) with the cookie.
page_probe() {
  local name=$1 path=$2 form=${3:-} args status retry
  args=(-s -o "$run_dir/probe-$name.body" -D "$run_dir/probe-$name.headers" --max-time 60
    -w '%{http_code}' -H "Cookie: $cookie")
  [ -n "$form" ] && args+=(-X POST --data "$form")
  status=$(curl "${args[@]}" "$base$path" || echo 000)
  retry=$(tr -d '\r' <"$run_dir/probe-$name.headers" 2>/dev/null | awk -F': ' 'tolower($1) == "retry-after" {print $2}')
  echo "$status ${retry:--}" >"$run_dir/probe-$name.status"
}

# The people's write used as a probe: creating an agent.
probe_write() { probe "$1" POST /api/v1/admin/agents "{\"name\":\"probe-$1-$RANDOM\",\"owner_team\":\"faults\"}"; }
probe_read() { probe "$1" GET "/api/v1/admin/decisions?limit=5"; }

# Seconds from each moment in $run_dir/back.txt (the database answers again) to the first
# acknowledged agent call after it, from the server's request log.
recovery_seconds() {
  python3 - "$run_dir/server.log" "$run_dir/back.txt" <<'PY'
import datetime, json, sys
answers = []
for line in open(sys.argv[1], errors="replace"):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    fields, span = record.get("fields", {}), record.get("span", {})
    if fields.get("message") != "answered":
        continue
    at = datetime.datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).timestamp()
    answers.append((at, fields.get("status"), span.get("method"), span.get("path", "")))
worst = 0.0
for line in open(sys.argv[2]):
    back = float(line)
    firsts = [at for at, status, method, path in answers
              if at >= back and 200 <= status < 300 and method == "POST"
              and path.startswith("/api/v1/decisions")]
    took = min(firsts) - back if firsts else float("inf")
    worst = max(worst, took)
print(f"{worst:.1f}")
PY
}

# Counts of the server's answers by class, from its request log: total 503 500 other5xx slowest_ms
answer_counts() {
  python3 - "$run_dir/server.log" <<'PY'
import json, sys
total = unavailable = internal = other = 0
slowest = 0.0
for line in open(sys.argv[1], errors="replace"):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    fields = record.get("fields", {})
    if fields.get("message") != "answered":
        continue
    total += 1
    status = fields.get("status", 0)
    slowest = max(slowest, float(fields.get("latency_ms", 0)))
    if status == 503:
        unavailable += 1
    elif status == 500:
        internal += 1
    elif status >= 500:
        other += 1
print(total, unavailable, internal, other, round(slowest))
PY
}

faults=0
# ---------------------------------------------------------------------------------------------
if [ "$backend" = postgres ]; then
  # A cluster of its own, so that stopping it disturbs no other test on the machine.
  scripts/postgres-for-tests.sh >/dev/null
  pg_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_cluster=verdict_faults
  pg_port=${FAULT_TEST_PG_PORT:-5439}
  pg_dropcluster --stop "$pg_version" "$pg_cluster" >/dev/null 2>&1 || true
  pg_createcluster -p "$pg_port" "$pg_version" "$pg_cluster" >/dev/null
  pg_ctl() { pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$pg_cluster" "$@"; }
  pg_ctl start
  su postgres -c "psql -q -p $pg_port -v ON_ERROR_STOP=1" <<SQL
CREATE ROLE verdict_faults LOGIN CREATEDB PASSWORD 'verdict_faults';
CREATE DATABASE verdict_faults OWNER verdict_faults;
SQL
  database_url="postgres://verdict_faults:verdict_faults@127.0.0.1:$pg_port/verdict_faults"
  psql_admin() { su postgres -c "psql -qAt -p $pg_port -c \"$1\""; }

  start_server
  token=$(admin_token "$verdict" faults@example.com)
  cookie=$(sign_in)
  [ -n "$cookie" ] || { echo "could not sign in" >&2; exit 1; }
  start_load 90

  # stop_and_start MODE: PostgreSQL goes away for a few seconds while the load runs.
  stop_and_start() {
    pg_ctl stop -m "$1"
    faults=$((faults + 1))
    echo "PostgreSQL stopped (-m $1)"
    probe_write "write-while-stopped-$1" &
    local write_probe=$!
    probe "readyz-while-stopped-$1" GET /readyz &
    local ready_probe=$!
    page_probe "page-while-stopped-$1" /agents &
    local page_probe=$!
    page_probe "page-write-while-stopped-$1" /api/create_agent \
      "name=page-$1-$RANDOM&description=&owner_team=faults" &
    local page_write_probe=$!
    wait "$write_probe" "$ready_probe" "$page_probe" "$page_write_probe"
    sleep 1
    pg_ctl start
    now >>"$run_dir/back.txt"
    echo "PostgreSQL started again"
    expect_probe "write-while-stopped-$1" 503
    expect_probe "readyz-while-stopped-$1" 503
    expect_probe "page-while-stopped-$1" 503
    expect_probe "page-write-while-stopped-$1" 503
  }

  # kill_connections N: N times, at random moments, a random half of Verdict's connections
  # (the journal's, the pool's, the LISTEN one) is cut, whatever it was doing.
  kill_connections() {
    for _ in $(seq 1 "$1"); do
      sleep "$(python3 -c 'import random; print(round(random.uniform(0.3, 1.5), 2))')"
      killed=$(psql_admin "SELECT count(pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity WHERE datname = 'verdict_faults' AND pid <> pg_backend_pid() ORDER BY random() LIMIT greatest(1, (SELECT count(*) FROM pg_stat_activity WHERE datname = 'verdict_faults') / 2)) AS victims")
      faults=$((faults + 1))
      now >>"$run_dir/back.txt"
      echo "cut $killed of Verdict's connections"
    done
  }

  sleep 2
  stop_and_start fast
  sleep 3
  kill_connections 6
  sleep 2
  stop_and_start immediate
  sleep 3
  kill_connections 4
  # All of them at once, the LISTEN connection included.
  psql_admin "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'verdict_faults' AND pid <> pg_backend_pid()" >/dev/null
  faults=$((faults + 1))
  now >>"$run_dir/back.txt"
  echo "cut all of Verdict's connections"
  sleep 4

  probe_read read-after
  expect_probe read-after 200
  probe readyz-after GET /readyz
  expect_probe readyz-after 200
  # The LISTEN connection came back (it announces other servers' changes to waiters here).
  listening=$(psql_admin "SELECT count(*) FROM pg_stat_activity WHERE datname = 'verdict_faults' AND query ILIKE 'LISTEN%'")
  [ "$listening" -ge 1 ] || fail "no LISTEN connection after the faults"
  echo "  LISTEN connections after the faults: $listening"
fi

# ---------------------------------------------------------------------------------------------
if [ "$backend" = sqlite ]; then
  disk="$run_dir/disk"
  mkdir -p "$disk"
  mount -t tmpfs -o size=${FAULT_TEST_DISK_MB:-256}m tmpfs "$disk"
  mounts+=("$disk")
  database_url="sqlite:$disk/verdict.db"

  start_server
  token=$(admin_token "$verdict" faults@example.com)
  start_load 45

  # fill_and_free: the disk fills up under load; writes must be refused 503 while reads go on;
  # once space returns, writes succeed again without a restart.
  fill_and_free() {
    local round=$1 avail
    avail=$(df --output=avail -B1 "$disk" | tail -1)
    fallocate -l "$avail" "$disk/filler" 2>/dev/null || true
    dd if=/dev/zero of="$disk/filler-rest" bs=4k status=none 2>/dev/null || true
    faults=$((faults + 1))
    echo "disk full ($(df --output=avail -B1 "$disk" | tail -1) bytes free)"
    # The log may still hold room the database can reuse; wait for writes to be refused.
    local refused=0
    for _ in $(seq 1 40); do
      probe_write "write-disk-full-$round"
      if [ "$(cut -d' ' -f1 <"$run_dir/probe-write-disk-full-$round.status")" = 503 ]; then
        refused=1
        break
      fi
      sleep 0.5
    done
    [ "$refused" = 1 ] || fail "round $round: writes were still accepted on a full disk"
    expect_probe "write-disk-full-$round" 503
    grep -q "disk is full" "$run_dir/probe-write-disk-full-$round.body" ||
      fail "round $round: the 503 does not name the full disk"
    probe_read "read-disk-full-$round"
    expect_probe "read-disk-full-$round" 200
    sleep 3
    rm -f "$disk/filler" "$disk/filler-rest"
    now >>"$run_dir/back.txt"
    echo "disk space back"
    sleep 1
    probe_write "write-space-back-$round"
    expect_probe "write-space-back-$round" 201
  }

  sleep 2
  fill_and_free 1
  sleep 4
  fill_and_free 2
  sleep 2
fi

# ---------------------------------------------------------------------------------------------
# The load ends; then every acknowledged call must be on record and every chain intact.
wait "$driver_pid" || true
driver_pid=""
grep -E '^\| (open|commit|decision|admin calls) ' "$run_dir/loadgen.log" || {
  fail "the load driver did not finish"
  tail -20 "$run_dir/loadgen.err" >&2
}
acknowledged=$(wc -l <"$run_dir/acks.txt")
if python3 scripts/check_acknowledged.py --url "$base" --token "$token" \
  --acks "$run_dir/acks.txt" >"$run_dir/check.txt"; then
  lost=0
else
  lost=$(grep -c 'not on record\|but no \|status ' "$run_dir/check.txt" || true)
  fail "acknowledged calls missing or chains broken: $(head -5 "$run_dir/check.txt")"
fi
cat "$run_dir/check.txt"

if [ "$backend" = sqlite ]; then
  integrity=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$disk/verdict.db")
  [ "$integrity" = ok ] || fail "integrity_check: $integrity"
  echo "  SQLite integrity_check: $integrity"
fi

read -r answered unavailable internal other_5xx slowest_ms < <(answer_counts)
recovery=$(recovery_seconds)
[ "$internal" = 0 ] || fail "$internal answers 500 (see the server log)"
[ "$other_5xx" = 0 ] || fail "$other_5xx answers 5xx other than 503"
[ "$unavailable" -gt 0 ] || fail "no request was answered 503: were the faults felt?"
python3 -c "import sys; sys.exit(0 if float('$recovery') <= $recovery_limit else 1)" ||
  fail "recovery took ${recovery} s, more than $recovery_limit s"
kill -0 "$server_pid" 2>/dev/null || fail "Verdict stopped during the faults"
if grep -q 'panicked' "$run_dir/server.log"; then fail "Verdict panicked"; fi
restarts=0

# ---------------------------------------------------------------------------------------------
# SQLite: start-up on a full disk and on a read-only one exits with a clear message.
if [ "$backend" = sqlite ]; then
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  # startup_refused NAME URL: the server must exit non-zero, with a message naming the
  # database's trouble, not a panic.
  startup_refused() {
    local output status=0
    output=$(timeout 30 "$verdict" serve --addr "127.0.0.1:$port" --database-url "$2" \
      --site-root target/site 2>&1) || status=$?
    if [ "$status" = 0 ] || [ "$status" = 124 ] || echo "$output" | grep -q panicked; then
      fail "start-up on $1: exit $status: $output"
    fi
    echo "  start-up on $1: exit $status: $(echo "$output" | grep -v '^{' | tail -1)"
  }
  small="$run_dir/small"
  mkdir -p "$small"
  mount -t tmpfs -o size=1m tmpfs "$small"
  mounts+=("$small")
  fallocate -l "$(df --output=avail -B1 "$small" | tail -1)" "$small/filler"
  startup_refused "a full disk (new database)" "sqlite:$small/verdict.db"
  read_only="$run_dir/read-only"
  mkdir -p "$read_only"
  mount -t tmpfs -o size=1m,ro tmpfs "$read_only"
  mounts+=("$read_only")
  startup_refused "a read-only disk (new database)" "sqlite:$read_only/verdict.db"
  # The database of the run, its disk made read-only. Whether SQLite can open it depends on
  # whether its -wal and -shm files are still there: without them it cannot, and start-up
  # must be refused as above; with them it opens read-only, and then Verdict must serve
  # reads and answer writes 503, naming the cause.
  mount -o remount,ro "$disk"
  VERDICT_LOG_FORMAT=json "$verdict" serve --addr "127.0.0.1:$port" --database-url "sqlite:$disk/verdict.db" \
    --site-root target/site >"$run_dir/read-only-start.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 60); do
    kill -0 "$server_pid" 2>/dev/null || break
    curl -sf "$base/readyz" >/dev/null && break
    sleep 0.5
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    probe_read read-only-read
    expect_probe read-only-read 200
    probe_write read-only-write
    expect_probe read-only-write 503
    grep -q "read-only" "$run_dir/probe-read-only-write.body" ||
      fail "the 503 on a read-only disk does not say so"
    echo "  start-up on a read-only disk (existing database): serves reads, refuses writes 503"
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  else
    status=0
    wait "$server_pid" || status=$?
    output=$(grep -v '^{' "$run_dir/read-only-start.log" | tail -1)
    if [ "$status" = 0 ] || grep -q panicked "$run_dir/read-only-start.log"; then
      fail "start-up on a read-only disk (existing database): exit $status: $output"
    fi
    echo "  start-up on a read-only disk (existing database): exit $status: $output"
  fi
  server_pid=""
fi

printf '\n### Database faults under load: %s\n\n' "$backend"
echo "| faults injected | requests answered | answered 503 | acknowledged calls | lost | answered 500 | other 5xx | slowest answer | time to recover | Verdict restarts |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| $faults | $answered | $unavailable | $acknowledged | $lost | $internal | $other_5xx | ${slowest_ms} ms | ${recovery} s | $restarts |"
echo
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'FAILED:\n'
  printf '  %s\n' "${failures[@]}"
  cp "$run_dir/server.log" "${FAULT_TEST_LOG:-/tmp/fault-test-$backend-server.log}" || true
  echo "server log kept in ${FAULT_TEST_LOG:-/tmp/fault-test-$backend-server.log}"
  exit 1
fi
echo "fault test on $backend: passed"
