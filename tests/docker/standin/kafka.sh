#!/bin/bash
# For apache/kafka (KRaft, one broker): the test broker noida-db on
# STANDIN_HOST:STANDIN_PORT, which it advertises. KAFKA_* settings are not read.
set -euo pipefail
exec /standin/bin/noida-db start --only kafka --host "${STANDIN_HOST:-127.0.0.1}" --kafka-port "${STANDIN_PORT:-9092}" --data-dir /tmp/kafka-data
