"""A character's own LoRA adapter: ``npcbridge finetune dialogue NAME --data lines.jsonl``.

Trains on the dialogue model the host serves (the embedded model with its role-play
tuning merged, or ``--model``), holds out a share of the conversations, keeps the
checkpoint with the lowest held-out loss, and reports base vs adapter: held-out
loss and perplexity, a style check (the share of replies to held-out prompts that a
small classifier, trained on the character's training lines against other NPCs'
lines, attributes to the character) and a few sample replies. The adapter is saved
in peft's format to ``<adapters dir>/NAME``, where ``serve`` finds it by name.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from npcbridge.finetune.chat_data import load_chat_jsonl, split
from npcbridge.finetune.lora import LoraTraining, _batches, tokenize, train_adapter
from npcbridge.finetune.roleplay_data import Example, make_examples

SAMPLES = 3  # sample replies shown, base vs adapter
STYLE_PROMPTS = 24  # held-out prompts the style check replies to


@dataclass
class FinetuneReport:
    """What ``finetune dialogue`` measured; written beside the adapter as ``finetune.json``."""

    name: str
    train_examples: int
    heldout_examples: int
    training: dict[str, Any]
    base_loss: float
    adapter_loss: float
    style_base: float = 0.0  # share of base replies the style classifier attributes to the character
    style_adapter: float = 0.0
    samples: list[dict[str, str]] = field(default_factory=list)

    @property
    def base_perplexity(self) -> float:
        return math.exp(self.base_loss)

    @property
    def adapter_perplexity(self) -> float:
        return math.exp(self.adapter_loss)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "base_perplexity": self.base_perplexity,
                "adapter_perplexity": self.adapter_perplexity}


def heldout_loss(model: Any, rows: list[tuple[list[int], list[int]]], pad: int, batch: int = 8) -> float:
    """Mean loss per reply token over ``rows`` (prompt tokens carry none)."""
    total, count = 0.0, 0
    with torch.no_grad():
        for ids, labels, mask in _batches(rows, batch, random.Random(0), pad):
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
            target = labels[:, 1:]
            total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                           ignore_index=-100, reduction="sum"))
            count += int((target != -100).sum())
    return total / max(count, 1)


def _reply(model: Any, tokenizer: Any, example: Example, max_new_tokens: int) -> str:
    prompt = tokenizer.apply_chat_template([asdict(m) for m in example.messages], tokenize=False,
                                           add_generation_prompt=True)
    ids = torch.tensor([tokenizer(prompt, add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                             do_sample=False, pad_token_id=tokenizer.eos_token_id)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()


def style_classifier(character_lines: list[str], seed: int) -> Callable[[list[str]], float]:
    """A TF-IDF + logistic-regression classifier of the character's lines against other NPCs'
    (the role-play set's replies); returns the share of given texts it attributes to the character."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    others = [e.reply for e in make_examples(max(400, 2 * len(character_lines)), seed=seed)]
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
                          LogisticRegression(max_iter=1000, class_weight="balanced"))
    model.fit(character_lines + others, [1] * len(character_lines) + [0] * len(others))
    return lambda texts: float(model.predict(texts).mean()) if texts else 0.0


def finetune_character(name: str, data: Path, model_dir: str, out_dir: Path, cfg: LoraTraining,
                       holdout: float = 0.1, eval_every: int = 50, base_name: str = "",
                       progress: Callable[[int, float], None] | None = None, style: bool = True,
                       sample_tokens: int = 40) -> FinetuneReport:
    """Train ``name``'s adapter on ``data`` (see :mod:`npcbridge.finetune.chat_data`) into ``out_dir``."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    train, held = split(load_chat_jsonl(data), holdout, cfg.seed)
    if not train:
        raise ValueError(f"{data}: too little data to train on after holding out {holdout:.0%}")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    held_rows = [tokenize(tokenizer, e) for e in held]
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    base_loss = heldout_loss(base, held_rows, pad) if held_rows else float("nan")
    prompts = held[:STYLE_PROMPTS] if style else held[:SAMPLES]
    base_replies = [_reply(base, tokenizer, e, sample_tokens) for e in prompts]
    del base

    evaluate = (lambda model: heldout_loss(model, held_rows, pad)) if held_rows else None
    training = train_adapter(model_dir, train, out_dir, cfg, progress, base_name=base_name or model_dir,
                             evaluate=evaluate, eval_every=eval_every)
    tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32),
                                      str(out_dir)).eval()
    adapter_loss = heldout_loss(tuned, held_rows, pad) if held_rows else float("nan")
    adapter_replies = [_reply(tuned, tokenizer, e, sample_tokens) for e in prompts]
    report = FinetuneReport(name, len(train), len(held), {k: v for k, v in training.items()}, base_loss, adapter_loss)
    if style and prompts:
        share = style_classifier([e.reply for e in train], cfg.seed)
        report.style_base, report.style_adapter = share(base_replies), share(adapter_replies)
    report.samples = [{"player": e.messages[-1].content, "base": b, "adapter": a}
                      for e, b, a in list(zip(prompts, base_replies, adapter_replies, strict=True))[:SAMPLES]]
    (out_dir / "finetune.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    return report
