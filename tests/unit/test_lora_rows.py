"""Per-row LoRA in the batched decoder: each row's logits equal peft's model with that
row's adapter, a row's reply does not depend on its neighbours' adapters, adapters load
on first use and leave least recently used first within the budget, and a broken adapter
fails its request clearly while the engine keeps serving."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from npcbridge.dialogue.types import SamplingParams
from npcbridge.engine.decoder import RowInput
from npcbridge.engine.engine_core import EngineCore
from npcbridge.engine.lora_bank import AdapterError, LoraBank, load_adapter
from npcbridge.engine.messages import AddRequest
from npcbridge.engine.runners import make_runner

ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def tiny_llama(seed: int = 0, hidden: int = 64) -> torch.nn.Module:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=128, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256)
    return LlamaForCausalLM(config).eval()


def save_adapter(folder: Path, seed: int, rank: int, targets: list[str], rslora: bool = False,
                 hidden: int = 64) -> Path:
    """A peft LoRA with random A and B (peft's init leaves B zero: no effect to test)."""
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_llama(hidden=hidden), LoraConfig(
        r=rank, lora_alpha=2 * rank, target_modules=targets, use_rslora=rslora, init_lora_weights=False))
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_" in name:
                param.normal_(0, 0.2)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def adapters(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    return {"pirate": save_adapter(root / "pirate", 1, 4, ALL),
            "monk": save_adapter(root / "monk", 2, 8, ["q_proj", "v_proj"], rslora=True)}


def peft_logits(adapter: Path | None, prompt: list[int]) -> torch.Tensor:
    from peft import PeftModel

    model = tiny_llama()
    if adapter is not None:
        model = PeftModel.from_pretrained(model, str(adapter)).eval()
    with torch.inference_mode():
        return model(torch.tensor([prompt])).logits[0, -1].float()


PROMPTS = [[1, 5, 9, 22, 7], [3, 4, 5, 6, 7, 8, 9, 10, 11], [40, 41, 2], [99, 98, 97, 96, 95, 94]]


def test_each_rows_logits_equal_peft_with_its_adapter(adapters) -> None:
    model = tiny_llama()
    runner, _ = make_runner(model, 8, 64, 64, 0)
    bank = LoraBank(model, 64)
    chosen = [None, "pirate", "monk", "pirate"]
    rows = [RowInput(slot, p, 0, True, bank.acquire(str(adapters[a])) if a else None)
            for slot, (p, a) in enumerate(zip(PROMPTS, chosen, strict=True))]
    logits = runner.forward(rows)
    for i, (prompt, name) in enumerate(zip(PROMPTS, chosen, strict=True)):
        expected = peft_logits(adapters[name] if name else None, prompt)
        torch.testing.assert_close(logits[i], expected, atol=2e-4, rtol=1e-4)
    assert not torch.allclose(logits[1], peft_logits(None, PROMPTS[1]), atol=1e-2)  # the adapter matters


def drive(core: EngineCore, requests: list[tuple[str, list[int], str]], max_tokens: int = 12) -> dict[str, list[int]]:
    tokens: dict[str, list[int]] = {rid: [] for rid, _, _ in requests}
    for rid, prompt, adapter in requests:
        core.add(AddRequest(rid, prompt, SamplingParams(max_tokens, 0.0, 1.0), adapter=adapter))
    while core.has_work():
        for out in core.step():
            assert out.error is None, out.error
            tokens[out.request_id].extend(out.tokens)
    return tokens


def core_for(model: torch.nn.Module, budget_mb: float = 64, prefix_mb: float = 0) -> EngineCore:
    runner, plan = make_runner(model, 8, 64, 64, prefix_mb)
    return EngineCore(runner, set(), 16, 256, plan.prefix_cache_tokens, adapters=LoraBank(model, budget_mb))


def test_a_rows_reply_does_not_depend_on_its_neighbours_adapters(adapters) -> None:
    model = tiny_llama()
    pirate, monk = str(adapters["pirate"]), str(adapters["monk"])
    alone = drive(core_for(model), [("a", PROMPTS[0], pirate)])["a"]
    base = drive(core_for(model), [("b", PROMPTS[0], "")])["b"]
    mixed = drive(core_for(model), [("n1", PROMPTS[1], monk), ("a", PROMPTS[0], pirate),
                                    ("n2", PROMPTS[2], ""), ("b", PROMPTS[0], ""), ("n3", PROMPTS[3], pirate)])
    assert mixed["a"] == alone and mixed["b"] == base and alone != base


def test_prefix_cache_never_shares_kv_across_adapters(adapters) -> None:
    model = tiny_llama()
    prompt = list(range(1, 40))
    pirate = str(adapters["pirate"])
    plain = drive(core_for(model), [("p", prompt, "")])["p"]
    core = core_for(model, prefix_mb=8)
    first = drive(core, [("x", prompt, pirate)])["x"]
    assert drive(core, [("p", prompt, "")])["p"] == plain  # the adapter's K/V were not reused
    assert drive(core, [("y", prompt, pirate)])["y"] == first
    assert core.prefix.stats.hit_tokens > 0  # ... but its own were


def test_bank_loads_on_first_use_and_evicts_the_least_recently_used_within_budget(adapters) -> None:
    model = tiny_llama()
    pirate, monk = str(adapters["pirate"]), str(adapters["monk"])
    sizes = [load_adapter(path, model).nbytes for path in (pirate, monk)]
    bank = LoraBank(model, budget_mb=(max(sizes) + min(sizes) / 2) / 2**20)  # room for either, not both
    a = bank.acquire(pirate)
    b = bank.acquire(monk)  # the pirate is in use: both stay, over budget for now
    assert set(bank.loaded()) == {pirate, monk} and bank.loads == 2
    bank.release(a)  # now the pirate can go
    assert bank.loaded() == [monk]
    bank.release(b)
    bank.release(bank.acquire(monk))
    assert bank.loads == 2  # cached: no second load
    assert bank.acquire(pirate) is not None and bank.loaded() == [pirate] and bank.loads == 3


def test_broken_adapters_fail_their_request_clearly_and_the_engine_keeps_serving(adapters, tmp_path) -> None:
    model = tiny_llama()
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4, "lora_alpha": 8}))
    (garbage / "adapter_model.safetensors").write_bytes(b"\x00\x01 not safetensors")
    other = save_adapter(tmp_path / "other", 3, 4, ALL, hidden=32)  # trained on another model's shape
    empty = tmp_path / "empty"
    empty.mkdir()
    core = core_for(model)
    for rid, folder, why in [("g", garbage, "unreadable"), ("o", other, "trained on another model"),
                             ("e", empty, "no adapter_config.json")]:
        core.add(AddRequest(rid, PROMPTS[0], SamplingParams(4, 0.0, 1.0), adapter=str(folder)))
        (out,) = core.take_outputs()
        assert out.error_kind == "failed_precondition" and why in out.error and folder.name in out.error
    assert drive(core, [("fine", PROMPTS[0], str(adapters["pirate"]))])["fine"]
    with pytest.raises(AdapterError, match="DoRA"):
        (tmp_path / "dora").mkdir()
        (tmp_path / "dora" / "adapter_config.json").write_text(json.dumps({"r": 4, "use_dora": True}))
        load_adapter(tmp_path / "dora", model)
