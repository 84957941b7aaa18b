#!/usr/bin/env bash
# The local PostgreSQL a journal (vmflock.journal.kind = postgresql at 127.0.0.1) or the tests need:
# Debian's postgresql-15 installed when missing, its cluster 15/main started (pg_ctlcluster: no
# systemd in containers), a role with its password and a database it owns created. Idempotent and
# quiet when all is there. Needs root for what is missing; otherwise says what to do, exit 3.
#   sourced (bin/test):  ensure_postgresql PORT ROLE PASSWORD DATABASE [--createdb]
#   run (a node):        bin/lib/postgresql.sh PORT ROLE PASSWORD DATABASE [--createdb]
# --createdb lets the role create databases (the tests make one per run and drop it).

PG_VERSION=15
PG_CLUSTER=main

pg_fail() {
  echo "vmflock: $*" >&2
  exit 3
}

# quotes a value for SQL: 'it''s'
pg_literal() {
  printf "'%s'" "${1//\'/\'\'}"
}

# quotes a name for SQL: "my ""db"""
pg_identifier() {
  printf '"%s"' "${1//\"/\"\"}"
}

pg_psql() {
  (cd / && su postgres -c "psql -X -q -t -A -v ON_ERROR_STOP=1 -p $1 -d postgres" <<<"$2")
}

ensure_postgresql() {
  local port="$1" role="$2" password="$3" database="$4" createdb="${5:-}"
  command -v dpkg-query >/dev/null 2>&1 || pg_fail "PostgreSQL is set up on Debian only; start a server on port $port with role $role and database $database"
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "postgresql-$PG_VERSION" 2>/dev/null)" != "installed" ]; then
    [ "$(id -u)" -eq 0 ] || pg_fail "the journal needs PostgreSQL on port $port: as root, apt-get install postgresql-$PG_VERSION"
    echo "vmflock: installing postgresql-$PG_VERSION" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_VERSION" >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_VERSION" >&2 \
        || pg_fail "could not install postgresql-$PG_VERSION; install it with: apt-get install postgresql-$PG_VERSION"
    fi
  fi
  [ "$(id -u)" -eq 0 ] || {
    pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null && return 0
    pg_fail "PostgreSQL is not running on port $port: as root, pg_ctlcluster $PG_VERSION $PG_CLUSTER start"
  }
  if [ ! -d "/etc/postgresql/$PG_VERSION/$PG_CLUSTER" ]; then
    echo "vmflock: creating the PostgreSQL cluster $PG_VERSION/$PG_CLUSTER on port $port" >&2
    pg_createcluster -p "$port" "$PG_VERSION" "$PG_CLUSTER" >/dev/null || pg_fail "pg_createcluster $PG_VERSION $PG_CLUSTER failed"
  fi
  local configured
  configured="$(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER" show port 2>/dev/null || echo 5432)"
  [ "$configured" = "$port" ] || pg_fail "the PostgreSQL cluster $PG_VERSION/$PG_CLUSTER listens on port $configured, the journal's URL says $port"
  if ! pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1; then
    echo "vmflock: starting PostgreSQL $PG_VERSION/$PG_CLUSTER" >&2
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >&2 || pg_fail "pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed (see /var/log/postgresql/)"
  fi
  local i
  for i in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    [ "$i" -lt 60 ] || pg_fail "PostgreSQL on port $port does not answer (see /var/log/postgresql/)"
    sleep 0.5
  done
  local options="LOGIN PASSWORD $(pg_literal "$password")"
  [ "$createdb" = "--createdb" ] && options="$options CREATEDB"
  if [ "$(pg_psql "$port" "SELECT 1 FROM pg_roles WHERE rolname = $(pg_literal "$role")")" != "1" ]; then
    echo "vmflock: creating the PostgreSQL role $role" >&2
    pg_psql "$port" "CREATE ROLE $(pg_identifier "$role") $options" || pg_fail "creating the PostgreSQL role $role failed"
  else
    # the password the configuration says, so that a node that could not log in can after this
    pg_psql "$port" "ALTER ROLE $(pg_identifier "$role") $options" || pg_fail "updating the PostgreSQL role $role failed"
  fi
  if [ "$(pg_psql "$port" "SELECT 1 FROM pg_database WHERE datname = $(pg_literal "$database")")" != "1" ]; then
    echo "vmflock: creating the PostgreSQL database $database" >&2
    pg_psql "$port" "CREATE DATABASE $(pg_identifier "$database") OWNER $(pg_identifier "$role")" \
      || pg_fail "creating the PostgreSQL database $database failed"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -ge 4 ] || { echo "usage: $0 PORT ROLE PASSWORD DATABASE [--createdb]" >&2; exit 2; }
  ensure_postgresql "$@"
fi
