"""Fine-tuning the moderation encoder end to end: MiniLM itself (LoRA on every attention
and feed-forward projection) trained jointly with one linear head per category, on the
development set, the game-chat lines and the synthetic clean lines.

The shipped form is small: the encoder's LoRA adapter (peft, ~1 MB) merged into MiniLM
when moderation loads it, plus the usual heads refitted on the tuned embeddings
(``classifier.npz``). Deterministic for a seed (torch and the split are seeded).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from npcbridge.moderation.encoder import encoder_dir, mean_pool

#: BERT's projections in MiniLM: attention and the feed-forward block.
TARGETS = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]


@dataclass
class EncoderTraining:
    """Hyper-parameters of one encoder fine-tune."""

    rank: int = 8
    alpha: int = 16
    lr: float = 1e-3
    epochs: int = 2
    batch: int = 32
    max_length: int = 64
    seed: int = 0


def _masked_bce(logits: torch.Tensor, y: torch.Tensor, pos_weight: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy over the known labels only (-1: this row says nothing of that head)."""
    known = y >= 0
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, y.clamp(min=0).float(), pos_weight=pos_weight, reduction="none")
    return (loss * known).sum() / known.sum().clamp(min=1)


def train_encoder(texts: list[str], y: np.ndarray, cfg: EncoderTraining,
                  progress: Callable[[int, int, float], None] | None = None) -> tuple[Any, Any]:
    """Fine-tune MiniLM (LoRA) and linear heads on ``texts`` with targets ``y`` (1, 0, -1 unknown);
    returns the peft model and its tokenizer."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    folder = encoder_dir()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = get_peft_model(AutoModel.from_pretrained(folder), LoraConfig(
        r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=0.05, target_modules=TARGETS))
    heads = torch.nn.Linear(model.config.hidden_size, y.shape[1])
    targets = torch.from_numpy(y.astype(np.int64))
    positives = ((targets == 1).sum(0)).float()
    negatives = ((targets == 0).sum(0)).float()
    pos_weight = (negatives / positives.clamp(min=1)).clamp(max=50.0)  # a dozen positives face thousands
    params = [p for p in model.parameters() if p.requires_grad] + list(heads.parameters())
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    steps = cfg.epochs * ((len(texts) + cfg.batch - 1) // cfg.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1 - s / max(steps, 1)))
    model.train()
    step = 0
    for _ in range(cfg.epochs):
        order = list(range(len(texts)))
        rng.shuffle(order)
        for k in range(0, len(order), cfg.batch):
            rows = order[k:k + cfg.batch]
            enc = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=cfg.max_length,
                            return_tensors="pt")
            pooled = mean_pool(model(**enc).last_hidden_state, enc["attention_mask"])
            # Unit-length embeddings, as served; the head's scale learns the temperature.
            loss = _masked_bce(heads(torch.nn.functional.normalize(pooled, dim=-1) * 10.0), targets[rows], pos_weight)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if progress is not None:
                progress(step, steps, float(loss.detach()))
    model.eval()
    return model, tokenizer


def embed(model: Any, tokenizer: Any, texts: list[str], max_length: int = 128, batch: int = 64) -> np.ndarray:
    """Unit-length sentence embeddings from a (tuned) encoder, as SentenceEncoder computes them."""
    out = []
    with torch.inference_mode():
        for k in range(0, len(texts), batch):
            enc = tokenizer(texts[k:k + batch], padding=True, truncation=True, max_length=max_length,
                            return_tensors="pt")
            pooled = mean_pool(model(**enc).last_hidden_state, enc["attention_mask"])
            out.append(torch.nn.functional.normalize(pooled, dim=-1).float().numpy())
    return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)


def save_encoder_adapter(model: Any, out_dir: Path) -> None:
    """The encoder's LoRA (fp16 on disk); SentenceEncoder(adapter=out_dir) merges it on load."""
    from safetensors.torch import load_file, save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    path = out_dir / "adapter_model.safetensors"
    save_file({k: v.half().contiguous() for k, v in load_file(path).items()}, path, metadata={"format": "pt"})
    (out_dir / "README.md").unlink(missing_ok=True)
