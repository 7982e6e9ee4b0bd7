#!/usr/bin/env bash
# Sets up and runs every test: formatting, clippy (ssr and hydrate builds), unit and integration
# tests on SQLite and, when TEST_DATABASE_URL names a PostgreSQL server, on PostgreSQL too, then
# the Playwright suite in Chromium against a freshly built server on a fresh database.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
target_dir=${CARGO_TARGET_DIR:-target}

scripts/setup.sh --tests

step "formatting"
cargo fmt --all --check

step "clippy: server and app (ssr)"
cargo clippy -p server -p app -p verdict-policy -p verdict-receipt -p loadgen --features app/ssr --all-targets -- -D warnings
step "clippy: app (hydrate, wasm32)"
cargo clippy -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

step "unit tests"
cargo test -p app --features ssr
cargo test -p verdict-policy
cargo test -p verdict-receipt
cargo test -p loadgen

# cargo-nextest (installed by setup.sh) runs each test in its own process with a time limit:
# tests in one process share Leptos' reactive runtime, and under plain `cargo test` (the fallback,
# for a machine where it could not be installed) a page test can stall beside another.
server_tests() {
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run -p server --profile "${NEXTEST_PROFILE:-default}" --no-tests=warn
  else
    cargo test -p server
  fi
}

step "integration tests on SQLite"
TEST_DATABASE_URL= server_tests

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  step "integration tests on PostgreSQL ($TEST_DATABASE_URL)"
  started=$(date +%s%N)
  server_tests
  scripts/drop-test-databases.sh --since "$started"
else
  step "integration tests on PostgreSQL: skipped (set TEST_DATABASE_URL=postgres://… to run them)"
fi

step "crash safety on SQLite: SIGKILL under load, restart, every acknowledged call on record"
scripts/crash-test.sh sqlite
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  step "crash safety on PostgreSQL"
  scripts/crash-test.sh postgres
  step "three servers on one PostgreSQL"
  scripts/multi-server-test.sh
fi

# The database under Verdict fails under load: 503s, nothing acknowledged lost, no restart.
# It mounts a small disk and stops a PostgreSQL cluster of its own, so it needs root (as CI is).
if [ "$(id -u)" = 0 ]; then
  step "database faults on SQLite: the disk fills up under load and frees again"
  scripts/fault-test.sh sqlite
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    step "database faults on PostgreSQL: restarts and cut connections under load"
    scripts/fault-test.sh postgres
  fi
else
  step "database faults: skipped (scripts/fault-test.sh needs root to mount a disk and stop PostgreSQL)"
fi

step "fuzzing the API from its OpenAPI document (Schemathesis)"
scripts/fuzz.sh 100

step "browser tests: building the site and the server"
scripts/build.sh

step "MCP: the official Python SDK against a running server"
scripts/mcp-client-test.sh

step "browser tests: Playwright in Chromium"
scripts/e2e.sh
