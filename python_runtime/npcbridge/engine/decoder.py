"""One forward step over many requests at once, for Llama-family models.

The step takes every row's new tokens (one for a decoding request, a chunk for a
prefilling one), flattens them into a single ``[tokens, hidden]`` batch for the
projections and MLPs (one big matrix product per weight instead of one per
request), and runs attention per kind of row against the slot KV cache: all
decoding rows in one padded SDPA call, each prefill chunk in its own causal call.
Only rows that need a next token go through the LM head.

It reuses the Hugging Face modules of the loaded model (norms, projections, MLP,
rotary embedding), so checkpoints load exactly as transformers loads them; what
is written here is the cache handling and the attention layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from npcbridge.engine.kv_cache import CacheShape, SlotKVCache
from npcbridge.engine.lora_bank import LoraAdapter

# Architectures whose decoder layer is: norm -> q/k/v (+optional q/k norm) -> RoPE ->
# attention -> o_proj -> residual -> norm -> MLP -> residual.
SUPPORTED_TYPES = {"llama", "mistral", "qwen2", "qwen3", "smollm3"}


@dataclass
class RowInput:
    """New tokens of one request for this step."""

    slot: int
    tokens: list[int]
    start: int  # position of tokens[0]; positions before it are in the cache
    want_logits: bool = True
    lora: LoraAdapter | None = None  # the row's adapter (None: the base model)


def supports(model: Any) -> str | None:
    """``None`` when the batched decoder can run ``model``; otherwise why not."""
    config = getattr(model, "config", None)
    model_type = getattr(config, "model_type", None)
    if model_type not in SUPPORTED_TYPES:
        return f"model type {model_type!r} is not one of {sorted(SUPPORTED_TYPES)}"
    if getattr(config, "sliding_window", None) and getattr(config, "use_sliding_window", True) \
            and model_type == "mistral":
        return "sliding-window attention is not supported by the batched decoder"
    inner = getattr(model, "model", None)
    if inner is None or not hasattr(inner, "layers") or not hasattr(inner, "rotary_emb"):
        return "the model does not expose model.layers and model.rotary_emb"
    return None


class BatchedDecoder:
    """Runs :class:`RowInput` batches through a Llama-family model and a :class:`SlotKVCache`."""

    def __init__(self, model: Any, cache: SlotKVCache) -> None:
        self.model = model
        self.cache = cache
        inner = model.model
        self.embed = inner.embed_tokens
        self.layers = list(inner.layers)
        self.norm = inner.norm
        self.rotary = inner.rotary_emb
        self.lm_head = model.lm_head
        attn = self.layers[0].self_attn
        self.head_dim = cache.shape.head_dim
        self.kv_heads = cache.shape.kv_heads
        self.heads = attn.q_proj.out_features // self.head_dim
        self.groups = self.heads // self.kv_heads
        self.scaling = float(getattr(attn, "scaling", self.head_dim ** -0.5))
        self.device = next(model.parameters()).device

    @staticmethod
    def cache_shape(model: Any) -> CacheShape:
        """The KV cost of ``model``'s tokens in its own dtype."""
        config = model.config
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        kv_heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
        return CacheShape(config.num_hidden_layers, kv_heads, head_dim, next(model.parameters()).dtype)

    @torch.inference_mode()
    def forward(self, rows: list[RowInput]) -> torch.Tensor:
        """Feed every row's tokens; return float32 logits ``[rows wanting logits, vocab]``."""
        from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

        dev = self.device
        ids = torch.tensor([t for r in rows for t in r.tokens], dtype=torch.long, device=dev)
        positions = torch.tensor([r.start + i for r in rows for i in range(len(r.tokens))], device=dev)
        offsets, total = [], 0
        for r in rows:
            offsets.append(total)
            total += len(r.tokens)
        hidden = self.embed(ids)
        cos, sin = self.rotary(hidden[None], positions[None])
        cos, sin = cos[0], sin[0]
        plan = _AttentionPlan.build(rows, offsets, dev)
        for r in rows:  # every layer writes these positions below
            self.cache.mark_written(r.slot, r.start + len(r.tokens))
        if plan.decode_tokens is not None:  # the padded decode attention reads up to decode_len
            for r in rows:
                if len(r.tokens) == 1:
                    self.cache.ensure_clean(r.slot, plan.decode_len)
        lora = _LoraRows.build(rows, offsets, dev)
        for index, layer in enumerate(self.layers):
            attn = layer.self_attn
            x = layer.input_layernorm(hidden)
            q = lora.project(attn.q_proj, x, index, "q_proj").view(total, self.heads, self.head_dim)
            k = lora.project(attn.k_proj, x, index, "k_proj").view(total, self.kv_heads, self.head_dim)
            v = lora.project(attn.v_proj, x, index, "v_proj").view(total, self.kv_heads, self.head_dim)
            if hasattr(attn, "q_norm"):  # Qwen3 normalises q and k per head before RoPE
                q, k = attn.q_norm(q), attn.k_norm(k)
            q, k = apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1)
            out = self._attend(plan, q, k, v, self.cache.keys[index], self.cache.values[index])
            hidden = hidden + lora.project(attn.o_proj, out.view(total, self.heads * self.head_dim), index, "o_proj")
            hidden = hidden + lora.mlp(layer.mlp, layer.post_attention_layernorm(hidden), index)
        last = [offsets[i] + len(r.tokens) - 1 for i, r in enumerate(rows) if r.want_logits]
        if not last:
            return torch.empty(0, 0)
        picked = self.norm(hidden[torch.tensor(last, device=dev)])
        return self.lm_head(picked).float()

    def _attend(self, plan: _AttentionPlan, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(q)
        kvh, g, hd = self.kv_heads, self.groups, self.head_dim
        if plan.decode_tokens is not None:
            slots, pos, tok = plan.decode_slots, plan.decode_pos, plan.decode_tokens
            keys[slots, :, pos] = k[tok]
            values[slots, :, pos] = v[tok]
            hi, length = plan.decode_rows, plan.decode_len
            # Query heads of one KV group attend to the same keys: fold the group into
            # the query axis instead of repeating K/V (h = kv * groups + g, as repeat_kv).
            qf = q.new_zeros(hi, self.heads, hd)
            qf[slots] = q[tok]
            o = F.scaled_dot_product_attention(
                qf.view(hi, kvh, g, hd), keys[:hi, :, :length], values[:hi, :, :length],
                attn_mask=plan.decode_mask, scale=self.scaling)
            out[tok] = o.reshape(hi, self.heads, hd)[slots]
        for slot, a, b, start in plan.prefills:
            c = b - a
            keys[slot, :, start:start + c] = k[a:b].transpose(0, 1)
            values[slot, :, start:start + c] = v[a:b].transpose(0, 1)
            qq = q[a:b].permute(1, 0, 2).reshape(kvh, g * c, hd)
            o = F.scaled_dot_product_attention(
                qq[None], keys[slot:slot + 1, :, :start + c], values[slot:slot + 1, :, :start + c],
                attn_mask=_causal_mask(start, c, g, q.device), scale=self.scaling)
            out[a:b] = o[0].reshape(kvh * g, c, hd).permute(1, 0, 2)
        return out


@dataclass
class _LoraRows:
    """The step's tokens grouped by adapter: each projection adds, to the rows of each adapter
    in the step, that adapter's low-rank update computed on those rows only (one gathered
    pair of matrix products per adapter, as Punica/S-LoRA's segmented kernels do), so rows
    with different adapters, and rows with none, share the step's base matrix products."""

    groups: list[tuple[LoraAdapter, torch.Tensor]]

    @classmethod
    def build(cls, rows: list[RowInput], offsets: list[int], device: torch.device) -> _LoraRows:
        by_adapter: dict[int, tuple[LoraAdapter, list[int]]] = {}
        for r, off in zip(rows, offsets, strict=True):
            if r.lora is not None:
                by_adapter.setdefault(id(r.lora), (r.lora, []))[1].extend(range(off, off + len(r.tokens)))
        return cls([(a, torch.tensor(idx, device=device)) for a, idx in by_adapter.values()])

    def project(self, linear: Any, x: torch.Tensor, layer: int, target: str) -> torch.Tensor:
        y = linear(x)
        for adapter, idx in self.groups:
            pair = adapter.layers[layer].get(target)
            if pair is not None:
                y.index_add_(0, idx, (x.index_select(0, idx) @ pair[0]) @ pair[1])
        return y

    def mlp(self, mlp: Any, x: torch.Tensor, layer: int) -> torch.Tensor:
        if not self.groups:
            return mlp(x)
        gate = self.project(mlp.gate_proj, x, layer, "gate_proj")
        up = self.project(mlp.up_proj, x, layer, "up_proj")
        return self.project(mlp.down_proj, mlp.act_fn(gate) * up, layer, "down_proj")


def _causal_mask(start: int, chunk: int, groups: int, device: torch.device) -> torch.Tensor:
    """``[groups * chunk, start + chunk]``: query i (position start+i) sees keys <= start+i."""
    keys = torch.arange(start + chunk, device=device)
    queries = torch.arange(start, start + chunk, device=device)
    return (keys[None, :] <= queries[:, None]).repeat(groups, 1)


@dataclass
class _AttentionPlan:
    """Index tensors shared by every layer of one step."""

    decode_slots: torch.Tensor | None = None
    decode_pos: torch.Tensor | None = None
    decode_tokens: torch.Tensor | None = None
    decode_mask: torch.Tensor | None = None
    decode_rows: int = 0
    decode_len: int = 0
    prefills: list[tuple[int, int, int, int]] | None = None

    @classmethod
    def build(cls, rows: list[RowInput], offsets: list[int], device: torch.device) -> _AttentionPlan:
        plan = cls(prefills=[])
        single = [(r, off) for r, off in zip(rows, offsets, strict=True) if len(r.tokens) == 1]
        for r, off in zip(rows, offsets, strict=True):
            if len(r.tokens) > 1:
                plan.prefills.append((r.slot, off, off + len(r.tokens), r.start))
        if single:
            slots = [r.slot for r, _ in single]
            plan.decode_rows = max(slots) + 1
            plan.decode_len = max(r.start for r, _ in single) + 1
            lengths = torch.ones(plan.decode_rows, dtype=torch.long)  # idle rows: one harmless key
            lengths[slots] = torch.tensor([r.start + 1 for r, _ in single])
            mask = torch.arange(plan.decode_len)[None, :] < lengths[:, None]
            plan.decode_mask = mask[:, None, None, :].to(device)
            plan.decode_slots = torch.tensor(slots, device=device)
            plan.decode_pos = torch.tensor([r.start for r, _ in single], device=device)
            plan.decode_tokens = torch.tensor([off for _, off in single], device=device)
        return plan
