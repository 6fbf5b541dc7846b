"""A fake model runner for fast engine-core tests.

Its "KV cache" is the real :class:`SlotKVCache` holding the token ids themselves,
and its next token is a function of every token in the slot, so a wrong prefix
copy or a mixed-up slot changes the output. Twin tests run the real decoder.
"""

from __future__ import annotations

import torch

from npcbridge.engine.decoder import RowInput
from npcbridge.engine.kv_cache import CacheShape, SlotKVCache

VOCAB = 97


def next_token(sequence: list[int]) -> int:
    """What the fake model answers after ``sequence`` (a rolling hash of it)."""
    h = 0
    for t in sequence:
        h = (h * 31 + t) % VOCAB
    return h


class FakeRunner:
    """Implements the runner protocol: ``cache`` and ``forward(rows)``."""

    def __init__(self, slots: int = 4, slot_len: int = 256) -> None:
        self.cache = SlotKVCache(CacheShape(1, 1, 1, torch.float64), slots, slot_len, torch.device("cpu"))
        self.steps: list[list[RowInput]] = []

    def forward(self, rows: list[RowInput]) -> torch.Tensor:
        self.steps.append(rows)
        keys = self.cache.keys[0]
        logits = []
        for row in rows:
            for i, t in enumerate(row.tokens):
                keys[row.slot, 0, row.start + i, 0] = float(t)
                self.cache.values[0][row.slot, 0, row.start + i, 0] = float(t)
            if row.want_logits:
                end = row.start + len(row.tokens)
                seen = [int(x) for x in keys[row.slot, 0, :end, 0].tolist()]
                out = torch.zeros(VOCAB)
                out[next_token(seen)] = 1.0
                logits.append(out)
        return torch.stack(logits) if logits else torch.empty(0, 0)


def expected_reply(prompt: list[int], n: int, eos: int | None = None) -> list[int]:
    """The fake model's greedy reply computed directly."""
    seq, out = list(prompt), []
    for _ in range(n):
        t = next_token(seq)
        if t == eos:
            break
        out.append(t)
        seq.append(t)
    return out


def run_until_idle(core, max_steps: int = 500) -> dict[str, list]:
    """Step ``core`` until idle; per request: its tokens and its final output."""
    seen: dict[str, list] = {}
    for _ in range(max_steps):
        for out in core.step():
            entry = seen.setdefault(out.request_id, [[], None])
            entry[0].extend(out.tokens)
            if out.finish_reason:
                entry[1] = out
        if not core.has_work():
            break
    return seen
