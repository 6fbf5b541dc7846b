"""Training data and helpers for the built-in avatar models: the labelled portraits the
procedural renderer makes (every one a deterministic function of its attributes and of the
latent ``z`` that set its face parameters, reproducible from a seed), the paired
reconstruction loss, and the classifier trainer. The generator's adversarial training is in
``adversarial.py``; the portrait classifier that measures it is in ``portrait_classifier.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from npcbridge.avatar.attributes import (
    ATTRIBUTE_NAMES,
    ATTRIBUTES,
    attribute_indices,
    complete_attributes,
)
from npcbridge.avatar.classifier import AttributeClassifier, to_tensor
from npcbridge.avatar.quality import at_classifier_size
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


def pooled(data: Dataset) -> Dataset:
    """``data`` with its images average-pooled to the classifiers' size (still uint8)."""
    small = at_classifier_size(to_tensor(data.images))
    if small.shape[-1] == data.images.shape[1]:
        return data
    images = small.add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return Dataset(np.ascontiguousarray(images), data.labels, data.latents)


def _reconstruction_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    # L1 at full and half resolution: the coarse term pulls layout into place
    # early, the fine term sharpens edges.
    return F.l1_loss(fake, real) + F.l1_loss(F.avg_pool2d(fake, 2), F.avg_pool2d(real, 2))


def soften(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of ``sigma`` pixels (no-op below 0.2)."""
    if sigma < 0.2:
        return images
    x = torch.arange(7, dtype=images.dtype) - 3
    k = torch.exp(-x * x / (2 * sigma * sigma))
    k = (k[:, None] * k[None, :]) / k.sum() ** 2
    return F.conv2d(F.pad(images, [3, 3, 3, 3], mode="replicate"), k.expand(3, 1, 7, 7).contiguous(), groups=3)


def train_classifier(data: Dataset, epochs: int, batch: int, seed: int,
                     log: Callable[[str], None] = print,
                     label_sizes: list[int] | None = None) -> AttributeClassifier:
    """Fit the attribute classifier on rendered portraits; returns it in eval mode.

    Batches are softened by a random blur of up to 1.5 px: the classifier is a
    measuring instrument for *attributes*, and should not call a slightly soft
    elf "not an elf" (a sharp-only classifier loses most of its accuracy at
    1.5 px of blur even on rendered portraits). ``label_sizes`` gives one head per label
    column (the attributes by default; the portrait classifier adds the expression)."""
    torch.manual_seed(seed)
    clf = AttributeClassifier(label_sizes or ATTRIBUTE_SIZES)
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
