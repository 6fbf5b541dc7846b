"""LoRA adapters for the dialogue model: train one on role-play chats, merge one into weights.

Training uses peft on the transformers copy of the model (the converted GGUF for
the embedded default). Only the reply's tokens carry loss, so the adapter learns
how an NPC answers, not how to write system prompts. Merging folds the adapter
into the base weights once, when the model is prepared, so the engine serves a
plain model and needs no adapter support.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from npcbridge.finetune.roleplay_data import Example

log = logging.getLogger(__name__)

#: Every linear layer of a Llama-family block.
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class LoraTraining:
    """Hyper-parameters of one adapter run."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    lr: float = 5e-4
    steps: int = 260
    batch: int = 4
    warmup: int = 20
    seed: int = 0


def tokenize(tokenizer, example: Example) -> tuple[list[int], list[int]]:
    """Token ids of the chat plus reply, and labels that are -100 except on the reply."""
    prompt = tokenizer.apply_chat_template([asdict(m) for m in example.messages], tokenize=False,
                                           add_generation_prompt=True)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    reply_ids = tokenizer(example.reply, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return prompt_ids + reply_ids, [-100] * len(prompt_ids) + reply_ids


def _batches(rows: list[tuple[list[int], list[int]]], size: int, rng: random.Random,
             pad_id: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    # Rows of similar length share a batch, so little compute goes to padding.
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(groups)
    out = []
    for group in groups:
        width = max(len(rows[i][0]) for i in group)
        ids = torch.full((len(group), width), pad_id)
        labels = torch.full((len(group), width), -100)
        mask = torch.zeros((len(group), width), dtype=torch.long)
        for r, i in enumerate(group):
            tokens, target = rows[i]
            ids[r, :len(tokens)] = torch.tensor(tokens)
            labels[r, :len(target)] = torch.tensor(target)
            mask[r, :len(tokens)] = 1
        out.append((ids, labels, mask))
    return out


def train_adapter(model_dir: str, examples: list[Example], out_dir: Path, cfg: LoraTraining,
                  progress: Callable[[int, float], None] | None = None,
                  base_name: str = "smollm2-135m-instruct", resume: Path | None = None,
                  evaluate: Callable[[Any], float] | None = None, eval_every: int = 0) -> dict[str, Any]:
    """Train a LoRA adapter on ``examples`` and save it (peft format) to ``out_dir``;
    ``base_name`` is recorded as its base model (not this machine's cache path).
    ``resume``: start from this adapter instead of a fresh one (a second stage).
    ``evaluate(model)``: a held-out loss, measured every ``eval_every`` steps and at the
    end; only the best checkpoint is kept. Ctrl+C (KeyboardInterrupt) stops training and
    keeps the best checkpoint so far (the latest one when there is no ``evaluate``)."""
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if resume is not None:
        model = PeftModel.from_pretrained(model, str(resume), is_trainable=True)
        for param in model.parameters():  # the checkpoint is fp16 on disk: train in fp32
            if param.requires_grad:
                param.data = param.data.float()
    else:
        model = get_peft_model(model, LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                                                 target_modules=TARGETS, task_type="CAUSAL_LM"))
    rows = [tokenize(tokenizer, e) for e in examples]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr,
                                  weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / cfg.warmup) * 0.5 * (
        1 + math.cos(math.pi * min(1.0, s / cfg.steps))))
    model.train()
    batches: list = []
    losses: list[float] = []
    history: list[tuple[int, float]] = []  # (step, held-out loss)
    best, best_step, interrupted = math.inf, 0, False
    started, evaluating = time.perf_counter(), 0.0

    def save() -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out_dir)
        # The fp16 copy on disk halves the checkpoint; merging upcasts it again.
        _to_fp16(out_dir)
        tidy_adapter_dir(out_dir, base_name)

    step = 0
    try:
        for step in range(1, cfg.steps + 1):
            if not batches:
                batches = _batches(rows, cfg.batch, rng, pad)
            ids, labels, mask = batches.pop()
            # fp32: CPU autocast to bf16 measured 20x slower for the backward pass here.
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
            if progress is not None:
                progress(step, sum(losses[-20:]) / len(losses[-20:]))
            if evaluate is not None and (step == cfg.steps or (eval_every and step % eval_every == 0)):
                model.eval()
                mark = time.perf_counter()
                held = evaluate(model)
                evaluating += time.perf_counter() - mark
                model.train()
                history.append((step, held))
                if held < best:
                    best, best_step = held, step
                    save()
    except KeyboardInterrupt:
        interrupted = True
        log.warning("training interrupted at step %d; keeping the best checkpoint (step %d)", step, best_step)
    if evaluate is None or best_step == 0:
        save()
        best_step = step
    return {"steps": step, "seconds": time.perf_counter() - started, "interrupted": interrupted,
            "examples_per_second": len(losses) * cfg.batch / max(time.perf_counter() - started - evaluating, 1e-9),
            "first_loss": sum(losses[:20]) / max(1, len(losses[:20])),
            "last_loss": sum(losses[-20:]) / max(1, len(losses[-20:])),
            "best_step": best_step, "best_heldout_loss": best, "history": history}


def tidy_adapter_dir(adapter_dir: Path, base_name: str) -> None:
    """Name the base model by its npcbridge name instead of a local path, and drop the
    empty model-card template peft writes."""
    config_path = adapter_dir / "adapter_config.json"
    config = json.loads(config_path.read_text())
    config["base_model_name_or_path"] = base_name
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    (adapter_dir / "README.md").unlink(missing_ok=True)


def _to_fp16(adapter_dir: Path) -> None:
    from safetensors.torch import load_file, save_file

    path = adapter_dir / "adapter_model.safetensors"
    tensors = {k: v.to(torch.float16).contiguous() for k, v in load_file(path).items()}
    save_file(tensors, path, metadata={"format": "pt"})


def merge_adapter(model_dir: str, adapter_dir: Path, target: Path) -> None:
    """Write ``model_dir`` with ``adapter_dir`` folded into its weights to ``target`` (atomically)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    merged = PeftModel.from_pretrained(base, str(adapter_dir), torch_dtype=torch.float32).merge_and_unload()
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    merged.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(model_dir).save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
