#!/usr/bin/env bash
# Load-tests the agent API: builds the release server and loadgen, serves a fresh database with
# the agent rate limit off, creates an admin token and runs loadgen against it, which prints a
# markdown report. Extra arguments go to loadgen (e.g. --agents 64 --duration 30).
#   scripts/loadgen.sh [sqlite|postgres]
# sqlite: a new database under $TMPDIR (the fsync rate is measured there too, so point TMPDIR at
# the disk you care about). postgres: a new database on TEST_DATABASE_URL's server (default:
# scripts/postgres-for-tests.sh), dropped at exit.
# LOADGEN_SERVER=path/to/verdict runs that binary instead of this tree's release build (to compare
# two builds of the server with the same load).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-database.sh

backend=${1:-sqlite}
if [ $# -gt 0 ]; then shift; fi
target_dir=${CARGO_TARGET_DIR:-target}
port=${LOADGEN_PORT:-3200}
run_dir=$(mktemp -d)
server_pid=""

cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  drop_database
  rm -rf "$run_dir"
}
trap cleanup EXIT

fail_with_server_log() {
  echo "--- server log ---" >&2
  tail -50 "$run_dir/server.log" >&2
  exit 1
}

case "$backend" in
  sqlite) fsync_probe_dir=$run_dir ;;
  postgres) fsync_probe_dir=. ;;
  *) echo "usage: scripts/loadgen.sh [sqlite|postgres] [loadgen flags…]" >&2; exit 2 ;;
esac
new_database "$backend" "$run_dir" "verdict_load_$(date +%s)_$$"

if [ -n "${LOADGEN_SERVER:-}" ]; then
  cargo build --release -p loadgen --bin loadgen
  verdict=$LOADGEN_SERVER
else
  cargo build --release -p server --bin verdict -p loadgen --bin loadgen
  verdict="$target_dir/release/verdict"
fi

"$verdict" serve --addr "127.0.0.1:$port" --database-url "$database_url" \
  --agent-rate-limit 0 --site-root target/site >"$run_dir/stdout.log" 2>"$run_dir/server.log" &
server_pid=$!
ready=false
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && { ready=true; break; }
  kill -0 "$server_pid" 2>/dev/null || fail_with_server_log
  sleep 0.5
done
$ready || { echo "the server did not become ready" >&2; fail_with_server_log; }

admin_token=$(admin_token "$verdict" load@example.com)

"$target_dir/release/loadgen" --url "http://127.0.0.1:$port" --admin-token "$admin_token" \
  --label "$backend" --fsync-probe-dir "$fsync_probe_dir" "$@" || fail_with_server_log
