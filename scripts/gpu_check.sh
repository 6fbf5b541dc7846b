#!/usr/bin/env bash
# The CUDA checks a GPU box runs (none runs in CI: it has no GPU). Needs the project's
# Python dependencies importable (a venv, or wheels unpacked onto PYTHONPATH) and a
# tokenizer directory (default: the embedded model's, prepared by scripts/setup.sh).
#   scripts/gpu_check.sh [TOKENIZER_DIR] [OUT_DIR]
# 1. tests/gpu: the batched engine on CUDA (fp32 equals transformers' generate, batch
#    invariance, bf16 agreement, prefix reuse) and the avatar generator (CUDA vs CPU).
# 2. `npcbridge bench avatars` on CUDA; 3. `npcbridge bench dialogue` on random models of real shapes (speed does not depend on
#    weights), bf16, at 1, 32 and 128 sessions, on our engine and, where vLLM is installed, on --backend vllm.
set -uo pipefail
cd "$(dirname "$0")/.."
TOK=${1:-}
OUT_DIR=${2:-gpu-check}
SHAPES=${SHAPES:-"smollm2-135m qwen2.5-0.5b llama-3.2-1b"}
mkdir -p "$OUT_DIR"
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 NPCBRIDGE_KV_CACHE_MB=${NPCBRIDGE_KV_CACHE_MB:-20000}
NPC=(python3 -c 'import sys; from npcbridge.cli import app; sys.argv[0] = "npcbridge"; app()')

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))'
[ "${GPU_TESTS:-1}" = 1 ] && python3 -m pytest tests/gpu -v -p no:cacheprovider 2>&1 | tee "$OUT_DIR/pytest.log"
[ "${AVATARS:-1}" = 1 ] && timeout "${BENCH_TIMEOUT:-300}" "${NPC[@]}" bench avatars --device cuda --json "$OUT_DIR/avatars.json" 2>&1
for shape in $SHAPES; do
  "${NPC[@]}" models random "$shape" "/tmp/npcb-$shape" ${TOK:+--tokenizer "$TOK"} >/dev/null || continue
  timeout "${BENCH_TIMEOUT:-300}" "${NPC[@]}" \
    bench dialogue --model "/tmp/npcb-$shape" --device cuda --dtype bfloat16 --sessions 1,32,128 --repeats 3 \
    --json "$OUT_DIR/dialogue-$shape.json" 2>&1 | grep -v -E "Warning|Loading weights"
  # vLLM on the same folder, when this environment has it (scripts/setup_vllm.sh).
  if python3 -c "import vllm" 2>/dev/null; then
    timeout "${BENCH_TIMEOUT:-300}" "${NPC[@]}" \
      bench dialogue --backend vllm --model "/tmp/npcb-$shape" --device cuda --dtype bfloat16 --sessions 1,32,128 \
      --repeats 3 --json "$OUT_DIR/dialogue-vllm-$shape.json" 2>&1 | grep -v -E "Warning|Loading weights"
  fi
  rm -rf "/tmp/npcb-$shape"
done
