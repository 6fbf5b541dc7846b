#!/usr/bin/env bash
# Newcomer command 1: set up (first run only) and start the host with the
# embedded SmolLM2 model on 127.0.0.1:50051. Extra arguments go to `npcbridge serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/npcbridge serve "$@"
