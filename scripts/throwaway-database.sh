# Sourced, not run: a throwaway database for the scripts that serve one for a single run (crash
# test, soak, load test, fuzzer, several servers). Run from the repository's root.

# new_database sqlite|postgres RUN_DIR NAME sets database_url to a new, empty database: a file in
# RUN_DIR, or a database NAME on TEST_DATABASE_URL's server (default: scripts/postgres-for-tests.sh)
# that drop_database removes.
new_database() {
  case "$1" in
    sqlite) database_url="sqlite:$2/verdict.db" ;;
    postgres)
      TEST_DATABASE_URL=${TEST_DATABASE_URL:-$(scripts/postgres-for-tests.sh)}
      pg_database=$3
      psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $pg_database"
      # The same server and credentials, another database: swap the URL's last path segment.
      database_url="${TEST_DATABASE_URL%/*}/$pg_database"
      ;;
    *) echo "new_database: unknown backend $1" >&2; return 2 ;;
  esac
}

# drop_database removes the PostgreSQL database new_database made, if any; for an exit trap.
drop_database() {
  if [ -n "${pg_database:-}" ]; then
    psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" || true
  fi
}

# admin_token VERDICT EMAIL makes EMAIL an admin of $database_url and prints a personal access
# token of theirs. The password is never used: the database is thrown away after the run.
admin_token() {
  echo 'throwaway passphrase of a scripted run' | "$1" create-user --database-url "$database_url" \
    --email "$2" --name "Scripted run" --role admin >/dev/null
  "$1" create-token --database-url "$database_url" --email "$2" --name scripted-run
}
