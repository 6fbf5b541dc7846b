"""A KV cache preallocated as fixed slots, sized from a memory budget.

Each running request owns one slot: per layer, ``[slots, kv_heads, slot_len, head_dim]``
keys and values. Slots are allocated lowest-first, so the decode step can attend
over the view ``[:highest_slot + 1]`` without gathering rows. The tensors are made
with ``torch.empty``: on CPU the operating system only commits the pages a slot
has actually written, so a large budget costs address space, not resident memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from npcbridge.errors import ConfigError


@dataclass(frozen=True)
class CacheShape:
    """What one token of KV costs: layers x (K and V) x kv_heads x head_dim."""

    layers: int
    kv_heads: int
    head_dim: int
    dtype: torch.dtype

    @property
    def bytes_per_token(self) -> int:
        return self.layers * 2 * self.kv_heads * self.head_dim * torch.empty((), dtype=self.dtype).element_size()


def plan_slots(shape: CacheShape, budget_mb: float, slot_len: int, max_slots: int) -> int:
    """How many slots of ``slot_len`` tokens fit into ``budget_mb`` (at most ``max_slots``)."""
    per_slot = shape.bytes_per_token * slot_len
    fit = int(budget_mb * 1024 * 1024 // per_slot)
    if fit < 1:
        raise ConfigError(
            f"kv_cache_mb={budget_mb:g} holds no request: one slot of {slot_len} tokens needs "
            f"{per_slot / 2**20:.0f} MiB; raise --kv-cache-mb or lower --max-context-tokens")
    return min(fit, max_slots)


class SlotKVCache:
    """Per-layer key/value tensors for ``slots`` requests of up to ``slot_len`` tokens."""

    def __init__(self, shape: CacheShape, slots: int, slot_len: int, device: torch.device) -> None:
        self.shape = shape
        self.slots = slots
        self.slot_len = slot_len
        dims = (slots, shape.kv_heads, slot_len, shape.head_dim)
        self.keys = [torch.empty(dims, dtype=shape.dtype, device=device) for _ in range(shape.layers)]
        self.values = [torch.empty(dims, dtype=shape.dtype, device=device) for _ in range(shape.layers)]
        self._free = list(range(slots))
        # Positions of each slot that hold finite numbers. Masked-out keys get zero
        # attention weight, but 0 * NaN from never-written memory would still be NaN.
        self._clean = [0] * slots

    @property
    def free_slots(self) -> int:
        return len(self._free)

    def allocate(self) -> int:
        """The lowest free slot (keeps the active rows packed at the front)."""
        self._free.sort()
        return self._free.pop(0)

    def release(self, slot: int) -> None:
        self._free.append(slot)

    def mark_written(self, slot: int, end: int) -> None:
        """Positions below ``end`` are (or are about to be) written with real K/V."""
        self._clean[slot] = max(self._clean[slot], end)

    def ensure_clean(self, slot: int, length: int) -> None:
        """Make positions below ``length`` of ``slot`` finite (zeros where never written)."""
        start = self._clean[slot]
        if length <= start:
            return
        for layer in (*self.keys, *self.values):
            layer[slot, :, start:length] = 0
        self._clean[slot] = length

    def read(self, slot: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Copies of the first ``length`` positions: ``[layers, kv_heads, length, head_dim]``."""
        k = torch.stack([layer[slot, :, :length] for layer in self.keys])
        v = torch.stack([layer[slot, :, :length] for layer in self.values])
        return k, v

    def write(self, slot: int, keys: torch.Tensor, values: torch.Tensor, length: int) -> None:
        """Put the first ``length`` positions of stored K/V (from :meth:`read`) into ``slot``."""
        for i in range(self.shape.layers):
            self.keys[i][slot, :, :length] = keys[i, :, :length]
            self.values[i][slot, :, :length] = values[i, :, :length]
        self.mark_written(slot, length)
