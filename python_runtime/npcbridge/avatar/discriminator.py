"""The conditional discriminator of the adversarial avatar training: StyleGAN2's residual
design (equalised learning rate, skip-free residual blocks with 2x average-pool downsampling,
minibatch standard deviation) with projection conditioning (Miyato & Koyama, 2018): the
score is ``psi(phi(x)) + sum_a <embed_a(label_a), phi(x)>``, so it judges whether a portrait
looks real *and* shows the attributes (and expression) it was asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from npcbridge.avatar.stylegan import EqualLinear


class EqualConv2d(nn.Module):
    """Convolution with equalised learning rate (weights scaled at run time)."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None
        self.scale = 1.0 / math.sqrt(in_ch * kernel_size**2)
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


def _act(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2) * math.sqrt(2.0)


class ResBlock(nn.Module):
    """Two 3x3 convolutions, then 2x down; a 1x1 skip; the sum scaled by 1/sqrt(2)."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv1 = EqualConv2d(in_ch, in_ch, 3)
        self.conv2 = EqualConv2d(in_ch, out_ch, 3)
        self.skip = EqualConv2d(in_ch, out_ch, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.avg_pool2d(_act(self.conv2(_act(self.conv1(x)))), 2)
        return (out + F.avg_pool2d(self.skip(x), 2)) / math.sqrt(2.0)


class ProjectionDiscriminator(nn.Module):
    """Scores ``(B, 3, S, S)`` images in [-1, 1] given label indices ``(B, n_labels)``."""

    def __init__(self, size: int, label_sizes: Sequence[int], channels: dict[int, int] | None = None,
                 feature_dim: int = 128) -> None:
        super().__init__()
        channels = channels or {128: 16, 64: 32, 32: 64, 16: 128, 8: 128, 4: 128}
        self.size = size
        self.label_sizes = list(label_sizes)
        self.from_rgb = EqualConv2d(3, channels[size], 1)
        blocks, res = [], size
        while res > 4:
            blocks.append(ResBlock(channels[res], channels[res // 2]))
            res //= 2
        self.blocks = nn.Sequential(*blocks)
        self.final_conv = EqualConv2d(channels[4] + 1, channels[4], 3)
        self.final = EqualLinear(channels[4] * 16, feature_dim, activation=True)
        self.score = EqualLinear(feature_dim, 1)
        self.embeds = nn.ModuleList(nn.Embedding(n, feature_dim) for n in label_sizes)
        for table in self.embeds:
            nn.init.normal_(table.weight, std=1.0 / math.sqrt(feature_dim))

    @staticmethod
    def _minibatch_std(x: torch.Tensor, group: int = 4) -> torch.Tensor:
        """One extra channel: the spread of features across a group of images (spots mode collapse)."""
        b, c, h, w = x.shape
        g = min(group, b)
        while b % g:
            g -= 1
        y = x.view(g, -1, c, h, w)
        std = torch.sqrt(y.var(0, unbiased=False) + 1e-8).mean((1, 2, 3))  # (B/g,)
        std = std.view(1, -1, 1, 1, 1).expand(g, -1, 1, h, w).reshape(b, 1, h, w)
        return torch.cat([x, std], 1)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x = self.blocks(_act(self.from_rgb(images)))
        x = _act(self.final_conv(self._minibatch_std(x)))
        phi = self.final(x.flatten(1))
        out = self.score(phi).squeeze(1)
        for i, table in enumerate(self.embeds):
            out = out + (table(labels[:, i]) * phi).sum(1)
        return out
