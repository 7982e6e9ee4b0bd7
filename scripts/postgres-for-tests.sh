#!/usr/bin/env bash
# Makes a PostgreSQL server answer on 127.0.0.1:5432 with a test role that may create databases,
# installing and starting Debian's postgresql when none answers. Prints the TEST_DATABASE_URL
# to use (each test then creates its own database on that server).
set -euo pipefail

user=verdict_test
password=verdict_test
url="postgres://$user:$password@127.0.0.1:5432/postgres"

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "installing PostgreSQL from apt" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h | grep -q "^$version main"; then
    pg_createcluster "$version" main >&2
  fi
  # After an unclean stop PostgreSQL fsyncs its whole data directory, file by file, before it
  # answers; with many databases that outlasted pg_ctl's default 60 s wait and failed a CI run
  # (server up, script gone). syncfs (PostgreSQL 14+) syncs the file system once instead, and
  # the wait is long enough for a slow disk; the loop below is the one that decides.
  sync_method=()
  if [ "$version" -ge 14 ]; then sync_method=(-o "-c recovery_init_sync_method=syncfs"); fi
  pg_ctlcluster --skip-systemctl-redirect "${sync_method[@]}" "$version" main start -- -t 900 >&2 ||
    echo "pg_ctlcluster start did not finish; waiting for the server to answer" >&2
  for _ in $(seq 1 900); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL did not answer on 127.0.0.1:5432 within 15 min; its log:" >&2
    tail -20 "/var/log/postgresql/postgresql-$version-main.log" >&2 || true
    exit 1
  fi
fi

su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SQL

# Databases left by test runs that began more than three hours ago (scripts/drop-test-databases.sh
# says why they matter); a run going on, here or beside, keeps its own.
TEST_DATABASE_URL=$url "$(dirname "$0")/drop-test-databases.sh" --older-than 10800 ||
  echo "could not drop old test databases; going on" >&2

echo "$url"
