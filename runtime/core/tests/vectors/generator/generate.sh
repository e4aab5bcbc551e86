#!/usr/bin/env bash
# Regenerates ../from_connect.jsonl and ../to_connect.jsonl from the reference
# Kafka Connect 3.9 jars (REFERENCE_CLASSPATH, default the reference-connect cache).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="${REFERENCE_CLASSPATH:-$HOME/.cache/reference-connect/classpath}/*"
out="$(mktemp -d)"
javac -d "$out" -cp "$cp" "$here/JsonVectors.java"
java -cp "$cp:$out" JsonVectors "$here/.."
rm -rf "$out"
wc -l "$here"/../*.jsonl
