"""Build the OpenVINO GenAI engine core for a model (in the engine process).

The served model is read as GGUF by OpenVINO GenAI's GGUF reader: the embedded
model with its role-play adapter merged (or any Llama/Qwen2 directory) is written
once as Q8_0 by :func:`npcbridge.models.gguf_export.served_gguf` and cached; a
GGUF served as shipped is read as is. Why GGUF and not OpenVINO IR: the IR
converters (optimum-intel, NNCF) are a multi-hundred-MB install with a model
export a user waits minutes for; the GGUF writer is ours, takes ~3 s for the
embedded model, and OpenVINO builds its graph from it in ~4 s at every start.
Q8_0, not Q4: the adapter's small deltas do not survive 4-bit rounding.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.messages import Ready
from npcbridge.engine.openvino_core import OpenVinoCore
from npcbridge.engine.sentence_ends import sentence_end_ids
from npcbridge.errors import ModelLoadError

log = logging.getLogger(__name__)


class _Vocabulary:
    """The few tokenizer calls the core makes, over the fast ``tokenizers`` library: importing
    transformers for them would add seconds to every engine (re)start."""

    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        config_path = model_dir / "tokenizer_config.json"
        config = json.loads(config_path.read_text()) if config_path.exists() else {}
        eos = config.get("eos_token")
        eos = eos.get("content") if isinstance(eos, dict) else eos
        self.eos_token_id = self._tokenizer.token_to_id(eos) if eos else None

    def __len__(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str | None]:
        return [self._tokenizer.id_to_token(i) for i in ids]

    def decode(self, ids: list[int]) -> str:
        return self._tokenizer.decode(ids)


def _eos_ids(vocabulary: _Vocabulary, model_dir: Path) -> set[int]:
    """End-of-text ids: the tokenizer's and the generation config's (chat models often have two)."""
    ids = {vocabulary.eos_token_id} if vocabulary.eos_token_id is not None else set()
    generation = model_dir / "generation_config.json"
    if generation.exists():
        eos = json.loads(generation.read_text()).get("eos_token_id")
        ids |= set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    return ids


def _device(device: str) -> str:
    if device in ("auto", "cpu"):
        return "CPU"
    raise ModelLoadError(f"the OpenVINO backend runs on the CPU (--device {device} asked); on a CUDA GPU "
                         "serve with --backend vllm")


def build_openvino_core(config: CoreConfig) -> tuple[OpenVinoCore, Ready]:
    """The pipeline over the served GGUF, sized by the host's limits, and what it reports."""
    import openvino_genai as ov_genai

    from npcbridge.models.gguf_export import file_type_of, served_gguf
    from npcbridge.models.loader import context_length, prepare

    device = _device(config.device)
    model_dir = Path(prepare(config.model, config.cache_dir, tuning=False))
    vocabulary = _Vocabulary(model_dir)
    context = context_length(model_dir)
    slot_len = min(config.max_context_tokens, context)
    path = served_gguf(config.model, config.cache_dir, config.tuning, config.gguf_quant)
    scheduler = ov_genai.SchedulerConfig()
    scheduler.max_num_seqs = config.max_batch
    scheduler.max_num_batched_tokens = max(config.step_tokens, 16)
    scheduler.dynamic_split_fuse = True  # long prompts prefill in chunks between other NPCs' tokens
    scheduler.enable_prefix_caching = config.prefix_cache_mb > 0
    scheduler.cache_size = max(1, math.ceil(config.kv_cache_mb / 1024))  # GB of KV blocks, allocated as used
    properties: dict[str, Any] = {}
    if config.threads > 0:
        properties["INFERENCE_NUM_THREADS"] = config.threads
    try:
        pipeline = ov_genai.ContinuousBatchingPipeline(str(path), scheduler, device, properties)
    except RuntimeError as exc:
        raise ModelLoadError(f"OpenVINO could not load {path.name}: {str(exc).strip().splitlines()[-1]}") from exc
    eos = _eos_ids(vocabulary, model_dir)
    core = OpenVinoCore(pipeline, eos, slot_len, config.max_batch, config.max_queue, sentence_end_ids(vocabulary))
    dtype = f"gguf-{file_type_of(path)}"
    log.info("engine core: %s on OpenVINO %s (%s), %d sequences x %d tokens, prefix caching %s",
             config.model, device, dtype, config.max_batch, slot_len,
             "on" if scheduler.enable_prefix_caching else "off")
    ready = Ready(config.model, "cpu", dtype, context, sorted(eos), config.max_batch, slot_len, True, "openvino")
    return core, ready
