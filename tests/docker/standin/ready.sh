#!/bin/bash
# The stand-ins' health check: ready.sh mariadb|postgres|kafka|elasticsearch.
host="${STANDIN_HOST:-127.0.0.1}"
case "$1" in
  mariadb) mariadb-admin -S /run/mysqld/mysqld.sock ping >/dev/null 2>&1 ;;
  postgres) pg_isready -q -h /var/run/postgresql -p "${STANDIN_PORT:-5432}" ;;
  kafka) exec 3<>"/dev/tcp/$host/${STANDIN_PORT:-9092}" ;;
  elasticsearch) exec 3<>"/dev/tcp/$host/${STANDIN_PORT:-9200}" ;;
  *) exit 2 ;;
esac
