"""The batched decoder on real models: batched greedy equals unbatched, equals
transformers' own forward; prefix reuse keeps replies; other architectures fall back."""

from __future__ import annotations

import pytest
import torch

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.engine_core import EngineCore
from npcbridge.engine.kv_cache import CacheShape, plan_slots
from npcbridge.engine.messages import AddRequest
from npcbridge.engine.runners import SequentialRunner, make_runner
from npcbridge.errors import ConfigError

QUESTIONS = ["What do you sell?", "Tell me a story about a dragon.", "Where is the nearest inn?",
             "Sing me a song of the sea, sailor, and make it a long one with many verses."]


def prompts(loaded) -> list[list[int]]:
    tok = loaded.tokenizer
    out = []
    for q in QUESTIONS:
        text = tok.apply_chat_template([{"role": "system", "content": "You are Greta, a dwarven blacksmith."},
                                        {"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
        out.append(tok(text, add_special_tokens=False)["input_ids"])
    return out


def engine(model, prefix_mb=0.0, step_tokens=256, slots=8, eos=()):
    runner, plan = make_runner(model, slots, 512, 1024, prefix_mb)
    return EngineCore(runner, set(eos), 16, step_tokens, plan.prefix_cache_tokens)


def drive(core: EngineCore, requests: list[tuple[str, list[int]]], max_tokens: int,
          join_after: dict[str, int] | None = None) -> dict[str, list[int]]:
    """Run to completion; ``join_after[rid] = n`` adds that request after n steps."""
    join_after = join_after or {}
    tokens: dict[str, list[int]] = {rid: [] for rid, _ in requests}
    pending = list(requests)
    step = 0
    while pending or core.has_work():
        for rid, prompt in list(pending):
            if join_after.get(rid, 0) <= step:
                core.add(AddRequest(rid, prompt, SamplingParams(max_tokens, 0.0, 1.0)))
                pending.remove((rid, prompt))
        for out in core.step():
            assert out.error is None, out.error
            tokens[out.request_id].extend(out.tokens)
        step += 1
    return tokens


def test_batched_greedy_equals_unbatched_on_the_real_model(loaded_model):
    ps = prompts(loaded_model)
    alone = {}
    for i, p in enumerate(ps):
        alone.update(drive(engine(loaded_model.model), [(f"r{i}", p)], 24))
    # Together, with chunked prefill (32 tokens a step) and two requests joining mid-decode.
    together = drive(engine(loaded_model.model, step_tokens=32), [(f"r{i}", p) for i, p in enumerate(ps)], 24,
                     join_after={"r2": 5, "r3": 9})
    assert together == alone


def test_decoder_matches_transformers_generate(loaded_model):
    prompt = prompts(loaded_model)[1]
    ours = drive(engine(loaded_model.model), [("a", prompt)], 20)["a"]
    with torch.inference_mode():
        ref = loaded_model.model.generate(torch.tensor([prompt]), max_new_tokens=20, do_sample=False,
                                          eos_token_id=None, pad_token_id=0)
    assert ours == ref[0, len(prompt):].tolist()


def test_prefix_reuse_on_the_real_model_keeps_the_reply(loaded_model):
    core = engine(loaded_model.model, prefix_mb=64)
    ps = prompts(loaded_model)
    first = drive(core, [("a", ps[0])], 16)["a"]
    again = drive(core, [("b", ps[0])], 16)["b"]
    other = drive(core, [("c", ps[2])], 16)["c"]
    assert again == first
    assert other == drive(engine(loaded_model.model), [("d", ps[2])], 16)["d"]
    assert core.prefix.stats.hit_tokens >= len(ps[0]) - 1 + 16  # the whole first prompt, then the system part


def _tiny(kind: str):
    from transformers import GPT2Config, GPT2LMHeadModel, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    if kind == "qwen2":  # q/k/v biases, 2 KV heads for 4 query heads
        return Qwen2ForCausalLM(Qwen2Config(vocab_size=300, hidden_size=64, intermediate_size=96,
                                            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                            max_position_embeddings=256)).eval()
    return GPT2LMHeadModel(GPT2Config(vocab_size=300, n_embd=32, n_layer=2, n_head=2, n_positions=256)).eval()


@pytest.mark.parametrize("kind", ["qwen2", "gpt2"])
def test_other_architectures_match_transformers(kind):
    model = _tiny(kind)
    runner, plan = make_runner(model, 4, 128, 64, 8)
    assert plan.batched == (kind == "qwen2")
    assert isinstance(runner, SequentialRunner) == (kind == "gpt2")
    core = EngineCore(runner, set(), 8, 8, plan.prefix_cache_tokens)
    requests = [("a", list(range(5, 30))), ("b", list(range(40, 47)))]
    ours = drive(core, requests, 12)
    with torch.inference_mode():
        for rid, prompt in requests:
            ref = model.generate(torch.tensor([prompt]), max_new_tokens=12, do_sample=False, eos_token_id=None,
                                 pad_token_id=0)
            assert ours[rid] == ref[0, len(prompt):].tolist()


def test_kv_budget_sizes_the_slots():
    shape = CacheShape(layers=30, kv_heads=3, head_dim=64, dtype=torch.float32)
    assert shape.bytes_per_token == 46080
    assert plan_slots(shape, 4096, 2048, 32) == 32
    assert plan_slots(shape, 1024, 2048, 32) == 11
    with pytest.raises(ConfigError, match="--kv-cache-mb"):
        plan_slots(shape, 10, 2048, 32)


def test_seeded_sampling_does_not_depend_on_the_neighbours(loaded_model):
    ps = prompts(loaded_model)

    def sample(with_neighbours: bool) -> list[int]:
        core = engine(loaded_model.model)
        core.add(AddRequest("seeded", ps[0], SamplingParams(12, 0.9, 0.95, seed=1234)))
        if with_neighbours:
            core.add(AddRequest("n1", ps[1], SamplingParams(12, 1.0, 1.0, seed=7)))
            core.add(AddRequest("n2", ps[2], SamplingParams(12, 0.0, 1.0)))
        tokens: list[int] = []
        while core.has_work():
            tokens += [t for o in core.step() if o.request_id == "seeded" for t in o.tokens]
        return tokens

    alone = sample(False)
    assert len(alone) > 0 and sample(True) == alone
