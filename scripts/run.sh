#!/usr/bin/env bash
# Run MPP Digital on this machine: embedded PostgreSQL, demo data, API and PWA at the printed URL.
# Arguments go to `mpp serve` (e.g. --port 8080). Set DATABASE_URL to use an existing PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv ""
exec .venv/bin/mpp serve "$@"
