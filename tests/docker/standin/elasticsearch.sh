#!/bin/bash
# For elasticsearch (single node, security off): the test search server
# noida-db on STANDIN_HOST:STANDIN_PORT.
set -euo pipefail
exec /standin/bin/noida-db start --only elasticsearch --host "${STANDIN_HOST:-127.0.0.1}" --elasticsearch-port "${STANDIN_PORT:-9200}" --data-dir /tmp/es-data
