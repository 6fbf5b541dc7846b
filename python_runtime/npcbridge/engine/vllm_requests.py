"""How our requests and settings map onto vLLM's, as plain data.

Kept free of any vLLM import so the mapping is unit-tested on machines without a
GPU (vLLM lives in its own environment, see ``scripts/setup_vllm.sh``); the
engine in :mod:`npcbridge.engine.vllm_engine` turns these dicts into vLLM objects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.core_config import CoreConfig
from npcbridge.engine.reply_rules import ReplyRules

#: The extra_args key our logits processor reads (:mod:`npcbridge.engine.vllm_logits`).
RULES_KEY = "npcbridge_rules"
#: Its fully qualified name, as vLLM's ``logits_processors`` engine argument takes it.
LOGITS_PROCESSOR = "npcbridge.engine.vllm_logits:ReplyRulesProcessor"

_FINISH = {"stop": "stop", "length": "length", "abort": "cancelled"}


def sampling_kwargs(params: SamplingParams, *, tail: bool = False) -> dict[str, Any]:
    """``vllm.SamplingParams`` keyword arguments for the reply (or, with ``tail``, for the
    action call decoded after it). Text streams as deltas; our reply-only rules (repetition
    penalty, n-gram bans, sentence stop) go to our logits processor, not vLLM's own
    repetition penalty, which would also penalise the prompt."""
    kwargs: dict[str, Any] = {
        "temperature": params.temperature,
        "top_p": params.top_p,
        "min_p": params.min_p,
        "seed": params.seed,
        "max_tokens": params.tail_max_tokens if tail else params.max_tokens,
        "skip_special_tokens": True,
        "output_kind": "DELTA",
    }
    grammar = params.tail_grammar if tail else params.grammar
    if grammar:
        # Lark with %json rules: llguidance's own syntax, which vLLM's "guidance" backend takes as is.
        kwargs["structured_outputs"] = {"grammar": grammar}
    rules = ReplyRules() if tail else ReplyRules.of(params)
    if rules.as_args():
        kwargs["extra_args"] = {RULES_KEY: rules.as_args()}
    return kwargs


def vllm_priority(priority: int) -> int:
    """Ours: higher first. vLLM's priority scheduler: lower first."""
    return -priority


def finish_reason(vllm_reason: str | None) -> str:
    """vLLM's finish reason as the Engine interface names it."""
    return _FINISH.get(vllm_reason or "stop", "stop")


def engine_args(config: CoreConfig, model_dir: str, *, gpu_memory: float, max_loras: int,
                max_lora_rank: int) -> dict[str, Any]:
    """``vllm.AsyncEngineArgs`` for the host's settings: the model folder our loader prepared
    (a GGUF converted once, the role-play tuning merged), prefix caching, lower-first
    priority scheduling, the guidance grammar backend, our logits processor, and LoRA
    slots for per-character adapters when ``max_loras`` > 0."""
    dtype = {"auto": "bfloat16"}.get(config.dtype, config.dtype)
    args: dict[str, Any] = {
        "model": model_dir,
        "dtype": dtype,
        "max_model_len": config.max_context_tokens,
        "max_num_seqs": config.max_batch,
        "enable_prefix_caching": config.prefix_cache_mb > 0,
        "scheduling_policy": "priority",
        "structured_outputs_config": {"backend": "guidance"},
        "logits_processors": [LOGITS_PROCESSOR],
        "gpu_memory_utilization": gpu_memory,
    }
    if max_loras > 0:
        args.update(enable_lora=True, max_loras=max_loras, max_lora_rank=max_lora_rank)
    return args


@dataclass(frozen=True)
class AdapterRef:
    """A LoRA adapter as vLLM names one: a name, an int id unique per adapter, its folder."""

    name: str
    int_id: int
    path: str


class AdapterIds:
    """Stable int ids for adapter folders: vLLM keys its loaded adapters by id, so one
    folder must always get the same id and two folders never share one."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def ref(self, path: str) -> AdapterRef:
        if path not in self._ids:
            self._ids[path] = len(self._ids) + 1  # vLLM wants ids > 0
        digest = hashlib.sha1(path.encode()).hexdigest()[:8]
        return AdapterRef(f"adapter-{self._ids[path]}-{digest}", self._ids[path], path)
