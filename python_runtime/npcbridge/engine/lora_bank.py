"""LoRA adapters held in the engine's memory, for per-row adapters in one batched step.

An adapter is read from its peft folder (``adapter_config.json`` plus
``adapter_model.safetensors``, as peft saves it, so adapters trained elsewhere load
too) into per-layer factors ``A^T`` (``[in, r]``) and ``scale * B^T`` (``[r, out]``)
in the model's dtype and device: a row's projection is then ``x W^T + (x A^T)(s B^T)``,
peft's unmerged forward. Adapters load on first use and stay within a memory budget,
least recently used first out; one that a running request uses is never evicted.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)

#: The projections an adapter may change: attention and MLP of every decoder layer.
TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
_KEY = re.compile(r"layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.default)?\.weight$")


class AdapterError(ValueError):
    """The adapter cannot be served on this model; the message says why and where."""


@dataclass
class LoraAdapter:
    """One adapter's factors: ``layers[i][target] = (A^T [in, r], scale * B^T [r, out])``."""

    path: str
    rank: int
    layers: list[dict[str, tuple[torch.Tensor, torch.Tensor]]]
    nbytes: int
    users: int = field(default=0, compare=False)


def _module(model: Any, layer: int, target: str) -> torch.nn.Linear:
    block = model.model.layers[layer]
    return getattr(block.self_attn if target in TARGETS[:4] else block.mlp, target)


def load_adapter(path: str | Path, model: Any) -> LoraAdapter:
    """Read a peft LoRA folder for ``model``; raises :class:`AdapterError` on anything it cannot serve."""
    folder = Path(path)
    try:
        config = json.loads((folder / "adapter_config.json").read_text())
    except FileNotFoundError:
        raise AdapterError(f"adapter {folder.name}: no adapter_config.json (is it a peft LoRA folder?)") from None
    except (OSError, ValueError) as exc:
        raise AdapterError(f"adapter {folder.name}: adapter_config.json is not readable JSON ({exc})") from None
    if config.get("peft_type", "LORA") != "LORA" or config.get("use_dora"):
        raise AdapterError(f"adapter {folder.name}: only plain LoRA adapters are served (this is "
                           f"{'DoRA' if config.get('use_dora') else config.get('peft_type')})")
    try:
        rank, alpha = int(config["r"]), float(config.get("lora_alpha", config["r"]))
    except (KeyError, TypeError, ValueError):
        raise AdapterError(f"adapter {folder.name}: adapter_config.json has no LoRA rank 'r'") from None
    scale = alpha / math.sqrt(rank) if config.get("use_rslora") else alpha / rank
    tensors = _read_weights(folder)
    dtype, device = next(model.parameters()).dtype, next(model.parameters()).device
    factors: dict[tuple[int, str], dict[str, torch.Tensor]] = {}
    for key, tensor in tensors.items():
        match = _KEY.search(key)
        if match is None or match.group(3) not in TARGETS:
            raise AdapterError(f"adapter {folder.name}: weight {key} is not a LoRA factor of an attention or MLP "
                               f"projection ({', '.join(TARGETS)}); embeddings and heads are not served")
        factors.setdefault((int(match.group(1)), match.group(3)), {})[match.group(4)] = tensor
    if not factors:
        raise AdapterError(f"adapter {folder.name}: the adapter has no LoRA weights")
    layers: list[dict[str, tuple[torch.Tensor, torch.Tensor]]] = [{} for _ in model.model.layers]
    nbytes = 0
    for (index, target), pair in sorted(factors.items()):
        if index >= len(layers) or set(pair) != {"A", "B"}:
            raise AdapterError(f"adapter {folder.name}: layer {index} {target} is incomplete or past the model's "
                               f"{len(layers)} layers")
        linear = _module(model, index, target)
        a, b = pair["A"], pair["B"]
        if a.shape != (rank, linear.in_features) or b.shape != (linear.out_features, rank):
            raise AdapterError(f"adapter {folder.name}: layers.{index}.{target} has factors {tuple(a.shape)} and "
                               f"{tuple(b.shape)}; this model needs ({rank}, {linear.in_features}) and "
                               f"({linear.out_features}, {rank}) (trained on another model?)")
        a_t = a.to(device=device, dtype=dtype).t().contiguous()
        b_t = (b.float() * scale).to(device=device, dtype=dtype).t().contiguous()
        layers[index][target] = (a_t, b_t)
        nbytes += a_t.numel() * a_t.element_size() + b_t.numel() * b_t.element_size()
    return LoraAdapter(str(folder), rank, layers, nbytes)


def _read_weights(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    safetensors, binary = folder / "adapter_model.safetensors", folder / "adapter_model.bin"
    try:
        if safetensors.exists():
            return load_file(safetensors)
        if binary.exists():
            return torch.load(binary, map_location="cpu", weights_only=True)
    except (SafetensorError, OSError, RuntimeError, ValueError) as exc:
        raise AdapterError(f"adapter {folder.name}: the adapter weights are unreadable ({exc})") from None
    raise AdapterError(f"adapter {folder.name}: no adapter_model.safetensors (or .bin) beside adapter_config.json")


class LoraBank:
    """Adapters in memory within ``budget_mb``, loaded on first use, LRU out when unused."""

    def __init__(self, model: Any, budget_mb: float) -> None:
        self.model = model
        self.budget = int(budget_mb * 2**20)
        self._adapters: OrderedDict[str, LoraAdapter] = OrderedDict()
        self.loads = 0

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._adapters.values())

    def loaded(self) -> list[str]:
        """Folders of the adapters in memory, least recently used first."""
        return list(self._adapters)

    def acquire(self, path: str) -> LoraAdapter:
        """The adapter at ``path`` for a request that starts now (load it if needed)."""
        adapter = self._adapters.get(path)
        if adapter is None:
            adapter = load_adapter(path, self.model)
            self.loads += 1
            self._adapters[path] = adapter
            log.info("adapter %s loaded (rank %d, %.1f MiB)", Path(path).name, adapter.rank, adapter.nbytes / 2**20)
        self._adapters.move_to_end(path)
        adapter.users += 1
        self._evict()
        return adapter

    def release(self, adapter: LoraAdapter) -> None:
        """A request using ``adapter`` ended."""
        adapter.users = max(0, adapter.users - 1)
        self._evict()

    def _evict(self) -> None:
        for path in list(self._adapters):
            if self.nbytes <= self.budget:
                return
            if self._adapters[path].users == 0:
                del self._adapters[path]
                log.info("adapter %s evicted (adapter budget %.0f MiB)", Path(path).name, self.budget / 2**20)
