#!/usr/bin/env bash
# Newcomer command 2: install everything (Debian packages, Python packages, the
# embedded model) and run every test suite. Prints each runner's summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || { echo "setup failed"; exit 1; }
# shellcheck disable=SC1091
. .venv/bin/activate

status=0
echo "== Python tests (pytest)"
python -m pytest "$@" || status=1
exit $status
