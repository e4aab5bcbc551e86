#!/usr/bin/env bash
# Regenerates the vectors beside this folder from the reference Kafka Connect
# 3.9 jars (REFERENCE_CLASSPATH, default the reference-connect cache):
# ../from_connect.jsonl and ../to_connect.jsonl (JsonConverter) and
# ../transforms.jsonl (transforms and predicates) and ../group_protocol.jsonl
# (distributed mode's JoinGroup metadata and SyncGroup assignments).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="${REFERENCE_CLASSPATH:-$HOME/.cache/reference-connect/classpath}/*"
out="$(mktemp -d)"
javac -d "$out" -cp "$cp" "$here/JsonVectors.java" "$here/TransformVectors.java" "$here/ProtocolVectors.java"
java -cp "$cp:$out" JsonVectors "$here/.."
java -cp "$cp:$out" TransformVectors "$here/.."
java -cp "$cp:$out" ProtocolVectors "$here/.."
rm -rf "$out"
wc -l "$here"/../*.jsonl
