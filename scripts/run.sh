#!/usr/bin/env bash
# Sets up, builds Verdict in release mode and serves it on http://127.0.0.1:3000 with an
# embedded SQLite database (./data/verdict.db unless VERDICT_DATABASE_URL says otherwise).
# Extra arguments go to `verdict serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release --setup
exec "${CARGO_TARGET_DIR:-target}/release/verdict" serve "$@"
