#!/usr/bin/env bash
# What the bench needs besides the venv (make bench runs this; idempotent): wrk (Debian package), matplotlib
# (the venv's optional extra [bench]) and, unless BENCH_NO_LIGHTHOUSE is set, Lighthouse 12.2.3 from npm into
# bench/node_modules (Node.js and npm from Debian when missing) and Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
export DEBIAN_FRONTEND=noninteractive

apt_install() {
  apt-get install -y -q "$@" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk for the benchmark =="
  apt_install wrk
fi
if ! "$VENV/bin/python" -c "import matplotlib" >/dev/null 2>&1; then
  echo "== installing the bench extra (matplotlib) =="
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
fi
if [ -z "${BENCH_NO_LIGHTHOUSE:-}" ]; then
  if [ ! -x /usr/bin/chromium ] && [ -z "${CHROME_PATH:-}" ]; then
    echo "== installing Chromium for Lighthouse =="
    apt_install chromium
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "== installing Node.js and npm for Lighthouse =="
    apt_install nodejs npm
  fi
  if [ ! -x bench/node_modules/.bin/lighthouse ]; then
    echo "== installing Lighthouse 12.2.3 into bench/node_modules =="
    (cd bench && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
