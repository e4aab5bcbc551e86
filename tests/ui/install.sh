#!/usr/bin/env bash
# Installs what the browser tests of the web UI need, once: Debian's Chromium
# and playwright-core from package-lock.json (npm ci). Idempotent; run by
# tests/tests/ui.rs on first use (under a lock) and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "install.sh: '$*' needs root; install Debian's chromium (and nodejs, npm) first" >&2; exit 1
  fi
}

missing=()
[ -x "${FERRY_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: installing ${missing[*]} from Debian" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

# npm ci only when node_modules does not hold exactly the locked packages.
if ! node -e '
  const lock = require("./package-lock.json").packages;
  for (const [where, p] of Object.entries(lock)) {
    if (!where) continue;
    try { if (require(`./${where}/package.json`).version !== p.version) process.exit(1); } catch { process.exit(1); }
  }' 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "browser tests ready: $("${FERRY_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null | head -1), $(node -p "Object.entries(require('./package-lock.json').packages).filter(([w]) => w).map(([w, p]) => w.replace('node_modules/', '') + ' ' + p.version).join(', ')")"
