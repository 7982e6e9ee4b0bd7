#!/usr/bin/env bash
# Soak: a release server under a steady load of RATE decisions/s (default 200) from AGENTS agents
# (default 8) for MINUTES (default 30), one load-driver run per minute, printing each minute's
# decisions/s, p99 latency of a whole decision, the server's RSS, its open file descriptors and
# the database's size. Goal: RSS and p99 flat after warm-up.
#   scripts/soak.sh [sqlite|postgres] [MINUTES] [AGENTS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-database.sh

backend=${1:-sqlite}
minutes=${2:-30}
agents=${3:-8}
rate=${4:-200}
target_dir=${CARGO_TARGET_DIR:-target}
port=${SOAK_PORT:-3260}
run_dir=$(mktemp -d)
server_pid=""

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  drop_database
  rm -rf "$run_dir"
}
trap cleanup EXIT

case "$backend" in
  sqlite | postgres) new_database "$backend" "$run_dir" "verdict_soak_$(date +%s)_$$" ;;
  *) echo "usage: scripts/soak.sh [sqlite|postgres] [MINUTES] [AGENTS] [RATE]" >&2; exit 2 ;;
esac

# SOAK_BINARIES names a directory of prebuilt `verdict` and `loadgen` (a build kept apart from
# the one being edited); without it both are built here.
binaries=${SOAK_BINARIES:-}
if [ -z "$binaries" ]; then
  cargo build --release -p server --bin verdict
  cargo build --release -p loadgen --bin loadgen
  binaries="$target_dir/release"
fi
verdict="$binaries/verdict"
"$verdict" serve --addr "127.0.0.1:$port" --database-url "$database_url" --agent-rate-limit 0 \
  --site-root target/site >"$run_dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
token=$(admin_token "$verdict" soak@example.com)

database_size() {
  case "$backend" in
    sqlite) du -cb "$run_dir"/verdict.db* | tail -1 | cut -f1 ;;
    postgres) psql -tA "$TEST_DATABASE_URL" -c "SELECT pg_database_size('$pg_database')" ;;
  esac
}

echo "| minute | decisions/s | decision p99 ms | RSS MiB | open fds | database MiB |"
echo "|---:|---:|---:|---:|---:|---:|"
for minute in $(seq 1 "$minutes"); do
  "$binaries/loadgen" --url "http://127.0.0.1:$port" --admin-token "$token" \
    --agents "$agents" --rate "$rate" --warmup 0 --duration 60 --label "soak-$backend" \
    --fsync-probe-dir "$run_dir" >"$run_dir/minute.log" 2>&1 || true
  throughput=$(sed -n 's/^- throughput: \([0-9.]*\) decisions.*/\1/p' "$run_dir/minute.log")
  p99=$(awk -F'|' '$2 ~ /decision/ {gsub(/ /, "", $7); print $7}' "$run_dir/minute.log")
  rss=$(( $(ps -o rss= -p "$server_pid") / 1024 ))
  fds=$(ls "/proc/$server_pid/fd" | wc -l)
  size=$(( $(database_size) / 1024 / 1024 ))
  echo "| $minute | ${throughput:-?} | ${p99:-?} | $rss | $fds | $size |"
done
