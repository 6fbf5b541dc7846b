"""Train the built-in avatar model: render a labelled dataset, fit the
conditional StyleGAN2 generator to it, fit the attribute classifier, and
measure the generator with the classifier.

The generator is trained by reconstruction rather than adversarially: every
rendered portrait is a deterministic function of its attributes and of the
latent ``z`` that set its face parameters, so ``G(z, attributes)`` can be
regressed onto it directly. That converges in minutes on a laptop CPU, where a
GAN would need hours, and it makes the latent meaningful (each entry is one
named face parameter). Everything is seeded, so a run is reproducible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from npcbridge.avatar.attributes import (
    ATTRIBUTE_NAMES,
    ATTRIBUTES,
    attribute_indices,
    complete_attributes,
)
from npcbridge.avatar.checkpoint import (
    load_classifier,
    load_generator,
    save_classifier,
    save_generator,
)
from npcbridge.avatar.classifier import (
    AttributeClassifier,
    per_attribute_accuracy,
    to_tensor,
)
from npcbridge.avatar.generator import ConditionalGenerator
from npcbridge.avatar.render import render_portrait
from npcbridge.avatar.shape import LATENT_DIM, shape_from_latent

ATTRIBUTE_SIZES = [len(ATTRIBUTES[name]) for name in ATTRIBUTE_NAMES]


@dataclass
class Dataset:
    """Rendered portraits with their labels and latents."""

    images: np.ndarray  # (N, S, S, 3) uint8
    labels: np.ndarray  # (N, n_attributes) int64
    latents: np.ndarray  # (N, LATENT_DIM) float32


def sample_labels(seed: int) -> tuple[dict[str, str], np.ndarray]:
    """Uniform attributes (so every combination is seen) and a standard-normal latent."""
    rng = np.random.default_rng(seed)
    attrs = {name: values[int(rng.integers(len(values)))] for name, values in ATTRIBUTES.items()}
    return complete_attributes(attrs, seed), rng.standard_normal(LATENT_DIM).astype(np.float32)


def _render_range(args: tuple[int, int, int]) -> Dataset:
    start, stop, size = args
    images, labels, latents = [], [], []
    for seed in range(start, stop):
        attrs, z = sample_labels(seed)
        images.append(render_portrait(attrs, shape_from_latent(z), size))
        labels.append(attribute_indices(attrs))
        latents.append(z)
    return Dataset(np.stack(images), np.asarray(labels, dtype=np.int64), np.stack(latents))


def render_dataset(n: int, seed: int, size: int, workers: int = 2) -> Dataset:
    """Render ``n`` portraits from seeds ``seed .. seed+n-1`` (the same whatever ``workers``)."""
    chunks = [(s, min(s + 1000, seed + n), size) for s in range(seed, seed + n, 1000)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_render_range, chunks))
    else:
        parts = [_render_range(c) for c in chunks]
    return Dataset(np.concatenate([p.images for p in parts]), np.concatenate([p.labels for p in parts]),
                   np.concatenate([p.latents for p in parts]))


def _reconstruction_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    # L1 at full and half resolution: the coarse term pulls layout into place
    # early, the fine term sharpens edges.
    return F.l1_loss(fake, real) + F.l1_loss(F.avg_pool2d(fake, 2), F.avg_pool2d(real, 2))


def train_generator(data: Dataset, steps: int, batch: int, seed: int, lr: float = 2e-3,
                    log: Callable[[str], None] = print,
                    init: ConditionalGenerator | None = None) -> ConditionalGenerator:
    """Fit the generator to ``data`` by reconstruction; returns it in eval mode.
    ``init`` continues training an earlier generator (a second stage)."""
    torch.manual_seed(seed)
    size = data.images.shape[1]
    gen = init.train() if init is not None else ConditionalGenerator(
        size, LATENT_DIM, ATTRIBUTE_SIZES, channels={4: 128, 8: 128, 16: 64, 32: 32, 64: 16, 128: 8})
    # The fixed per-layer noise images are zeroed: this model's detail comes
    # from the renderer's shapes, not stochastic texture, and zero noise keeps
    # outputs a pure function of (z, attributes).
    for _, buf in gen.noises.named_buffers():
        buf.zero_()
    opt = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.03,
                                                cycle_momentum=False)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for step in range(1, steps + 1):
        idx = rng.integers(0, len(data.images), batch)
        real = to_tensor(data.images[idx])
        fake = gen(torch.from_numpy(data.latents[idx]), torch.from_numpy(data.labels[idx]))
        loss = _reconstruction_loss(fake, real)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps:
            log(f"generator step {step}/{steps}  loss {loss.item():.4f}  {time.perf_counter() - started:.0f}s")
    return gen.eval()


def soften(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of ``sigma`` pixels (no-op below 0.2)."""
    if sigma < 0.2:
        return images
    x = torch.arange(7, dtype=images.dtype) - 3
    k = torch.exp(-x * x / (2 * sigma * sigma))
    k = (k[:, None] * k[None, :]) / k.sum() ** 2
    return F.conv2d(F.pad(images, [3, 3, 3, 3], mode="replicate"), k.expand(3, 1, 7, 7).contiguous(), groups=3)


