#!/bin/bash
# For apache/kafka, where a test kills a worker: the test broker tansu (in
# memory) on STANDIN_HOST:STANDIN_PORT. Unlike noida-db, it expires the
# session of a member that died without leaving its group.
set -euo pipefail
url="tcp://${STANDIN_HOST:-127.0.0.1}:${STANDIN_PORT:-9092}"
exec /standin/bin/tansu broker --listener-url "$url" --advertised-listener-url "$url" --storage-engine memory://tansu/
