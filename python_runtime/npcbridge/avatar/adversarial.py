"""Adversarial training of the avatar generator, as StyleGAN2 trains (non-saturating logistic
loss, lazy R1 penalty on real images, an EMA of the generator's weights), with a
discriminator conditioned on the attributes and the expression by projection.

The renderer gives every training portrait with the exact labels and face latent that made
it, so the generator also gets a paired reconstruction term — only as a helper that puts
layout in place early; the adversarial term is what keeps edges and small features (pupils,
tusks, earrings) sharp where reconstruction alone averages them into blur. Long runs write a
checkpoint of the EMA generator every ``checkpoint_every`` steps and stop cleanly on Ctrl+C.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from npcbridge.avatar.attributes import attribute_indices
from npcbridge.avatar.checkpoint import save_generator
from npcbridge.avatar.classifier import to_tensor
from npcbridge.avatar.discriminator import ProjectionDiscriminator
from npcbridge.avatar.expressions import EXPRESSIONS
from npcbridge.avatar.generator import ConditionalGenerator
from npcbridge.avatar.render import render_portrait
from npcbridge.avatar.shape import LATENT_DIM, shape_from_latent
from npcbridge.avatar.training import ATTRIBUTE_SIZES, Dataset, _reconstruction_loss, sample_labels

#: One label column per attribute, then the expression's index in EXPRESSIONS.
LABEL_SIZES = [*ATTRIBUTE_SIZES, len(EXPRESSIONS)]
GENERATOR_CHANNELS = {4: 128, 8: 128, 16: 96, 32: 64, 64: 32, 128: 16}


def _render_expressions(args: tuple[int, int, int]) -> Dataset:
    start, stop, size = args
    images, labels, latents = [], [], []
    for seed in range(start, stop):
        attrs, z = sample_labels(seed)
        expression = EXPRESSIONS[seed % len(EXPRESSIONS)]  # every identity draw meets every expression
        images.append(render_portrait(attrs, shape_from_latent(z), size, expression))
        labels.append([*attribute_indices(attrs), EXPRESSIONS.index(expression)])
        latents.append(z)
    return Dataset(np.stack(images), np.asarray(labels, dtype=np.int64), np.stack(latents))


def render_expression_dataset(n: int, seed: int, size: int, workers: int = 2) -> Dataset:
    """``n`` rendered portraits with expressions, reproducible from ``seed`` (whatever ``workers``)."""
    chunks = [(s, min(s + 500, seed + n), size) for s in range(seed, seed + n, 500)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_render_expressions, chunks))
    else:
        parts = [_render_expressions(c) for c in chunks]
    return Dataset(np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]),
                   np.concatenate([p.latents for p in parts]))


@dataclass
class AdversarialConfig:
    steps: int = 20_000
    batch: int = 16
    lr: float = 2e-3
    r1_gamma: float = 1.0  # StyleGAN2's heuristic 0.0002 * res^2 / batch is ~0.2 at 128 px; 1.0 is safer on CPU batches
    r1_every: int = 16  # lazy regularisation
    ema_beta: float = 0.999
    reconstruction: float = 1.0  # weight of the paired helper term
    checkpoint_every: int = 1_000


def train_adversarial(data: Dataset, config: AdversarialConfig, seed: int, out: Path | None = None,
                      log: Callable[[str], None] = print) -> ConditionalGenerator:
    """Train on ``data``; returns the EMA generator (eval mode). With ``out``, the EMA generator
    is saved there every ``checkpoint_every`` steps and when training ends or is interrupted."""
    torch.manual_seed(seed)
    size = data.images.shape[1]
    gen = ConditionalGenerator(size, LATENT_DIM, LABEL_SIZES,
                               channels={k: v for k, v in GENERATOR_CHANNELS.items() if k <= size})
    for _, buf in gen.noises.named_buffers():
        buf.zero_()  # outputs stay a pure function of (z, labels): same seed, same portrait
    ema = copy.deepcopy(gen).eval().requires_grad_(False)
    disc = ProjectionDiscriminator(size, LABEL_SIZES)
    opt_g = torch.optim.Adam(gen.parameters(), lr=config.lr, betas=(0.0, 0.99))
    r1_ratio = config.r1_every / (config.r1_every + 1)  # StyleGAN2's lazy-regularisation correction
    opt_d = torch.optim.Adam(disc.parameters(), lr=config.lr * r1_ratio, betas=(0.0, 0.99 ** r1_ratio))
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    step = 0
    try:
        for step in range(1, config.steps + 1):
            idx = rng.integers(0, len(data.images), config.batch)
            real = to_tensor(data.images[idx])
            labels = torch.from_numpy(data.labels[idx])
            z = torch.from_numpy(data.latents[idx])
            # Discriminator: real portraits with their labels up, generated ones down.
            with torch.no_grad():
                fake = gen(z, labels)
            d_loss = F.softplus(disc(fake, labels)).mean() + F.softplus(-disc(real, labels)).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            if step % config.r1_every == 0:
                real.requires_grad_(True)
                (grad,) = torch.autograd.grad(disc(real, labels).sum(), real, create_graph=True)
                r1 = grad.square().sum((1, 2, 3)).mean()
                opt_d.zero_grad(set_to_none=True)
                (config.r1_gamma / 2 * r1 * config.r1_every).backward()
                opt_d.step()
            # Generator: fool the discriminator, with the paired reconstruction as a helper.
            fake = gen(z, labels)
            g_adv = F.softplus(-disc(fake, labels)).mean()
            rec = _reconstruction_loss(fake, real.detach())
            opt_g.zero_grad(set_to_none=True)
            (g_adv + config.reconstruction * rec).backward()
            opt_g.step()
            with torch.no_grad():
                for p_ema, p in zip(ema.parameters(), gen.parameters(), strict=True):
                    p_ema.lerp_(p, 1.0 - config.ema_beta)
            if step % 50 == 0 or step == config.steps:
                log(f"adversarial step {step}/{config.steps}  D {d_loss.item():.3f}  G {g_adv.item():.3f}  "
                    f"rec {rec.item():.4f}  {time.perf_counter() - started:.0f}s")
            if out is not None and step % config.checkpoint_every == 0:
                save_generator(ema, out)
    except KeyboardInterrupt:
        log(f"stopped at step {step}; keeping the EMA generator")
    if out is not None:
        save_generator(ema, out)
    return ema
