#!/usr/bin/env bash
# Runs the Playwright suite in Chromium against the built debug server (scripts/build.sh) on a
# fresh SQLite database; extra arguments go to `playwright test`. E2E_PROFILE=release runs the
# release server instead (after `scripts/build.sh release`, whose bundle target/site then holds).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
verdict="$target_dir/${E2E_PROFILE:-debug}/verdict"
[ -x "$verdict" ] || { echo "no $verdict: run scripts/build.sh first (with release for E2E_PROFILE=release)" >&2; exit 2; }
run_dir=$(mktemp -d)
port=${E2E_PORT:-3100}
"$verdict" serve --addr "127.0.0.1:$port" \
  --database-url "sqlite:$run_dir/verdict.db" --site-root target/site >"$run_dir/stdout.log" 2>"$run_dir/server.log" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$run_dir/server.log"; exit 1; }
  sleep 0.5
done
setup_url=$(grep -o 'http://[^ ]*/setup?token=[0-9a-f]*' "$run_dir/stdout.log")
(cd end2end && BASE_URL="http://127.0.0.1:$port" VERDICT_SETUP_URL="$setup_url" npx playwright test "$@") || {
  echo "--- server log ---"; tail -50 "$run_dir/server.log"; exit 1;
}
