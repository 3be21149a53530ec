#!/usr/bin/env bash
# Make sure a PostgreSQL answers on $PGHOST:$PGPORT (default 127.0.0.1:5432) and print a URL for a
# fresh database on it (stdout). Uses the server that is already there (trust auth, user postgres);
# otherwise installs Debian's postgresql-15 when missing and starts a throwaway cluster in a scratch
# folder (never touching the system cluster). Run as root on Debian 12. Stack notes §8.
set -euo pipefail
PGHOST="${PGHOST:-127.0.0.1}"; PGPORT="${PGPORT:-5432}"; DB="${PGDATABASE_NAME:-mwp_ci}"
export PGOPTIONS='-c client_min_messages=warning'
if pg_isready -h "$PGHOST" -p "$PGPORT" -q 2>/dev/null; then
  echo "pg-ci: reusing PostgreSQL on $PGHOST:$PGPORT" >&2
else
  if ! dpkg -s postgresql-15 >/dev/null 2>&1; then
    echo "pg-ci: installing postgresql-15" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  fi
  BIN="$(dirname "$(dpkg -L postgresql-15 | grep -m1 'bin/initdb$')")"
  PGSCRATCH="${PGSCRATCH:-$(mktemp -d)}"; mkdir -p "$PGSCRATCH"; chown postgres:postgres "$PGSCRATCH"
  runuser -u postgres -- "$BIN/initdb" -D "$PGSCRATCH/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$BIN/pg_ctl" -D "$PGSCRATCH/data" -l "$PGSCRATCH/log" -w -t 30 \
    -o "-h $PGHOST -p $PGPORT -k $PGSCRATCH -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC -c max_connections=200" start >/dev/null
  echo "pg-ci: started PostgreSQL (pid $(head -1 "$PGSCRATCH/data/postmaster.pid")) with data in $PGSCRATCH" >&2
  echo "$PGSCRATCH" > "${PGCI_STATE:-/tmp/mwp-pg-ci.scratch}"
fi
psql -h "$PGHOST" -p "$PGPORT" -U postgres -qtAc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
echo "postgres://postgres@$PGHOST:$PGPORT/$DB"
