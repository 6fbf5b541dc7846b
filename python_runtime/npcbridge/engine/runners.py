"""Model runners for the engine core: the batched decoder, or a per-request fallback.

Llama-family models (SmolLM2, Llama, Mistral, Qwen2/3) run through
:class:`~npcbridge.engine.decoder.BatchedDecoder`: one forward per step for all
requests, slot KV cache, prefix reuse. Any other causal LM still works through
:class:`SequentialRunner`, which calls the model's own forward once per request
with a transformers cache per slot: correct, scheduled the same way, not batched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch

from npcbridge.engine.decoder import BatchedDecoder, RowInput, supports
from npcbridge.engine.kv_cache import CacheShape, SlotKVCache, plan_slots

log = logging.getLogger(__name__)


@dataclass
class RunnerPlan:
    """Sizes the core was built with (reported in ServerInfo and the bench)."""

    slots: int
    slot_len: int
    prefix_cache_tokens: int
    batched: bool


class SequentialRunner:
    """One model call per row with a ``DynamicCache`` per slot (no shared batch, no prefix copy)."""

    def __init__(self, model: Any, slots: int, slot_len: int) -> None:
        self.model = model
        self.device = next(model.parameters()).device
        # A cache with no layers: slot bookkeeping only; prefix reuse is off for this runner.
        self.cache = SlotKVCache(CacheShape(0, 1, 1, torch.float32), slots, slot_len, self.device)
        self._caches: dict[int, Any] = {}

    @torch.inference_mode()
    def forward(self, rows: list[RowInput]) -> torch.Tensor:
        from transformers import DynamicCache

        logits = []
        for row in rows:
            if row.start == 0 or row.slot not in self._caches:
                self._caches[row.slot] = DynamicCache()
            ids = torch.tensor([row.tokens], dtype=torch.long, device=self.device)
            out = self.model(input_ids=ids, past_key_values=self._caches[row.slot], use_cache=True)
            self._caches[row.slot] = out.past_key_values
            if row.want_logits:
                logits.append(out.logits[0, -1].float())
        return torch.stack(logits) if logits else torch.empty(0, 0)


def make_runner(model: Any, max_slots: int, slot_len: int, kv_cache_mb: float,
                prefix_cache_mb: float) -> tuple[BatchedDecoder | SequentialRunner, RunnerPlan]:
    """The fastest runner ``model`` supports, sized to the memory budgets."""
    why_not = supports(model)
    if why_not is not None:
        log.warning("dialogue model runs unbatched: %s", why_not)
        return SequentialRunner(model, max_slots, slot_len), RunnerPlan(max_slots, slot_len, 0, False)
    shape = BatchedDecoder.cache_shape(model)
    slots = plan_slots(shape, kv_cache_mb, slot_len, max_slots)
    if slots < max_slots:
        log.warning("KV budget %g MiB holds %d of %d slots of %d tokens", kv_cache_mb, slots, max_slots, slot_len)
    cache = SlotKVCache(shape, slots, slot_len, next(model.parameters()).device)
    prefix_tokens = int(prefix_cache_mb * 2**20 // shape.bytes_per_token)
    return BatchedDecoder(model, cache), RunnerPlan(slots, slot_len, prefix_tokens, True)
