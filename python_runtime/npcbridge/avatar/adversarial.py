"""Adversarial training of the avatar generator, as StyleGAN2 trains (non-saturating logistic
loss, lazy R1 penalty on real images, an EMA of the generator's weights), with a
discriminator conditioned on the attributes and the expression by projection.

The renderer gives every training portrait with the exact labels and face latent that made
it, so the generator also gets a paired reconstruction term — only as a helper that puts
layout in place early; the adversarial term is what keeps edges and small features (pupils,
tusks, earrings) sharp where reconstruction alone averages them into blur. A label guide
(``guide.py``) adds classification and perceptual terms, so eye colour and expressions show.
Long runs write a checkpoint of the EMA generator every ``checkpoint_every`` steps and stop
cleanly on Ctrl+C.
"""

from __future__ import annotations

import copy
import json
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
from npcbridge.avatar.decoder import PortraitDecoder
from npcbridge.avatar.expressions import EXPRESSIONS
from npcbridge.avatar.guide import GuideLoss, load_or_train_guide
from npcbridge.avatar.quality import laplacian_variance
from npcbridge.avatar.render import render_portrait
from npcbridge.avatar.shape import LATENT_DIM, shape_from_latent
from npcbridge.avatar.training import ATTRIBUTE_SIZES, Dataset, _reconstruction_loss, sample_labels

#: One label column per attribute, then the expression's index in EXPRESSIONS.
LABEL_SIZES = [*ATTRIBUTE_SIZES, len(EXPRESSIONS)]


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


