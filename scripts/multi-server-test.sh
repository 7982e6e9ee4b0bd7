#!/usr/bin/env bash
# Three Verdict servers on different ports sharing one PostgreSQL, checked by
# scripts/multi_server_check.py: decisions continued across servers, answers waking waiters on
# other servers (LISTEN/NOTIFY), deliveries and expiries exactly once, sessions everywhere.
#   TEST_DATABASE_URL=postgres://… scripts/multi-server-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-database.sh

target_dir=${CARGO_TARGET_DIR:-target}
run_dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  drop_database
  rm -rf "$run_dir"
}
trap cleanup EXIT

new_database postgres "$run_dir" "verdict_multi_$(date +%s)_$$"
cargo build -p server --bin verdict
verdict="$target_dir/debug/verdict"
echo 'several servers passphrase' | "$verdict" create-user --database-url "$database_url" \
  --email multi@example.com --name Multi --role admin >/dev/null
token=$("$verdict" create-token --database-url "$database_url" --email multi@example.com --name multi)

urls=()
for port in 3281 3282 3283; do
  # Waiters re-read only every 10 minutes: a waiter woken in time was woken by NOTIFY.
  # The check's webhook receiver listens on 127.0.0.1, an address deliveries refuse by default.
  "$verdict" serve --addr "127.0.0.1:$port" --database-url "$database_url" --agent-rate-limit 0 \
    --outbound-allow-hosts 127.0.0.1 \
    --wait-recheck-seconds 600 --public-url "http://127.0.0.1:$port" >"$run_dir/$port.log" 2>&1 &
  pids+=("$!")
  urls+=("http://127.0.0.1:$port")
done
for url in "${urls[@]}"; do
  for _ in $(seq 1 60); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.5; done
done
python3 scripts/multi_server_check.py --admin-token "$token" --email multi@example.com \
  --password 'several servers passphrase' "${urls[@]}" || {
  for log in "$run_dir"/*.log; do echo "--- $log"; tail -20 "$log"; done
  exit 1
}
