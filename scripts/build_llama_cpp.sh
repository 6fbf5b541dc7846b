#!/usr/bin/env bash
# Build llama-cpp-python (the llamacpp extra: `npcbridge serve --runner llama.cpp`) into a
# local wheel, once per machine: PyPI ships its source only and compiling llama.cpp takes
# 15-35 minutes on 2 cores. setup.sh installs the wheel from there on every later run.
set -euo pipefail
cd "$(dirname "$0")/.."
wheels="${NPCBRIDGE_WHEELS:-$HOME/.cache/npcbridge/wheels}"
mkdir -p "$wheels"
bash scripts/setup.sh > /dev/null
# shellcheck disable=SC1091
. .venv/bin/activate
# Native CPU kernels for this machine; no tools, examples or tests of llama.cpp's own.
CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF" \
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" python -m pip wheel --no-deps -w "$wheels" "llama-cpp-python>=0.3.16"
python -m pip install -q --no-index --find-links "$wheels" llama-cpp-python
python -c "import llama_cpp; print('llama.cpp runner ready:', llama_cpp.__version__)"
