"""What the engine core needs to build itself, without importing torch.

Kept apart from :mod:`npcbridge.engine.core_loop` so that ``npcbridge serve`` can
start the engine process before it imports the heavy parts of the front end.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass
class CoreConfig:
    """Everything the core needs to build itself; one JSON argument for a spawned process."""

    model: str
    cache_dir: Path
    backend: str = "openvino"  # "openvino" (OpenVINO GenAI) or "transformers" (the torch core)
    device: str = "auto"
    dtype: str = "auto"
    max_batch: int = 32
    kv_cache_mb: float = 4096
    prefix_cache_mb: float = 512
    max_context_tokens: int = 2048
    max_queue: int = 64
    step_tokens: int = 256
    threads: int = 0
    tuning: bool = True  # merge the model's role-play adapter, when it has one
    gguf_quant: str = "q8_0"  # what the llama.cpp runner quantises a non-GGUF model to
    adapter_cache_mb: float = 256  # LoRA adapters kept in the engine's memory (LRU)

    @classmethod
    def from_settings(cls, s: Any) -> CoreConfig:
        """The core as ``npcbridge serve`` configures it."""
        return cls(model=s.model, cache_dir=s.cache_dir, backend=s.backend, device=s.device, dtype=s.dtype, max_batch=s.max_batch,
                   kv_cache_mb=s.kv_cache_mb, prefix_cache_mb=s.prefix_cache_mb,
                   max_context_tokens=s.max_context_tokens, max_queue=s.max_queue, step_tokens=s.step_tokens,
                   threads=s.engine_threads, tuning=s.tuning,
                   gguf_quant=s.gguf_quant, adapter_cache_mb=s.adapter_cache_mb)


def config_to_json(config: CoreConfig) -> str:
    """The config as one command-line argument for the engine process."""
    return json.dumps({**asdict(config), "cache_dir": str(config.cache_dir)})


def config_from_json(text: str) -> CoreConfig:
    """Inverse of :func:`config_to_json`."""
    fields = json.loads(text)
    return CoreConfig(**{**fields, "cache_dir": Path(fields["cache_dir"])})
