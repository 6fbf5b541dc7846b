"""`npcbridge finetune dialogue` on tiny data: the chat JSONL format and its errors, the
held-out split, training end to end into a peft folder our engine serves, seeded
reproducibility, and Ctrl+C keeping the best checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from npcbridge.engine.lora_bank import load_adapter
from npcbridge.errors import InvalidArgument
from npcbridge.finetune.character import finetune_character
from npcbridge.finetune.chat_data import load_chat_jsonl, split
from npcbridge.finetune.lora import LoraTraining
from tests.unit.test_finetune import tiny_llama  # noqa: F401  (fixture)

SAMPLE = Path(__file__).parents[2] / "python_runtime/npcbridge/finetune/data/quartermaster/lines.jsonl"


def write(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def chat(q: str, a: str, system: str = "") -> dict:
    head = [{"role": "system", "content": system}] if system else []
    return {"messages": head + [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


def test_the_sample_character_has_enough_lines_in_the_chat_format() -> None:
    conversations = load_chat_jsonl(SAMPLE)
    replies = [e.reply for c in conversations for e in c]
    assert len(replies) >= 300 and len(set(replies)) == len(replies)
    assert sum("ledger" in r for r in replies) > 40  # a distinctive voice


def test_chat_lines_become_examples_and_bad_lines_name_their_line(tmp_path: Path) -> None:
    two_turns = {"messages": [{"role": "system", "content": "You are Magda."},
                              {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy, sprat."},
                              {"role": "user", "content": "Rum?"}, {"role": "assistant", "content": "At sundown."}]}
    conversations = load_chat_jsonl(write(tmp_path / "ok.jsonl", [two_turns, {"text": "Count twice."}, ""]))
    first, second = conversations[0]
    assert [m.role for m in second.messages] == ["system", "user", "assistant", "user"]
    assert second.reply == "At sundown." and first.messages[-1].content == "Hi"
    assert conversations[1][0].reply == "Count twice." and conversations[1][0].messages[0].role == "user"
    bad = {"not json": "{oops", "shape": json.dumps({"lines": []}), "role": json.dumps({"messages": [{"role": "x"}]}),
           "late system": json.dumps({"messages": [{"role": "user", "content": "a"},
                                                   {"role": "system", "content": "b"}]}),
           "no reply": json.dumps({"messages": [{"role": "user", "content": "a"}]})}
    for why, line in bad.items():
        with pytest.raises(InvalidArgument, match=r"bad\.jsonl:2"):
            load_chat_jsonl(write(tmp_path / "bad.jsonl", [chat("a", "b"), line]))


def test_split_keeps_each_conversation_on_one_side_and_is_seeded() -> None:
    conversations = load_chat_jsonl(SAMPLE)
    train, held = split(conversations, 0.1, seed=0)
    assert len(held) >= 20 and not {e.reply for e in train} & {e.reply for e in held}
    assert [e.reply for e in split(conversations, 0.1, seed=0)[1]] == [e.reply for e in held]


def tiny_data(tmp_path: Path) -> Path:
    rows = [chat(f"What do you sell, friend {i}?", f"Barrels and biscuits, sprat number {i}. It's in the ledger.")
            for i in range(10)] + [{"text": f"Count it twice, sprat {i}."} for i in range(4)]
    return write(tmp_path / "lines.jsonl", rows)


def test_finetune_end_to_end_makes_an_adapter_our_engine_serves(tiny_llama, tmp_path: Path) -> None:  # noqa: F811
    from transformers import AutoModelForCausalLM

    out = tmp_path / "adapters" / "magda"
    report = finetune_character("magda", tiny_data(tmp_path), tiny_llama, out,
                                LoraTraining(rank=4, alpha=8, steps=6, batch=4, warmup=2, lr=3e-3),
                                holdout=0.2, eval_every=3, base_name="tiny", style=False)
    assert (out / "adapter_config.json").exists() and (out / "adapter_model.safetensors").exists()
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == "tiny"
    saved = json.loads((out / "finetune.json").read_text())
    assert saved["heldout_examples"] == report.heldout_examples >= 2 and saved["train_examples"] >= 8
    assert report.adapter_loss < report.base_loss  # even a few steps learn this voice
    assert [s for s, _ in report.training["history"]] == [3, 6] and report.samples
    adapter = load_adapter(out, AutoModelForCausalLM.from_pretrained(tiny_llama))
    assert adapter.rank == 4 and len(adapter.layers) == 2


def test_seeded_training_is_reproducible_and_ctrl_c_keeps_the_best(tiny_llama, tmp_path: Path) -> None:  # noqa: F811
    data = tiny_data(tmp_path)
    cfg = LoraTraining(rank=4, alpha=8, steps=4, batch=4, warmup=2, lr=3e-3, seed=5)
    for run in ("a", "b"):
        finetune_character("m", data, tiny_llama, tmp_path / run, cfg, holdout=0.2, eval_every=2, style=False)
    a, b = (load_file(tmp_path / r / "adapter_model.safetensors") for r in ("a", "b"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    def interrupt(step: int, loss: float) -> None:
        if step == 3:
            raise KeyboardInterrupt

    report = finetune_character("m", data, tiny_llama, tmp_path / "c", LoraTraining(
        rank=4, alpha=8, steps=8, batch=4, warmup=2, lr=3e-3, seed=5), holdout=0.2, eval_every=2,
        style=False, progress=interrupt)
    assert report.training["interrupted"] and report.training["best_step"] == 2
    assert (tmp_path / "c" / "adapter_model.safetensors").exists()


def test_a_few_steps_on_the_sample_character(tiny_llama, tmp_path: Path) -> None:  # noqa: F811
    report = finetune_character("quartermaster", SAMPLE, tiny_llama, tmp_path / "qm",
                                LoraTraining(rank=4, alpha=8, steps=2, batch=4, warmup=1), eval_every=0, style=False)
    assert report.train_examples >= 250 and report.heldout_examples >= 20
    assert report.training["steps"] == 2 and (tmp_path / "qm" / "adapter_model.safetensors").exists()
