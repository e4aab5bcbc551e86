#!/bin/bash
# As the postgres image: POSTGRES_USER (postgres), POSTGRES_PASSWORD,
# POSTGRES_DB (the user's name), seed scripts; arguments (`postgres -c k=v`)
# go to postgres. Listens on STANDIN_HOST:STANDIN_PORT.
set -euo pipefail
host="${STANDIN_HOST:-127.0.0.1}" port="${STANDIN_PORT:-5432}"
user="${POSTGRES_USER:-postgres}" database="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
bin=/usr/lib/postgresql/15/bin data=/var/lib/postgresql/standin
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
# Debian's psql wrapper would pick its own cluster's port.
export PGHOST=/var/run/postgresql PGPORT="$port"
install -d -o postgres -g postgres "$data" /var/run/postgresql
if [ "${1:-}" = postgres ]; then shift; fi

if [ ! -s "$data/PG_VERSION" ]; then
  printf '%s' "${POSTGRES_PASSWORD:-}" > /tmp/pwfile && chown postgres /tmp/pwfile
  auth=(--auth-local=trust --auth-host=trust)
  [ -n "${POSTGRES_PASSWORD:-}" ] && auth=(--auth-local=trust --auth-host=scram-sha-256 --pwfile=/tmp/pwfile)
  as_postgres "$bin/initdb" -D "$data" -U "$user" "${auth[@]}" >/dev/null
  rm -f /tmp/pwfile
  method=trust; [ -n "${POSTGRES_PASSWORD:-}" ] && method=scram-sha-256
  echo "host all all 0.0.0.0/0 $method" >> "$data/pg_hba.conf"
  as_postgres "$bin/pg_ctl" -D "$data" -o "-c listen_addresses='' -p $port" -w start >/dev/null
  [ "$database" != postgres ] && as_postgres psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \"$database\";"
  for f in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$f" ] && as_postgres psql -v ON_ERROR_STOP=1 -U "$user" -d "$database" -f "$f" >/dev/null
  done
  as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$data" -c listen_addresses="$host" -p "$port" "$@"
