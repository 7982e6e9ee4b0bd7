#!/usr/bin/env bash
# Drops the databases the integration tests made on TEST_DATABASE_URL's server. Each test makes
# its own (`verdict_test_<pid>_<unix nanos>_<n>`, server/tests/integration/common/mod.rs) and
# never drops it: a run on PostgreSQL leaves about 210 of them, ~1.6 GB. Left to pile up across
# runs they filled a CI machine's disk and, after an unclean stop, made PostgreSQL's start-up
# fsync of its data directory outlast pg_ctl's 60 s wait, so CI failed before any test ran.
#
#   scripts/drop-test-databases.sh --since NANOS      those made at or after NANOS (one run's own)
#   scripts/drop-test-databases.sh --older-than SECS  those made more than SECS ago (leftovers of
#                                                     runs that stopped; a run going on keeps its own)
set -euo pipefail

url=${TEST_DATABASE_URL:?set TEST_DATABASE_URL to the PostgreSQL server the tests used}
now=$(date +%s%N)
case "${1:-}" in
  --since) from=${2:?--since NANOS}; to=$now ;;
  --older-than) from=0; to=$((now - ${2:?--older-than SECONDS} * 1000000000)) ;;
  *) echo "usage: $0 --since NANOS | --older-than SECONDS" >&2; exit 2 ;;
esac

dropped=0
for name in $(psql -qAt "$url" -c "SELECT datname FROM pg_database WHERE datname LIKE 'verdict\_test\_%'"); do
  # Only names the tests make; anything else on the server is left alone.
  [[ "$name" =~ ^verdict_test_[0-9]+_([0-9]+)_[0-9]+$ ]] || continue
  made=${BASH_REMATCH[1]}
  if [ "$made" -ge "$from" ] && [ "$made" -le "$to" ]; then
    psql -q "$url" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null 2>&1 && dropped=$((dropped + 1))
  fi
done
echo "dropped $dropped test databases" >&2
