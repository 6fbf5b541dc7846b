"""Next-token choice: greedy, temperature, nucleus (top-p) and min-p sampling, the
and the repetition penalty (which tokens end a sentence: :mod:`npcbridge.engine.sentence_ends`)."""

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
    if params.min_p > 0.0:
        probs = torch.where(probs >= params.min_p * probs.max(), probs, torch.zeros_like(probs))
    if params.top_p < 1.0:
        sorted_probs, sorted_idx = torch.sort(probs, descending=True)
        cumulative = torch.cumsum(sorted_probs, dim=-1)
        # Keep the smallest prefix whose mass reaches top_p (always at least one token).
        keep = cumulative - sorted_probs < params.top_p
        sorted_probs = sorted_probs * keep
        choice = torch.multinomial(sorted_probs / sorted_probs.sum(), 1, generator=generator)
        return int(sorted_idx[choice].item())
    return int(torch.multinomial(probs, 1, generator=generator).item())


def repeated_ngram_bans(generated: list[int], n: int) -> set[int]:
    """Tokens that would complete an ``n``-gram the reply already contains."""
    if n <= 0 or len(generated) < n:
        return set()
    tail = tuple(generated[len(generated) - n + 1:])
    return {generated[i + n - 1] for i in range(len(generated) - n + 1)
            if tuple(generated[i:i + n - 1]) == tail}


def penalise_repeats(logits: torch.Tensor, rows: list[tuple[SamplingParams, list[int]]]) -> None:
    """Apply each row's repetition penalty and n-gram bans, in place, from its reply so far."""
    for row, (params, generated) in enumerate(rows):
        if not generated:
            continue
        if params.repetition_penalty != 1.0:
            ids = torch.tensor(sorted(set(generated)), device=logits.device)
            picked = logits[row, ids]
            logits[row, ids] = torch.where(picked > 0, picked / params.repetition_penalty,
                                           picked * params.repetition_penalty)
        banned = repeated_ngram_bans(generated, params.no_repeat_ngram)
        if banned:
            logits[row, torch.tensor(sorted(banned), device=logits.device)] = float("-inf")
