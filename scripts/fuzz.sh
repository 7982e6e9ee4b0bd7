#!/usr/bin/env bash
# Property-based fuzzing from the OpenAPI document: Schemathesis (from PyPI, in a venv under
# target/) generates requests for every documented operation against a fresh debug server, as
# an admin's token and then as an agent's key, and fails on any 5xx or any response whose status,
# body, content type or headers the document does not describe. Prints how many requests it sent.
#   scripts/fuzz.sh [EXAMPLES_PER_OPERATION]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-database.sh

examples=${1:-50}
target_dir=${CARGO_TARGET_DIR:-target}
port=${FUZZ_PORT:-3270}
mkdir -p "$target_dir"
venv="$(cd "$target_dir" && pwd)/fuzz-venv"
run_dir=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$run_dir"
}
trap cleanup EXIT

if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi
cargo build -p server --bin verdict
verdict="$target_dir/debug/verdict"
new_database sqlite "$run_dir"
"$verdict" serve --addr "127.0.0.1:$port" --database-url "$database_url" --agent-rate-limit 0 \
  >"$run_dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
token=$(admin_token "$verdict" fuzz@example.com)
"$verdict" policy publish --database-url "$database_url" app/src/policies/templates/refund_limit.yaml >/dev/null
key=$("$verdict" agent create --database-url "$database_url" fuzz-bot)
"$verdict" agent bind --database-url "$database_url" fuzz-bot refund_limit >/dev/null

checks=not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance,response_headers_conformance
fuzz() {
  # Schemathesis keeps a report folder in the working directory; keep it in the run's.
  (cd "$run_dir" && "$venv/bin/st" run "http://127.0.0.1:$port/api/v1/openapi.json" --checks "$checks" \
    --max-examples "$examples" --phases examples,fuzzing --request-timeout 30 \
    --generation-deterministic --generation-with-security-parameters false \
    --suppress-health-check all "$@") | tee -a "$run_dir/fuzz.log"
}
# The agent first: the admin pass may well revoke its keys and freeze every agent.
fuzz -H "Authorization: Bearer $key" --include-tag decisions
fuzz -H "Authorization: Bearer $token" --exclude-tag decisions
sent=$(sed -n 's/^ *\([0-9]*\) generated.*/\1/p' "$run_dir/fuzz.log" | paste -sd+ | bc)
echo "fuzzer: $sent requests, no 5xx and no response outside the document"
if grep -q "5[0-9][0-9] Internal\|Server error" "$run_dir/server.log"; then
  echo "the server logged a server error" >&2
  exit 1
fi
