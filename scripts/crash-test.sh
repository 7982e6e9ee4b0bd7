#!/usr/bin/env bash
# Crash safety: runs the load driver against a server, kills the server with SIGKILL at random
# moments (KILLS times, default 10), then stops it twice with SIGTERM, restarting it on the same
# database each time (it must be ready again within 30 s, with no manual repair), then checks
# that every call the driver saw acknowledged is on record, every hash chain verifies, and every
# status is explained by its events (scripts/check_acknowledged.py).
#   scripts/crash-test.sh [sqlite|postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-database.sh

backend=${1:-sqlite}
kills=${KILLS:-10}
target_dir=${CARGO_TARGET_DIR:-target}
port=${CRASH_TEST_PORT:-3250}
run_dir=$(mktemp -d)
server_pid=""

cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  drop_database
  rm -rf "$run_dir"
}
trap cleanup EXIT

case "$backend" in
  sqlite | postgres) new_database "$backend" "$run_dir" "verdict_crash_$(date +%s)_$$" ;;
  *) echo "usage: scripts/crash-test.sh [sqlite|postgres]" >&2; exit 2 ;;
esac

cargo build -p server --bin verdict
cargo build -p loadgen --bin loadgen
verdict="$target_dir/debug/verdict"

start_server() {
  "$verdict" serve --addr "127.0.0.1:$port" --database-url "$database_url" --agent-rate-limit 0 \
    --site-root target/site >>"$run_dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    sleep 0.5
  done
  echo "the server did not start cleanly within 30 s" >&2
  tail -30 "$run_dir/server.log" >&2
  exit 1
}

start_server
token=$(admin_token "$verdict" crash@example.com)

duration=$((kills * 3 + 15))
"$target_dir/debug/loadgen" --url "http://127.0.0.1:$port" --admin-token "$token" --agents 4 \
  --warmup 0 --duration "$duration" --label "crash-$backend" --fsync-probe-dir "$run_dir" \
  --ack-log "$run_dir/acks.txt" >"$run_dir/loadgen.log" 2>&1 &
driver_pid=$!

sleep 3
for kill in $(seq 1 "$kills"); do
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 2.5), 2))')"
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  start_server
  echo "kill $kill of $kills: restarted cleanly"
done
# Graceful stops lose nothing either: SIGTERM lets requests in flight finish first.
for stop in 1 2; do
  sleep 1
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  start_server
  echo "graceful stop $stop: restarted cleanly"
done

# The driver counts the calls refused while the server was down; its exit status says so.
wait "$driver_pid" || true
grep -E '^\| (open|commit|decision) ' "$run_dir/loadgen.log" || true
python3 scripts/check_acknowledged.py --url "http://127.0.0.1:$port" --token "$token" \
  --acks "$run_dir/acks.txt"
echo "crash test on $backend: $kills kills and 2 graceful stops, all acknowledged calls on record"
