"""Next-token choice: greedy, temperature and nucleus (top-p) sampling."""

from __future__ import annotations

import torch

from npcbridge.dialogue.types import SamplingParams


def make_generator(seed: int | None) -> torch.Generator:
    """A per-request CPU generator, so a seeded reply does not depend on its neighbours."""
    gen = torch.Generator(device="cpu")
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed % (2**63))
    return gen


def sample_next(logits: torch.Tensor, params: SamplingParams, generator: torch.Generator) -> int:
    """Pick the next token id from one row of logits."""
    if params.temperature <= 0:
        return int(torch.argmax(logits).item())
    # Float32 on CPU: bf16 probabilities would make seeded replies device-dependent.
    scaled = logits.float().cpu() / params.temperature
    probs = torch.softmax(scaled, dim=-1)
    if params.top_p < 1.0:
        sorted_probs, sorted_idx = torch.sort(probs, descending=True)
        cumulative = torch.cumsum(sorted_probs, dim=-1)
        # Keep the smallest prefix whose mass reaches top_p (always at least one token).
        keep = cumulative - sorted_probs < params.top_p
        sorted_probs = sorted_probs * keep
        choice = torch.multinomial(sorted_probs / sorted_probs.sum(), 1, generator=generator)
        return int(sorted_idx[choice].item())
    return int(torch.multinomial(probs, 1, generator=generator).item())
