"""The CUDA paths: the batched engine and the avatar generator on a GPU.

Skipped where no CUDA device is present (CI has none). A GPU box runs them with
``python -m pytest tests/gpu``; they need no model download: the engine runs on a
random model of SmolLM2-135M's shape (token ids in, token ids out), the avatar
generator on its committed checkpoint.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from npcbridge.engine.engine_core import EngineCore
from npcbridge.engine.runners import BatchedDecoder, make_runner
from tests.unit.test_batched_decoder import drive

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

CUDA = torch.device("cuda:0")


@pytest.fixture(scope="module")
def smollm2_shape() -> torch.nn.Module:
    """SmolLM2-135M's exact shape, random weights with a peaked output layer (few near-ties)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from npcbridge.bench.shapes import SHAPES

    spec = {k: v for k, v in SHAPES["smollm2-135m"].items() if k != "model_type"}
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(**spec)).eval()
    with torch.no_grad():
        model.lm_head.weight.mul_(10.0)
    return model


def prompts(n: int, vocab: int = 49152) -> list[list[int]]:
    rng = np.random.default_rng(3)
    return [rng.integers(10, vocab, size=int(rng.integers(8, 90))).tolist() for _ in range(n)]


def core_for(model: torch.nn.Module, slots: int = 8, step_tokens: int = 256, prefix_mb: float = 0.0) -> EngineCore:
    runner, plan = make_runner(model, slots, 256, 1024, prefix_mb)
    assert isinstance(runner, BatchedDecoder), "the batched path must run on CUDA"
    return EngineCore(runner, set(), 16, step_tokens, plan.prefix_cache_tokens)


def agreement(a: dict[str, list[int]], b: dict[str, list[int]]) -> float:
    """Fraction of greedy tokens equal up to each reply's first difference."""
    same = total = 0
    for rid, tokens in a.items():
        other = b[rid]
        total += len(tokens)
        for x, y in zip(tokens, other):
            if x != y:
                break
            same += 1
    return same / max(total, 1)


def test_fp32_decoder_matches_transformers_generate_on_cuda(smollm2_shape):
    model = smollm2_shape.to(CUDA, torch.float32)
    prompt = prompts(1)[0]
    ours = drive(core_for(model), [("a", prompt)], 24)["a"]
    with torch.inference_mode():
        ref = model.generate(torch.tensor([prompt], device=CUDA), max_new_tokens=24, do_sample=False,
                             eos_token_id=None, pad_token_id=0)
    assert ours == ref[0, len(prompt):].tolist()


def test_fp32_batched_greedy_equals_unbatched_on_cuda(smollm2_shape):
    """Batch invariance on the GPU in fp32: neighbours, chunked prefill and late joins change nothing."""
    model = smollm2_shape.to(CUDA, torch.float32)
    ps = prompts(6)
    alone: dict[str, list[int]] = {}
    for i, p in enumerate(ps):
        alone.update(drive(core_for(model), [(f"r{i}", p)], 24))
    together = drive(core_for(model, step_tokens=32), [(f"r{i}", p) for i, p in enumerate(ps)], 24,
                     join_after={"r4": 5, "r5": 9})
    assert agreement(together, alone) >= 0.98, agreement(together, alone)


def test_bf16_runs_batched_and_mostly_agrees_with_fp32(smollm2_shape):
    """bf16 is the CUDA default: it must run the batched path; its greedy tokens follow fp32's closely."""
    ps = prompts(8)
    requests = [(f"r{i}", p) for i, p in enumerate(ps)]
    fp32 = drive(core_for(smollm2_shape.to(CUDA, torch.float32)), requests, 24)
    bf16 = drive(core_for(smollm2_shape.to(CUDA, torch.bfloat16)), requests, 24)
    assert all(len(t) == 24 for t in bf16.values())
    assert agreement(bf16, fp32) >= 0.5, agreement(bf16, fp32)


def test_prefix_cache_reuse_on_cuda_keeps_the_reply(smollm2_shape):
    model = smollm2_shape.to(CUDA, torch.float32)
    core = core_for(model, prefix_mb=64)
    p = prompts(1)[0]
    first = drive(core, [("a", p)], 16)["a"]
    assert drive(core, [("b", p)], 16)["b"] == first
    assert core.prefix.stats.hit_tokens >= len(p) - 1


def test_avatar_generator_on_cuda_matches_cpu():
    from PIL import Image

    from npcbridge.avatar.attributes import complete_attributes
    from npcbridge.avatar.models import AvatarJob, BuiltinAvatarModel

    jobs = [AvatarJob(s, tuple(sorted(complete_attributes({}, s).items())), 0.8) for s in range(6)]
    cpu = BuiltinAvatarModel.load(None, torch.device("cpu"), torch.float32, pass_size=8).generate(jobs)
    gpu = BuiltinAvatarModel.load(None, CUDA, torch.float32, pass_size=8).generate(jobs)
    for a, b in zip(cpu, gpu):
        pa = np.asarray(Image.open(io.BytesIO(a.png)), dtype=np.int16)
        pb = np.asarray(Image.open(io.BytesIO(b.png)), dtype=np.int16)
        assert pa.shape == pb.shape
        assert np.abs(pa - pb).mean() < 1.0 and np.abs(pa - pb).max() <= 16
        assert a.latent == pytest.approx(b.latent, abs=1e-3)
