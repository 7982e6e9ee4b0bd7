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
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
fi

su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SQL

echo "$url"
