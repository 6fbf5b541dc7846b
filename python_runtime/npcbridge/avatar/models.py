"""Avatar models behind one interface: the built-in conditional generator and a
studio's own StyleGAN2 (rosinality ``g_ema``). Each turns a batch of jobs into
finished avatars in one forward pass."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from PIL import Image

from npcbridge.avatar.attributes import ATTRIBUTES, attribute_indices, colors_for
from npcbridge.avatar.checkpoint import (
    builtin_path,
    load_any_generator,
    load_generator,
    load_rosinality,
)
from npcbridge.avatar.decoder import PortraitDecoder
from npcbridge.avatar.expressions import EXPRESSIONS, expression_weights, posed
from npcbridge.avatar.generator import ConditionalGenerator, StyleGenerator
from npcbridge.avatar.shape import morph_targets, shape_from_latent

BUILTIN = "builtin"


@dataclass(frozen=True)
class AvatarJob:
    """One portrait to make: fully resolved, so it is a pure function of these fields."""

    seed: int
    attributes: tuple[tuple[str, str], ...] = ()
    truncation: float = 1.0
    expression: str = "neutral"


@dataclass
class AvatarResult:
    """A finished avatar (transport turns it into the ``Avatar`` message)."""

    id: str
    seed: int
    latent: list[float]
    png: bytes
    width: int
    height: int
    attributes: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)
    morph_targets: dict[str, float] = field(default_factory=dict)
    expression: str = "neutral"


class AvatarModel(Protocol):
    name: str
    size: int
    default_truncation: float
    device: torch.device
    dtype: torch.dtype

    @property
    def attributes(self) -> dict[str, tuple[str, ...]]: ...

    @property
    def expressions(self) -> tuple[str, ...]:
        """The expressions it renders; empty when it renders only a neutral face."""
        ...

    def generate(self, jobs: list[AvatarJob]) -> list[AvatarResult]: ...


def encode_png(image: np.ndarray) -> bytes:
    """``(H, W, 3)`` uint8 -> PNG bytes; no metadata, so the bytes depend only on the pixels."""
    buf = io.BytesIO()
    Image.fromarray(image, "RGB").save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """``(B, 3, S, S)`` in [-1, 1] -> ``(B, S, S, 3)`` uint8."""
    x = images.float().clamp(-1.0, 1.0).add(1.0).mul(127.5).round()
    return x.to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def fixed_size_passes(fn: Callable[..., torch.Tensor], inputs: list[torch.Tensor], pass_size: int) -> torch.Tensor:
    """Run ``fn`` over the rows of ``inputs`` in passes of exactly ``pass_size``
    rows, padding the last pass with copies of row 0.

    Why: CPU kernels pick different blockings for different batch sizes, so a
    portrait computed alone and in a batch of 16 differ in the last float bits,
    and a few pixels round differently. With one fixed pass shape a row's result
    depends only on that row (not on its position or its neighbours), so the
    same request gives byte-identical PNGs whatever else is in flight.
    """
    n = inputs[0].shape[0]
    outs = []
    for start in range(0, n, pass_size):
        rows = [t[start:start + pass_size] for t in inputs]
        pad = pass_size - rows[0].shape[0]
        if pad:
            rows = [torch.cat([r, r[:1].expand(pad, *r.shape[1:])]) for r in rows]
        outs.append(fn(*rows)[:pass_size - pad])
    return torch.cat(outs)


def seeded_normal(seed: int, dim: int) -> torch.Tensor:
    """The latent of a seed: the same on every machine (drawn on CPU)."""
    return torch.randn(dim, generator=torch.Generator().manual_seed(seed))


def avatar_id(model: str, job: AvatarJob) -> str:
    """Stable id: same model, seed, attributes, truncation and expression give the same id."""
    key = json.dumps([model, job.seed, sorted(job.attributes), round(job.truncation, 6), job.expression])
    return "av_" + hashlib.sha256(key.encode()).hexdigest()[:20]


class BuiltinAvatarModel:
    """The built-in generator: the portrait decoder trained adversarially with expressions
    (``npcbridge avatar train``), or an earlier StyleGAN2-style one trained by reconstruction
    (neutral faces only).

    Truncation scales ``z`` toward zero (the average face): ``z`` entries are
    named face parameters, so this is the same as pulling every parameter
    toward its middle.
    """

    default_truncation = 0.8

    def __init__(self, gen: ConditionalGenerator | PortraitDecoder, device: torch.device, dtype: torch.dtype,
                 pass_size: int = 16) -> None:
        self.gen = gen.to(device=device, dtype=dtype)
        self.device, self.dtype, self.pass_size = device, dtype, pass_size
        self.size = gen.size
        self.name = f"npcbridge-portraits-{gen.size}"
        # A generator trained with expressions takes the expression's index as one more label.
        self._expressions = EXPRESSIONS if len(gen.attribute_sizes) == len(ATTRIBUTES) + 1 else ()

    @classmethod
    def load(cls, path: Path | None, device: torch.device, dtype: torch.dtype,
             pass_size: int = 16) -> BuiltinAvatarModel:
        return cls(load_generator(path or builtin_path("generator.pt")), device, dtype, pass_size)

    @property
    def attributes(self) -> dict[str, tuple[str, ...]]:
        return ATTRIBUTES

    @property
    def expressions(self) -> tuple[str, ...]:
        return self._expressions

    @torch.inference_mode()
    def generate(self, jobs: list[AvatarJob]) -> list[AvatarResult]:
        z = torch.stack([seeded_normal(j.seed, self.gen.latent_dim) * j.truncation for j in jobs])
        attrs = [dict(j.attributes) for j in jobs]
        rows = [attribute_indices(a) + ([EXPRESSIONS.index(j.expression)] if self._expressions else [])
                for a, j in zip(attrs, jobs, strict=True)]
        idx = torch.tensor(rows, dtype=torch.long)
        images = to_uint8(fixed_size_passes(self.gen, [z.to(self.device, self.dtype), idx.to(self.device)],
                                            self.pass_size))
        results = []
        for job, latent, a, image in zip(jobs, z.tolist(), attrs, images, strict=True):
            shape = shape_from_latent(latent)
            if self._expressions:
                shape = posed(shape, job.expression)
            results.append(AvatarResult(
                id=avatar_id(self.name, job), seed=job.seed, latent=latent, png=encode_png(image),
                width=self.size, height=self.size, attributes=a, colors=colors_for(a),
                morph_targets={**morph_targets(shape, a), **expression_weights(job.expression)},
                expression=job.expression))
        return results


class StudioAvatarModel:
    """A studio's unconditional StyleGAN2 (rosinality layout): no attributes,
    so the spec carries only what the image itself gives."""

    default_truncation = 0.7

    def __init__(self, gen: StyleGenerator, name: str, device: torch.device, dtype: torch.dtype,
                 pass_size: int = 16) -> None:
        self.gen = gen.to(device=device, dtype=dtype)
        self.device, self.dtype, self.pass_size = device, dtype, pass_size
        self.name = name
        self.size = gen.size
        self.w_avg = gen.mean_latent()

    @classmethod
    def load(cls, path: Path, device: torch.device, dtype: torch.dtype, pass_size: int = 16) -> StudioAvatarModel:
        return cls(load_rosinality(path), path.stem, device, dtype, pass_size)

    @property
    def attributes(self) -> dict[str, tuple[str, ...]]:
        return {}

    @property
    def expressions(self) -> tuple[str, ...]:
        return ()

    @torch.inference_mode()
    def generate(self, jobs: list[AvatarJob]) -> list[AvatarResult]:
        z = torch.stack([seeded_normal(j.seed, self.gen.style_dim) for j in jobs]).to(self.device, self.dtype)
        psi = torch.tensor([j.truncation for j in jobs], device=self.device, dtype=self.dtype)[:, None]

        def run(z: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
            w = self.gen.map(z)
            return self.gen.synthesis(self.w_avg + psi * (w - self.w_avg))

        images = to_uint8(fixed_size_passes(run, [z, psi], self.pass_size))
        return [AvatarResult(id=avatar_id(self.name, job), seed=job.seed, latent=latent, png=encode_png(image),
                             width=self.size, height=self.size)
                for job, latent, image in zip(jobs, z.float().tolist(), images, strict=True)]


def load_avatar_model(source: str, device: torch.device, dtype: torch.dtype, pass_size: int = 16) -> AvatarModel:
    """``builtin`` (the shipped checkpoint), a built-in-format ``.pt`` file, or a
    stylegan2-pytorch checkpoint."""
    if source == BUILTIN:
        return BuiltinAvatarModel.load(None, device, dtype, pass_size)
    path = Path(source).expanduser()
    gen = load_any_generator(path)
    if isinstance(gen, (ConditionalGenerator, PortraitDecoder)):
        return BuiltinAvatarModel(gen, device, dtype, pass_size)
    return StudioAvatarModel(gen, path.stem, device, dtype, pass_size)
