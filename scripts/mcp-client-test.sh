#!/usr/bin/env bash
# Drives the MCP endpoint with the official MCP Python SDK (end2end/mcp/client_test.py) against
# the debug server on a fresh SQLite database, provisioned with the command line as an operator
# would: the refund policy published, an agent created and bound.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}
port=${MCP_PORT:-3300}
venv="$target_dir/mcp-venv"

step() { printf '\n== %s\n' "$*" >&2; }

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  step "installing python3-venv from apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
fi
# Reinstall only when the pinned requirements change.
if ! cmp -s end2end/mcp/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  step "installing the MCP Python SDK into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r end2end/mcp/requirements.txt
  cp end2end/mcp/requirements.txt "$venv/requirements.txt"
fi

step "building the server"
cargo build -p server --bin verdict
verdict="$target_dir/debug/verdict"

run_dir=$(mktemp -d)
database="sqlite:$run_dir/verdict.db"
"$verdict" policy publish app/src/policies/templates/refund_limit.yaml --database-url "$database" >/dev/null
key=$("$verdict" agent create mcp-bot --database-url "$database" | grep -o 'vk_[A-Za-z0-9_-]*' | head -n1)
[ -n "$key" ] || { echo "agent create printed no vk_ key" >&2; exit 1; }
"$verdict" agent bind mcp-bot refund_limit --database-url "$database" >/dev/null

"$verdict" serve --addr "127.0.0.1:$port" --database-url "$database" --site-root target/site \
  >"$run_dir/stdout.log" 2>"$run_dir/server.log" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$run_dir"' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$run_dir/server.log"; exit 1; }
  sleep 0.5
done

step "running the MCP client test"
"$venv/bin/python" end2end/mcp/client_test.py "http://127.0.0.1:$port/mcp" "$key" || {
  echo "--- server log ---"; tail -50 "$run_dir/server.log"; exit 1;
}
