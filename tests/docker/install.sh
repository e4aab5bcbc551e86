#!/usr/bin/env bash
# Docker for the container tests: Debian's docker.io and docker-compose,
# dockerd started when it is not running, a debian:bookworm-slim base made
# with debootstrap (no image can be pulled here), and the stand-in image
# ferry-test/standin. Safe to run again: it skips what is there.
# Usage: tests/docker/install.sh   (needs root; the test servers installed first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
servers="${FERRY_TEST_SERVERS:-$HOME/.cache/ferry/test-servers}"

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  mkdir -p /var/log/ferry-ci
  nohup dockerd >/var/log/ferry-ci/dockerd.log 2>&1 &
  for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/ferry-ci/dockerd.log; echo "dockerd did not start" >&2; exit 1; }
fi

if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  root="$(mktemp -d)"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - debian:bookworm-slim >/dev/null
  rm -rf "$root"
fi

# The build cache makes this quick once the packages are in.
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$here"/standin/* "$context"/
mkdir -p "$context/bin"
cp -L "$servers/bin/noida-db" "$servers/bin/tansu" "$context/bin/"
docker build -q --network host -t ferry-test/standin "$context" >/dev/null
