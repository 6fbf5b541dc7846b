"""A StyleGAN2 generator whose parameter names follow the widely used
``stylegan2-pytorch`` (rosinality) layout, so a studio's ``g_ema`` weights load
as they are, plus the conditional variant the built-in model trains.

Written from the StyleGAN2 paper (Karras et al., 2020): equalised learning rate,
a mapping MLP to ``w``, modulated/demodulated convolutions, noise inputs and
skip-connected RGB outputs. Modulation is applied to the activations rather than
to per-sample weights (mathematically the same), which lets a whole batch share
one convolution: much faster on CPU.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

BLUR_KERNEL = (1.0, 3.0, 3.0, 1.0)


def _kernel(k: tuple[float, ...]) -> torch.Tensor:
    t = torch.tensor(k, dtype=torch.float32)
    t = t[None, :] * t[:, None]
    return t / t.sum()


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, pad: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """Upsample by zero insertion, pad, then convolve (a true convolution) with ``kernel``."""
    b, c, h, w = x.shape
    x = x.reshape(b * c, 1, h, w)
    if up > 1:
        x = x.view(b * c, 1, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1]).view(b * c, 1, h * up, w * up)
    x = F.pad(x, [pad[0], pad[1], pad[0], pad[1]])
    k = torch.flip(kernel, [0, 1]).to(x.dtype)[None, None]
    x = F.conv2d(x, k)
    return x.view(b, c, x.shape[-2], x.shape[-1])


class Blur(nn.Module):
    def __init__(self, pad: tuple[int, int], upsample_factor: int = 1) -> None:
        super().__init__()
        self.register_buffer("kernel", _kernel(BLUR_KERNEL) * upsample_factor**2)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    def __init__(self, factor: int = 2) -> None:
        super().__init__()
        self.register_buffer("kernel", _kernel(BLUR_KERNEL) * factor**2)
        self.factor = factor
        p = len(BLUR_KERNEL) - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    """Linear layer with equalised learning rate; ``activation`` is a biased leaky
    ReLU scaled by sqrt(2)."""

    def __init__(self, in_dim: int, out_dim: int, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activation: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init)))
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.scale)
        out = out + self.bias * self.lr_mul
        return F.leaky_relu(out, 0.2) * math.sqrt(2.0) if self.activation else out


class ModulatedConv2d(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, style_dim: int, demodulate: bool = True,
                 upsample: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, out_ch, in_ch, kernel_size, kernel_size))
        self.modulation = EqualLinear(style_dim, in_ch, bias_init=1.0)
        self.scale = 1.0 / math.sqrt(in_ch * kernel_size**2)
        self.padding = kernel_size // 2
        self.demodulate = demodulate
        self.upsample = upsample
        if upsample:
            p = (len(BLUR_KERNEL) - 2) - (kernel_size - 1)
            self.blur = Blur(((p + 1) // 2 + 1, p // 2 + 1), upsample_factor=2)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        batch, in_ch = x.shape[:2]
        weight = self.scale * self.weight.squeeze(0)
        s = self.modulation(style)
        x = x * s.view(batch, in_ch, 1, 1)
        if self.upsample:
            out = self.blur(F.conv_transpose2d(x, weight.transpose(0, 1), stride=2))
        else:
            out = F.conv2d(x, weight, padding=self.padding)
        if self.demodulate:
            # Demodulation scales each output channel by 1/||w * s||, per sample.
            # sum_{i,k} (w_oik s_i)^2 = (s^2) @ (sum_k w_oik^2)^T: one small matmul.
            d = torch.rsqrt(s.square() @ weight.square().sum((2, 3)).t() + 1e-8)
            out = out * d.view(batch, -1, 1, 1)
        return out


class NoiseInjection(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return x + self.weight * noise


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2.0)


class StyledConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, style_dim: int, upsample: bool = False) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_ch, out_ch, kernel_size, style_dim, upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_ch)

    def forward(self, x: torch.Tensor, style: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    def __init__(self, in_ch: int, style_dim: int, upsample: bool = True) -> None:
        super().__init__()
        if upsample:
            self.upsample = Upsample()
        self.conv = ModulatedConv2d(in_ch, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor, skip: torch.Tensor | None = None) -> torch.Tensor:
        out = self.conv(x, style) + self.bias
        return out if skip is None else out + self.upsample(skip)


class ConstantInput(nn.Module):
    def __init__(self, channels: int, size: int = 4) -> None:
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, batch: int) -> torch.Tensor:
        return self.input.repeat(batch, 1, 1, 1)
