import torch

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.sampling import make_generator, sample_next


def test_greedy_is_argmax():
    logits = torch.tensor([0.1, 3.0, 2.9, -1.0])
    assert sample_next(logits, SamplingParams(8, 0.0, 1.0), make_generator(None)) == 1


def test_same_seed_same_tokens():
    logits = torch.randn(1000, generator=torch.Generator().manual_seed(1))
    params = SamplingParams(8, 1.0, 0.9, seed=42)
    runs = [[sample_next(logits, params, g) for _ in range(20)] for g in (make_generator(42), make_generator(42))]
    assert runs[0] == runs[1]
    other = [sample_next(logits, params, make_generator(43)) for _ in range(20)]
    assert other != runs[0]


def test_top_p_keeps_only_the_nucleus():
    logits = torch.log(torch.tensor([0.6, 0.3, 0.05, 0.05]))
    params = SamplingParams(8, 1.0, 0.8)
    gen = make_generator(0)
    seen = {sample_next(logits, params, gen) for _ in range(300)}
    assert seen == {0, 1}
    # A tiny top_p still keeps the single most likely token.
    assert {sample_next(logits, SamplingParams(8, 1.0, 0.01), gen) for _ in range(50)} == {0}
