"""Load a causal LM and its tokenizer with transformers, caching GGUF conversions.

Converting the GGUF (tokenizer and dequantised weights) takes ~20 s on a laptop
CPU; the converted copy (safetensors, tokenizer, chat template) reloads in well
under a second with identical logits, so it is saved once under the cache dir.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from npcbridge.errors import ModelLoadError
from npcbridge.models.device import dtype_name, select_device, select_dtype
from npcbridge.models.registry import EMBEDDED_DEFAULT, ModelSource, gguf_cache_dir, is_converted, resolve_model

log = logging.getLogger(__name__)

#: The NPC role-play LoRA adapter of the embedded model (scripts/train_npc_adapter.py).
ADAPTER_DIR = Path(__file__).resolve().parent.parent / "finetune" / "data" / "smollm2-npc-lora"


@dataclass
class LoadedModel:
    """A model ready to run, plus what ServerInfo reports about it."""

    name: str
    model: Any
    tokenizer: Any
    device: torch.device
    dtype: torch.dtype
    context_length: int

    @property
    def dtype_name(self) -> str:
        return dtype_name(self.dtype)


def convert_gguf(source: ModelSource, target: Path) -> None:
    """Dequantise a GGUF into a transformers directory at ``target`` (atomically)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source.location, gguf_file=source.gguf_file)
        model = AutoModelForCausalLM.from_pretrained(source.location, gguf_file=source.gguf_file)
    except Exception as exc:
        raise ModelLoadError(f"cannot convert GGUF {source.gguf_file}: {exc}") from exc
    # save_pretrained refuses a GGUF-quantised model until the quantizer is dropped;
    # the weights are already dequantised to plain tensors at this point.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)


def _adapter_key(adapter: Path) -> str:
    digest = hashlib.sha256()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update((adapter / name).read_bytes())
    return digest.hexdigest()[:16]


def has_adapter(name: str) -> bool:
    """True when ``name`` has a shipped role-play adapter (the embedded default does)."""
    return name == EMBEDDED_DEFAULT and (ADAPTER_DIR / "adapter_model.safetensors").exists()


def base_model_dir(cache_dir: Path, name: str = EMBEDDED_DEFAULT) -> str:
    """The plain model's loadable location (the GGUF converted once, for the embedded one)."""
    source = resolve_model(name)
    if source.kind != "gguf":
        return source.location
    target = gguf_cache_dir(source, cache_dir)
    if not is_converted(name, cache_dir):
        log.info("converting %s to %s (first run only)", source.gguf_file, target)
        convert_gguf(source, target)
    return str(target)


def prepare(name: str, cache_dir: Path, tuning: bool = True) -> str:
    """Return a path or hub id that ``from_pretrained`` loads quickly: converts GGUFs
    once and, with ``tuning``, merges the model's role-play adapter into a cached copy."""
    base = base_model_dir(cache_dir, name)
    if not tuning or not has_adapter(name):
        return base
    target = Path(base).with_name(f"{Path(base).name}-npc-{_adapter_key(ADAPTER_DIR)}")
    if not (target / "config.json").exists():
        from npcbridge.finetune.lora import merge_adapter

        log.info("merging the role-play adapter into %s (first run only)", target)
        merge_adapter(base, ADAPTER_DIR, target)
    return str(target)


def context_length(model_dir: str | Path) -> int:
    """The context length a prepared model directory's config.json states (2048 if none)."""
    import json

    config = json.loads((Path(model_dir) / "config.json").read_text())
    return int(config.get("max_position_embeddings") or 2048)


def _load_error(name: str, exc: Exception) -> ModelLoadError:
    return ModelLoadError(
        f"cannot load model {name!r}: {exc}. Hub ids need network access or a copy in the "
        "Hugging Face cache; a local directory needs config.json and weights")


def load_tokenizer(name: str, cache_dir: Path) -> Any:
    """The tokenizer (with chat template) of ``name``; what the front end needs without the model."""
    from transformers import AutoTokenizer

    try:
        # The adapter leaves the tokenizer as it is: no need to merge for it.
        tokenizer = AutoTokenizer.from_pretrained(prepare(name, cache_dir, tuning=False))
    except OSError as exc:
        raise _load_error(name, exc) from exc
    if tokenizer.chat_template is None:
        raise ModelLoadError(f"model {name!r} has no chat template; NPC dialogue needs an instruct/chat model")
    return tokenizer


def load_causal_lm(name: str, cache_dir: Path, device: str = "auto", dtype: str = "auto",
                   tuning: bool = True) -> LoadedModel:
    """Load ``name`` (embedded default, HF id, local dir or .gguf) on the chosen device;
    ``tuning``: with its role-play adapter merged, when it has one."""
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(name, cache_dir)
    location = prepare(name, cache_dir, tuning)
    torch_device = select_device(device)
    torch_dtype = select_dtype(dtype, torch_device)
    try:
        model = AutoModelForCausalLM.from_pretrained(location, dtype=torch_dtype)
    except OSError as exc:
        raise _load_error(name, exc) from exc
    model.to(torch_device)
    model.eval()
    context = int(getattr(model.config, "max_position_embeddings", 0) or 2048)
    return LoadedModel(name, model, tokenizer, torch_device, torch_dtype, context)
