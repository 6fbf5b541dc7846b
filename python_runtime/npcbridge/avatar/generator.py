"""StyleGAN2 generators: :class:`StyleGenerator` (unconditional, rosinality's
parameter layout) and :class:`ConditionalGenerator` (the earlier built-in model, trained
by reconstruction at 64 px: the mapping network also sees an embedding of the requested
attributes; its checkpoints still load, as neutral-only models). The built-in model is now
:class:`~npcbridge.avatar.decoder.PortraitDecoder`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from npcbridge.avatar.stylegan import (
    ConstantInput,
    EqualLinear,
    PixelNorm,
    StyledConv,
    ToRGB,
)

# rosinality's default channel widths (channel_multiplier=2).
ROSINALITY_CHANNELS = {4: 512, 8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64, 1024: 32}


class StyleGenerator(nn.Module):
    """Mapping network ``style`` (z -> w) and synthesis network (w -> RGB in about
    [-1, 1]); attribute names match ``stylegan2-pytorch``'s ``Generator``."""

    def __init__(self, size: int, style_dim: int, n_mlp: int, channels: dict[int, int],
                 lr_mlp: float = 0.01, mapping_in: int | None = None) -> None:
        super().__init__()
        self.size = size
        self.style_dim = style_dim
        self.channels = dict(channels)
        mapping_in = style_dim if mapping_in is None else mapping_in
        layers: list[nn.Module] = [PixelNorm()]
        for i in range(n_mlp):
            layers.append(EqualLinear(mapping_in if i == 0 else style_dim, style_dim, lr_mul=lr_mlp,
                                      activation=True))
        self.style = nn.Sequential(*layers)

        self.log_size = int(math.log2(size))
        if 2**self.log_size != size or size < 8:
            raise ValueError(f"generator size must be a power of two >= 8, not {size}")
        self.input = ConstantInput(channels[4])
        self.conv1 = StyledConv(channels[4], channels[4], 3, style_dim)
        self.to_rgb1 = ToRGB(channels[4], style_dim, upsample=False)
        self.num_layers = (self.log_size - 2) * 2 + 1
        self.n_latent = self.log_size * 2 - 2
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        self.noises = nn.Module()
        for layer in range(self.num_layers):
            res = (layer + 5) // 2
            self.noises.register_buffer(f"noise_{layer}", torch.randn(1, 1, 2**res, 2**res))
        in_ch = channels[4]
        for i in range(3, self.log_size + 1):
            out_ch = channels[2**i]
            self.convs.append(StyledConv(in_ch, out_ch, 3, style_dim, upsample=True))
            self.convs.append(StyledConv(out_ch, out_ch, 3, style_dim))
            self.to_rgbs.append(ToRGB(out_ch, style_dim))
            in_ch = out_ch

    def map(self, z: torch.Tensor) -> torch.Tensor:
        """z -> w."""
        return self.style(z)

    @torch.no_grad()
    def mean_latent(self, n: int = 4096, seed: int = 0) -> torch.Tensor:
        """The average ``w`` (the truncation centre), from ``n`` seeded latents."""
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.style_dim, generator=g).to(self.input.input.device)
        return self.map(z).mean(0, keepdim=True)

    def synthesis(self, w: torch.Tensor) -> torch.Tensor:
        """One ``w`` per sample (broadcast to every layer) -> images ``(B, 3, size, size)``."""
        noise = [getattr(self.noises, f"noise_{i}") for i in range(self.num_layers)]
        out = self.input(w.shape[0])
        out = self.conv1(out, w, noise[0])
        skip = self.to_rgb1(out, w)
        for conv1, conv2, n1, n2, to_rgb in zip(self.convs[::2], self.convs[1::2], noise[1::2], noise[2::2],
                                                self.to_rgbs, strict=True):
            out = conv1(out, w, n1)
            out = conv2(out, w, n2)
            skip = to_rgb(out, w, skip)
        return skip

    def forward(self, z: torch.Tensor, truncation: float = 1.0,
                truncation_latent: torch.Tensor | None = None) -> torch.Tensor:
        w = self.map(z)
        if truncation < 1.0 and truncation_latent is not None:
            w = truncation_latent + truncation * (w - truncation_latent)
        return self.synthesis(w)


class ConditionalGenerator(StyleGenerator):
    """The earlier built-in model: ``w = mapping([PixelNorm(z), embed(attributes)])``.

    ``z`` is small (one entry per face parameter) and attributes come in as one
    index per attribute; each attribute has its own embedding table.
    """

    def __init__(self, size: int, latent_dim: int, attribute_sizes: Sequence[int], style_dim: int = 128,
                 n_mlp: int = 4, channels: dict[int, int] | None = None, embed_dim: int = 16,
                 lr_mlp: float = 1.0) -> None:
        channels = channels or {4: 128, 8: 128, 16: 64, 32: 32, 64: 16, 128: 8}
        # Trained by reconstruction, not adversarially, so the mapping does not
        # need StyleGAN's 100x slower learning rate for stability.
        super().__init__(size, style_dim, n_mlp, channels, lr_mlp=lr_mlp,
                         mapping_in=latent_dim + embed_dim * len(attribute_sizes))
        self.lr_mlp = lr_mlp
        self.latent_dim = latent_dim
        self.attribute_sizes = list(attribute_sizes)
        self.embed_dim = embed_dim
        self.embeds = nn.ModuleList(nn.Embedding(n, embed_dim) for n in attribute_sizes)
        # No PixelNorm on z: its magnitude matters here (each entry sets a face
        # parameter through the normal CDF), and z is standard normal already.
        self.style[0] = nn.Identity()

    def map_conditional(self, z: torch.Tensor, attributes: torch.Tensor) -> torch.Tensor:
        """``z`` (B, latent_dim) and attribute indices (B, n_attributes) -> w."""
        emb = [table(attributes[:, i]) for i, table in enumerate(self.embeds)]
        return self.style(torch.cat([z, *emb], dim=1))

    def forward(self, z: torch.Tensor, attributes: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.synthesis(self.map_conditional(z, attributes))

    def config(self) -> dict[str, object]:
        """Constructor arguments, saved beside the weights."""
        return {"size": self.size, "latent_dim": self.latent_dim, "attribute_sizes": self.attribute_sizes,
                "style_dim": self.style_dim, "n_mlp": len(self.style) - 1,
                "channels": {str(k): v for k, v in self.channels.items()}, "embed_dim": self.embed_dim,
                "lr_mlp": self.lr_mlp}
