#!/usr/bin/env bash
# Run the whole test suite: lint, types, and pytest (unit, API, end-to-end with a real browser).
# Installs what it needs: the Python packages into .venv, Debian's Chromium for the browser tests and its PgBouncer
# for the scale-out tests.
# With DATABASE_URL set (CI), tests create their databases on that server; without it, on an embedded one.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv "dev"

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests …" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# PgBouncer for the scale-out tests (tests/scaleout/: the API through a real pooler in transaction mode).
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "Installing PgBouncer for the scale-out tests …" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi

# Test tools from npm (axe-core for the accessibility tests, Lighthouse for bench/pwa_budget.py), pinned by
# tools/package-lock.json and never shipped to browsers. Reinstalled only when the lock file is newer than the
# last install (npm ci writes node_modules/.package-lock.json); no browser download (Debian's Chromium is used).
if [ ! -f tools/node_modules/.package-lock.json ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "Installing Node.js and npm for the test tools …" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  echo "Installing the npm test tools (tools/) …" >&2
  npm ci --prefix tools --ignore-scripts --no-audit --no-fund --loglevel=error >&2
fi

.venv/bin/ruff check api tests bench
.venv/bin/ruff format --check api tests bench
.venv/bin/mypy
.venv/bin/python -m api.catalogue.datafiles >/dev/null
# The PWA's JSDoc types (strict), checked by the pinned TypeScript in tools/; no emit, no build step for the app.
tools/node_modules/.bin/tsc -p pwa/jsconfig.json
exec .venv/bin/pytest "$@"
