"""The reply-only sampling rules of :class:`~npcbridge.dialogue.types.SamplingParams`
as one per-request logits function, for engines that sample on their own (vLLM).

Our engine core applies these rules inside its batched step; vLLM has no
equivalent (its repetition penalty also hits the prompt, so a character would
avoid repeating its own knowledge), so the vLLM backend runs this function as a
per-request logits processor: it sees the reply's token ids so far and one row
of logits.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.sampling import repeated_ngram_bans


@dataclass(frozen=True)
class ReplyRules:
    """What a request asks beyond plain sampling; all off by default.

    ``sentence_stop_after``: from that many reply tokens on, once the reply's last
    token ended a sentence, only ``eos_id`` may follow (the reply ends there).
    """

    repetition_penalty: float = 1.0
    no_repeat_ngram: int = 0
    sentence_stop_after: int = 0

    @classmethod
    def of(cls, params: SamplingParams) -> ReplyRules:
        return cls(params.repetition_penalty, params.no_repeat_ngram, params.sentence_stop_after)

    def as_args(self) -> dict[str, float | int]:
        """The rules as a request's JSON-able ``extra_args`` entry (empty when all are off)."""
        if self == ReplyRules():
            return {}
        return {"repetition_penalty": self.repetition_penalty, "no_repeat_ngram": self.no_repeat_ngram,
                "sentence_stop_after": self.sentence_stop_after}

    @classmethod
    def from_args(cls, args: dict | None) -> ReplyRules | None:
        """Inverse of :meth:`as_args`; None when the request asks for none of them."""
        if not args:
            return None
        return cls(float(args.get("repetition_penalty", 1.0)), int(args.get("no_repeat_ngram", 0)),
                   int(args.get("sentence_stop_after", 0)))

    def apply(self, reply: list[int], logits: torch.Tensor, eos_id: int, sentence_ends: frozenset[int]) -> torch.Tensor:
        """One row of logits adjusted for the reply so far (a new tensor if anything changed)."""
        if not reply:
            return logits
        out = logits
        if self.sentence_stop_after and len(reply) >= self.sentence_stop_after and reply[-1] in sentence_ends:
            out = torch.full_like(logits, float("-inf"))
            out[eos_id] = 0.0
            return out
        if self.repetition_penalty != 1.0:
            out = out.clone()
            ids = torch.tensor(sorted(set(reply)), device=logits.device)
            picked = out[ids]
            out[ids] = torch.where(picked > 0, picked / self.repetition_penalty, picked * self.repetition_penalty)
        banned = repeated_ngram_bans(reply, self.no_repeat_ngram)
        if banned:
            out = out.clone() if out is logits else out
            out[torch.tensor(sorted(banned), device=logits.device)] = float("-inf")
        return out
