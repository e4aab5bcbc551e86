#!/bin/bash
# As the mariadb image: MARIADB_ROOT_PASSWORD or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD,
# MARIADB_DATABASE, MARIADB_USER/MARIADB_PASSWORD (MYSQL_* too), seed scripts;
# arguments go to mariadbd. Listens on STANDIN_HOST:STANDIN_PORT.
set -euo pipefail
host="${STANDIN_HOST:-127.0.0.1}" port="${STANDIN_PORT:-3306}"
root_password="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}"
database="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
user="${MARIADB_USER:-${MYSQL_USER:-}}" password="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"
data=/var/lib/standin-mysql
install -d -o mysql -g mysql "$data" /run/mysqld
if [ "${1:-}" = mariadbd ]; then shift; fi

if [ ! -d "$data/mysql" ]; then
  mariadb-install-db --user=mysql --datadir="$data" --skip-test-db >/dev/null
  mariadbd --user=mysql --datadir="$data" --skip-networking --socket=/run/mysqld/init.sock &
  init=$!
  for _ in $(seq 300); do mariadb -S /run/mysqld/init.sock -e 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
  sql() { mariadb -S /run/mysqld/init.sock "$@"; }
  sql -e "CREATE USER 'root'@'%' IDENTIFIED BY '${root_password}'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
  [ -n "$root_password" ] && sql -e "ALTER USER 'root'@'localhost' IDENTIFIED BY '${root_password}';"
  auth=(); [ -n "$root_password" ] && auth=(-p"$root_password")
  [ -n "$database" ] && sql "${auth[@]}" -e "CREATE DATABASE IF NOT EXISTS \`$database\`;"
  if [ -n "$user" ]; then
    sql "${auth[@]}" -e "CREATE USER '$user'@'%' IDENTIFIED BY '$password';"
    [ -n "$database" ] && sql "${auth[@]}" -e "GRANT ALL ON \`$database\`.* TO '$user'@'%';"
  fi
  for f in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$f" ] && sql "${auth[@]}" ${database:+"$database"} < "$f"
  done
  kill "$init"; wait "$init" || true
fi
exec mariadbd --user=mysql --datadir="$data" --bind-address="$host" --port="$port" --socket=/run/mysqld/mysqld.sock "$@"
