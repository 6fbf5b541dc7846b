"""The role-play data set, LoRA training and merging: on a tiny Llama built here with
the embedded tokenizer (fast), and the shipped adapter merged into the embedded model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from npcbridge.dialogue.prompt import system_prompt
from npcbridge.dialogue.types import Character
from npcbridge.finetune.lora import LoraTraining, merge_adapter, tokenize, train_adapter
from npcbridge.finetune.roleplay_data import make_examples


def test_examples_are_reproducible_and_use_the_hosts_prompt():
    first, again = make_examples(50, seed=3), make_examples(50, seed=3)
    assert [(e.reply, e.messages[-1].content) for e in first] == [(e.reply, e.messages[-1].content) for e in again]
    kinds = {e.kind for e in make_examples(300, seed=1)}
    assert {"fact", "unknown", "provocation", "greeting"} <= kinds
    example = next(e for e in first if e.kind == "fact")
    system = example.messages[0].content
    assert system.startswith("You are ") and "Facts you know:" in system
    name = system.split(".")[0].removeprefix("You are ")
    assert system.splitlines()[-1] == system_prompt(Character(id="x", name=name)).splitlines()[-1]


def test_fact_replies_come_from_the_characters_knowledge():
    for example in make_examples(200, seed=5):
        if example.kind != "fact":
            continue
        facts = example.messages[0].content.split("Facts you know:\n")[1].split("\nReply as")[0]
        # Every reply shares a distinctive word with some knowledge line of its character.
        common = {"that", "with", "they", "your", "there", "near", "from", "here", "it'll", "that'll", "the", "and",
                  "not", "but", "for", "was", "are", "you", "all", "its", "come", "back", "then", "once"}
        words = {w.strip(".,").lower() for w in example.reply.split() if len(w.strip(".,")) >= 3} - common
        assert words & {w.strip(".,").lower() for w in facts.split()}, (example.reply, facts)


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory, embedded_dir: Path) -> str:
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(embedded_dir)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True)
    out = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return str(out)


def test_only_the_reply_carries_loss(tiny_llama):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    example = make_examples(1, seed=2)[0]
    ids, labels = tokenize(tokenizer, example)
    learned = [t for t, label in zip(ids, labels, strict=True) if label != -100]
    assert tokenizer.decode(learned) == example.reply + tokenizer.eos_token


def test_train_then_merge_changes_the_weights(tiny_llama, tmp_path):
    from transformers import AutoModelForCausalLM

    adapter = tmp_path / "adapter"
    result = train_adapter(tiny_llama, make_examples(16, seed=0), adapter,
                           LoraTraining(rank=4, alpha=8, steps=6, batch=4, warmup=1, lr=5e-3))
    assert (adapter / "adapter_model.safetensors").exists() and result["steps"] == 6
    merged = tmp_path / "merged"
    merge_adapter(tiny_llama, adapter, merged)
    base = AutoModelForCausalLM.from_pretrained(tiny_llama).state_dict()
    tuned = AutoModelForCausalLM.from_pretrained(merged).state_dict()
    name = "model.layers.0.self_attn.q_proj.weight"
    assert base.keys() == tuned.keys() and not torch.equal(base[name], tuned[name])
    assert torch.equal(base["model.embed_tokens.weight"], tuned["model.embed_tokens.weight"])


def test_the_embedded_model_is_served_with_its_adapter_merged(embedded_dir: Path):
    from safetensors import safe_open

    from npcbridge.config import default_cache_dir
    from npcbridge.models.loader import has_adapter, prepare

    assert has_adapter("smollm2-135m-instruct") and not has_adapter("org/other-model")
    tuned = Path(prepare("smollm2-135m-instruct", default_cache_dir()))
    assert tuned != embedded_dir and (tuned / "config.json").exists()
    name = "model.layers.0.self_attn.q_proj.weight"
    tensors = []
    for folder in (embedded_dir, tuned):
        with safe_open(str(folder / "model.safetensors"), "pt") as f:
            tensors.append(f.get_tensor(name))
    assert tensors[0].shape == tensors[1].shape and not torch.equal(tensors[0], tensors[1])
    # Prepared once: a second call finds the cached merge.
    assert Path(prepare("smollm2-135m-instruct", default_cache_dir())) == tuned