def train_classifier(data: Dataset, epochs: int, batch: int, seed: int,
                     log: Callable[[str], None] = print) -> AttributeClassifier:
    """Fit the attribute classifier on rendered portraits; returns it in eval mode.

    Batches are softened by a random blur of up to 1.5 px: the classifier is a
    measuring instrument for *attributes*, and should not call a slightly soft
    elf "not an elf" (a sharp-only classifier loses most of its accuracy at
    1.5 px of blur even on rendered portraits)."""
    torch.manual_seed(seed)
    clf = AttributeClassifier(ATTRIBUTE_SIZES)
    opt = torch.optim.Adam(clf.parameters(), lr=2e-3)
    images, labels = to_tensor(data.images), torch.from_numpy(data.labels)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        clf.train()
        order = rng.permutation(len(images))
        total = 0.0
        for i in range(0, len(order), batch):
            idx = torch.from_numpy(order[i:i + batch])
            loss = clf.loss(soften(images[idx], float(rng.uniform(0.0, 1.5))), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        log(f"classifier epoch {epoch + 1}/{epochs}  loss {total / len(order):.4f}")
    return clf.eval()


@torch.no_grad()
def generated_accuracy(gen: ConditionalGenerator, clf: AttributeClassifier, data: Dataset) -> dict[str, float]:
    """Classifier accuracy on portraits generated for ``data``'s labels and latents
    (compare with :func:`rendered_accuracy` on the same labels)."""
    images = torch.cat([gen(torch.from_numpy(data.latents[i:i + 128]), torch.from_numpy(data.labels[i:i + 128]))
                        for i in range(0, len(data.labels), 128)]).clamp(-1, 1)
    return per_attribute_accuracy(clf.predict(images), data.labels, ATTRIBUTE_NAMES)


def rendered_accuracy(clf: AttributeClassifier, data: Dataset) -> dict[str, float]:
    """Classifier accuracy on held-out rendered portraits (its own ceiling)."""
    return per_attribute_accuracy(clf.predict(to_tensor(data.images)), data.labels, ATTRIBUTE_NAMES)


def train_all(out_dir: Path, *, images: int = 24_000, steps: int = 5_000, batch: int = 16, size: int = 64,
              classifier_epochs: int = 4, seed: int = 0, workers: int = 2, lr: float = 2e-3,
              init_from: Path | None = None, log: Callable[[str], None] = print) -> dict[str, dict[str, float]]:
    """The whole recipe; writes ``generator.pt`` and ``attribute_classifier.pt`` to ``out_dir``
    and returns the classifier's accuracies (rendered held-out vs generated).

    With ``init_from`` (an earlier ``generator.pt``) the generator trains on from
    there and an existing ``attribute_classifier.pt`` in ``out_dir`` is reused.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    log(f"rendering {images} portraits at {size}px")
    train = render_dataset(images, seed * 1_000_003, size, workers)
    held_out = render_dataset(1_000, 10**9 + seed, size, workers)  # evaluate.HELD_OUT_SEED for seed 0
    init = load_generator(init_from) if init_from is not None else None
    gen = train_generator(train, steps, batch, seed, lr=lr, log=log, init=init)
    save_generator(gen, out_dir / "generator.pt")
    if init_from is not None and (out_dir / "attribute_classifier.pt").is_file():
        clf = load_classifier(out_dir / "attribute_classifier.pt")
    else:
        clf = train_classifier(train, classifier_epochs, 64, seed, log=log)
        save_classifier(clf, out_dir / "attribute_classifier.pt")
    return _report(gen, clf, held_out, log)


def train_classifier_only(out_dir: Path, *, images: int = 24_000, size: int = 64, epochs: int = 4, seed: int = 0,
                          workers: int = 2, log: Callable[[str], None] = print) -> dict[str, dict[str, float]]:
    """Retrain only ``attribute_classifier.pt`` in ``out_dir`` and measure ``generator.pt`` with it."""
    train = render_dataset(images, seed * 1_000_003, size, workers)
    held_out = render_dataset(1_000, 10**9 + seed, size, workers)
    clf = train_classifier(train, epochs, 64, seed, log=log)
    save_classifier(clf, out_dir / "attribute_classifier.pt")
    return _report(load_generator(out_dir / "generator.pt"), clf, held_out, log)


def _report(gen: ConditionalGenerator, clf: AttributeClassifier, held_out: Dataset,
            log: Callable[[str], None]) -> dict[str, dict[str, float]]:
    report = {"rendered": rendered_accuracy(clf, held_out), "generated": generated_accuracy(gen, clf, held_out)}
    for kind, accs in report.items():
        log(f"{kind:>9}: " + "  ".join(f"{k} {v:.3f}" for k, v in accs.items()))
    return report
