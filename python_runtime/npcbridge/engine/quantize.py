"""Weight-only quantisation for the CPU path: int8 per output channel or int4 per group.

Decoding on a CPU is bound by how many bytes of weights each step reads: fp32
SmolLM2-135M reads ~540 MB a token, the same model as int8 ~140 MB and as int4
~80 MB. Each ``nn.Linear`` of the decoder layers and the LM head is replaced by
a module that keeps its weight quantised and calls torch's own CPU kernels
(``_weight_int8pack_mm``, ``_weight_int4pack_mm_for_cpu``), so everything else
of the engine (scheduler, priorities, prefix cache, per-request seeded
sampling, grammars) is untouched. Activations stay float32, so the rounding is
in the weights only.

Batch invariance: both kernels compute each output row from that row of the
input alone (no split over the batch), so a request's greedy tokens do not
depend on its neighbours, as with fp32 (tested).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from torch import nn

log = logging.getLogger(__name__)

MODES = ("none", "int8", "int4")
INT4_GROUP = 32  # the group size of llama.cpp's Q4 blocks


@dataclass
class QuantReport:
    """What :func:`quantize_model` did (logged and reported in ServerInfo)."""

    mode: str
    layers: int = 0
    bytes_before: int = 0
    bytes_after: int = 0


class Int8Linear(nn.Module):
    """``y = x @ (q * scale).T + b`` with ``q`` int8 ``[out, in]`` and one fp32 scale per output."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        scale = (weight.abs().amax(dim=1) / 127).clamp(min=1e-12)
        self.register_buffer("qweight", torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale)
        self.bias = None if linear.bias is None else nn.Parameter(linear.bias.detach().float(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features)
        out = torch.ops.aten._weight_int8pack_mm(flat.float(), self.qweight, self.scale)
        if self.bias is not None:
            out = out + self.bias
        return out.view(*x.shape[:-1], self.out_features).to(x.dtype)

    def dequantized(self) -> torch.Tensor:
        return self.qweight.float() * self.scale[:, None]


class Int4Linear(nn.Module):
    """Asymmetric 4-bit weights in groups of :data:`INT4_GROUP` inputs (like llama.cpp's Q4_1)."""

    def __init__(self, linear: nn.Linear, group: int = INT4_GROUP) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        out_f, in_f = weight.shape
        self.in_features, self.out_features, self.group = in_f, out_f, group
        grouped = weight.view(out_f, in_f // group, group)
        low, high = grouped.amin(-1), grouped.amax(-1)
        scale = ((high - low) / 15).clamp(min=1e-12)
        q = torch.round((grouped - low[..., None]) / scale[..., None]).clamp(0, 15).to(torch.int32)
        # The kernel computes (q - 8) * scale + zero, so zero is the value of q = 8.
        zero = low + 8 * scale
        self.register_buffer("qweight", torch.ops.aten._convert_weight_to_int4pack_for_cpu(q.view(out_f, in_f), 1))
        self.register_buffer("scales_zeros", torch.stack([scale.t(), zero.t()], dim=-1).contiguous())
        self.bias = None if linear.bias is None else nn.Parameter(linear.bias.detach().float(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).float()
        out = torch.ops.aten._weight_int4pack_mm_for_cpu(flat, self.qweight, self.group, self.scales_zeros)
        if self.bias is not None:
            out = out + self.bias
        return out.view(*x.shape[:-1], self.out_features).to(x.dtype)


def _quantizable(linear: nn.Linear, mode: str) -> bool:
    return mode == "int8" or linear.in_features % INT4_GROUP == 0


def quantize_model(model: nn.Module, mode: str) -> QuantReport:
    """Replace the decoder's and the LM head's ``nn.Linear`` weights with ``mode`` ones, in place.

    Only for CPU float32 models (the kernels are CPU ones; a GPU runs bf16 instead).
    The input embedding stays as it is: a lookup reads one row a token.
    """
    if mode not in MODES:
        raise ValueError(f"quantize must be one of {', '.join(MODES)}, not {mode!r}")
    report = QuantReport(mode)
    if mode == "none":
        return report
    device = next(model.parameters()).device
    if device.type != "cpu":
        raise ValueError(f"--quantize {mode} runs on the CPU only (the model is on {device}); use --quantize none")
    wrap = Int8Linear if mode == "int8" else Int4Linear
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear) and _quantizable(child, mode):
                replacement = wrap(child)
                report.layers += 1
                report.bytes_before += child.weight.numel() * child.weight.element_size()
                report.bytes_after += sum(b.numel() * b.element_size() for b in replacement.buffers())
                setattr(parent, name, replacement)
    log.info("quantised %d linear layers to %s: %.0f MB -> %.0f MB of weights", report.layers, mode,
             report.bytes_before / 2**20, report.bytes_after / 2**20)
    return report