def sharp_reconstruction(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """The paired helper term: L1 on pixels and at half resolution, plus L1 on horizontal and
    vertical differences, which charges a soft edge as much as a misplaced one (plain L1 is
    satisfied by blur when it is unsure where an edge goes)."""
    def diffs(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]
    (fy, fx), (ry, rx) = diffs(fake), diffs(real)
    return _reconstruction_loss(fake, real) + F.l1_loss(fy, ry) + F.l1_loss(fx, rx)


def warm_start(gen: torch.nn.Module, earlier: torch.nn.Module) -> int:
    """Copy every weight of ``earlier`` whose name and shape ``gen`` shares (an earlier run's
    checkpoint seeds a new run); returns how many tensors were copied."""
    mine, theirs = gen.state_dict(), earlier.state_dict()
    shared = {k: v for k, v in theirs.items() if k in mine and mine[k].shape == v.shape}
    gen.load_state_dict({**mine, **shared})
    return len(shared)


TRAINING_IMAGES = 12_000  # rendered portraits of the shipped run


@dataclass
class AdversarialConfig:
    """The shipped generator's settings are the defaults (the run of sessions 12 to 14)."""

    steps: int = 17_533  # session 14 stopped the run here (Ctrl+C), with every goal met
    batch: int = 8
    lr: float = 1e-3
    r1_gamma: float = 1.0  # StyleGAN2's heuristic 0.0002 * res^2 / batch is ~0.2 at 128 px; 1.0 is safer on CPU batches
    r1_every: int = 16  # lazy regularisation
    ema_beta: float = 0.999
    reconstruction: float = 10.0  # weight of the paired helper term
    checkpoint_every: int = 250
    warmup: int = 5_000  # first steps by the helper term alone (no discriminator): layout before detail
    # The label guide's terms (guide.py) join at ``guide_from``: session 13 added them to the
    # run session 12 had taken to step 7000, when eye colour and expression were at chance.
    guide: float = 0.2  # weight of the guide's classification term (a sum over 8 heads: ~20 at step 7000)
    perceptual: float = 2.0  # weight of the guide's perceptual term (~0.7 at step 7000)
    guide_from: int = 7_000


def _adversarial_step(gen: PortraitDecoder, disc: ProjectionDiscriminator, opt_g: torch.optim.Optimizer,
                      opt_d: torch.optim.Optimizer, real: torch.Tensor, labels: torch.Tensor, z: torch.Tensor,
                      step: int, config: AdversarialConfig,
                      guide: GuideLoss | None = None) -> tuple[torch.Tensor, ...]:
    """One discriminator step (with lazy R1 every ``r1_every``), then one generator step (with
    the label guide's terms once ``guide_from`` is reached)."""
    # Discriminator: real portraits with their labels up, generated ones down.
    with torch.no_grad():
        fake = gen(z, labels)
    d_loss = F.softplus(disc(fake, labels)).mean() + F.softplus(-disc(real, labels)).mean()
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    if step % config.r1_every == 0:
        real = real.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(disc(real, labels).sum(), real, create_graph=True)
        r1 = grad.square().sum((1, 2, 3)).mean()
        opt_d.zero_grad(set_to_none=True)
        (config.r1_gamma / 2 * r1 * config.r1_every).backward()
        opt_d.step()
    # Generator: fool the discriminator, with the paired reconstruction as a helper.
    fake = gen(z, labels)
    g_adv = F.softplus(-disc(fake, labels)).mean()
    rec = sharp_reconstruction(fake, real.detach())
    loss, classification = g_adv + config.reconstruction * rec, torch.zeros(())
    if guide is not None and step >= config.guide_from:
        classification, perceptual = guide(fake, real.detach(), labels)
        loss = loss + config.guide * classification + config.perceptual * perceptual
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()
    return d_loss, g_adv, rec, classification, fake


def _save_state(path: Path, step: int, modules: dict[str, torch.nn.Module | torch.optim.Optimizer],
                rng: np.random.Generator) -> None:
    state = {name: m.state_dict() for name, m in modules.items()}
    state.update(step=step, rng=json.dumps(rng.bit_generator.state), torch_rng=torch.get_rng_state())
    torch.save(state, path.with_name(path.name + ".tmp"))
    path.with_name(path.name + ".tmp").replace(path)  # never a half-written state after a kill


def _load_state(path: Path, modules: dict[str, torch.nn.Module | torch.optim.Optimizer],
                rng: np.random.Generator) -> int:
    state = torch.load(path, map_location="cpu", weights_only=True)
    for name, m in modules.items():
        m.load_state_dict(state[name])
    rng.bit_generator.state = json.loads(state["rng"])
    torch.set_rng_state(state["torch_rng"])
    return int(state["step"])


def train_adversarial(data: Dataset, config: AdversarialConfig, seed: int, out: Path | None = None,
                      log: Callable[[str], None] = print,
                      init: torch.nn.Module | None = None, guide: GuideLoss | None = None) -> PortraitDecoder:
    """Train on ``data``; returns the EMA generator (eval mode). With ``out``, the EMA generator
    is saved there every ``checkpoint_every`` steps and when training ends or is interrupted,
    beside the whole training state (``out`` + ``.state``: both networks, optimisers, RNGs);
    when that state exists, training resumes from it — on 2 CPU cores a run spans sessions.
    ``init`` seeds the weights it shares (see :func:`warm_start`); ``guide`` adds the label
    guide's terms (see ``guide.py``)."""
    torch.manual_seed(seed)
    size = data.images.shape[1]
    gen = PortraitDecoder(size, LATENT_DIM, LABEL_SIZES)
    if init is not None:
        log(f"warm start: {warm_start(gen, init)} tensors from the earlier generator")
    ema = copy.deepcopy(gen).eval().requires_grad_(False)
    disc = ProjectionDiscriminator(size, LABEL_SIZES)
    # The decoder has plain layers (no equalised learning rate), so it gets DCGAN's momentum
    # rather than StyleGAN2's beta1 = 0, which diverged at this learning rate.
    opt_g = torch.optim.Adam(gen.parameters(), lr=config.lr, betas=(0.5, 0.99))
    r1_ratio = config.r1_every / (config.r1_every + 1)  # StyleGAN2's lazy-regularisation correction
    opt_d = torch.optim.Adam(disc.parameters(), lr=config.lr * r1_ratio, betas=(0.0, 0.99 ** r1_ratio))
    rng = np.random.default_rng(seed)
    modules = {"gen": gen, "ema": ema, "disc": disc, "opt_g": opt_g, "opt_d": opt_d}
    state_path = None if out is None else out.with_name(out.name + ".state")
    first = 1
    if state_path is not None and state_path.is_file():
        first = _load_state(state_path, modules, rng) + 1
        log(f"resuming at step {first} from {state_path}")
    started = time.perf_counter()
    step = first - 1
    try:
        for step in range(first, config.steps + 1):
            idx = rng.integers(0, len(data.images), config.batch)
            real = to_tensor(data.images[idx])
            labels = torch.from_numpy(data.labels[idx])
            z = torch.from_numpy(data.latents[idx])
            if step <= config.warmup:
                fake = gen(z, labels)
                rec = sharp_reconstruction(fake, real)
                opt_g.zero_grad(set_to_none=True)
                (config.reconstruction * rec).backward()
                opt_g.step()
                d_loss = g_adv = classification = torch.zeros(())
            else:
                d_loss, g_adv, rec, classification, fake = _adversarial_step(gen, disc, opt_g, opt_d, real, labels, z, step, config,
                                                             guide)
            # The EMA warms up (its decay grows with the step), so early checkpoints are not
            # mostly the initial weights.
            beta = min(config.ema_beta, (1 + step) / (10 + step))
            with torch.no_grad():
                for p_ema, p in zip(ema.parameters(), gen.parameters(), strict=True):
                    p_ema.lerp_(p, 1.0 - beta)
            if step % 50 == 0 or step == config.steps:
                sharp = laplacian_variance(fake.detach()) / max(laplacian_variance(real.detach()), 1e-6)
                log(f"adversarial step {step}/{config.steps}  D {d_loss.item():.3f}  G {g_adv.item():.3f}  "
                    f"rec {rec.item():.4f}  guide {classification.item():.3f}  sharpness {sharp:.2f}x  "
                    f"{time.perf_counter() - started:.0f}s")
            if out is not None and state_path is not None and step % config.checkpoint_every == 0:
                save_generator(ema, out)
                _save_state(state_path, step, modules, rng)
    except KeyboardInterrupt:
        log(f"stopped at step {step}; keeping the EMA generator")
    if out is not None and state_path is not None and step >= first:
        save_generator(ema, out)
        _save_state(state_path, step, modules, rng)
    return ema


def train_recipe(out: Path, *, images: int = TRAINING_IMAGES, config: AdversarialConfig | None = None, seed: int = 0,
                 size: int = 128, workers: int = 2, init: Path | None = None,
                 log: Callable[[str], None] = print) -> PortraitDecoder:
    """The shipped generator's whole recipe: render ``images`` portraits with expressions
    (reproducible from ``seed``), then train (see :func:`train_adversarial`) into ``out``."""
    from npcbridge.avatar.checkpoint import load_generator

    started = time.perf_counter()
    log(f"rendering {images} portraits at {size}px with expressions")
    data = render_expression_dataset(images, seed * 1_000_003, size, workers)
    log(f"rendered in {time.perf_counter() - started:.0f}s")
    config = config or AdversarialConfig()
    guide = None
    if config.guide > 0 or config.perceptual > 0:
        guide = GuideLoss(load_or_train_guide(out, data, list(LABEL_SIZES), seed, log=log))
    gen = train_adversarial(data, config, seed, out=out, log=log,
                            init=None if init is None else load_generator(init), guide=guide)
    log(f"done in {time.perf_counter() - started:.0f}s; EMA generator at {out}")
    return gen
