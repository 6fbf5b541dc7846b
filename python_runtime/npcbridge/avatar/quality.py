"""Measures of portrait quality for ``npcbridge eval avatars``: sharpness (variance of the
Laplacian), realism (KID on the portrait classifier's penultimate features — no hub weights
are reachable for Inception, and this classifier was trained on the renders it compares
against), identity kept across expressions, and batched throughput.

All functions take images as ``(B, 3, S, S)`` tensors in [-1, 1].
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from npcbridge.avatar.classifier import AttributeClassifier

#: The portrait classifier looks at 64 px: 128 px portraits are average-pooled to it, so old
#: (64 px) and new (128 px) generators and the renders are all judged at one scale.
CLASSIFIER_SIZE = 64


def at_classifier_size(images: torch.Tensor) -> torch.Tensor:
    """Average-pool ``images`` down to :data:`CLASSIFIER_SIZE`."""
    factor = images.shape[-1] // CLASSIFIER_SIZE
    return F.avg_pool2d(images, factor) if factor > 1 else images


def laplacian_variance(images: torch.Tensor) -> float:
    """Mean over images of the variance of the 4-neighbour Laplacian of the grey image in
    0-255 units (the usual focus measure: blur lowers it, crisp edges raise it)."""
    grey = images.clamp(-1, 1).add(1).mul(127.5).mean(1, keepdim=True)
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], dtype=grey.dtype)
    return float(F.conv2d(grey, kernel[None, None]).flatten(1).var(1).mean())


@torch.no_grad()
def penultimate_features(clf: AttributeClassifier, images: torch.Tensor, batch: int = 256) -> torch.Tensor:
    """The classifier's feature vector (before its heads) per image, at the classifier's size."""
    clf.eval()
    return torch.cat([clf.features(at_classifier_size(images[i:i + batch])) for i in range(0, len(images), batch)])


def kernel_inception_distance(a: torch.Tensor, b: torch.Tensor, subsets: int = 20, subset_size: int = 200,
                              seed: int = 0) -> float:
    """KID (Bińkowski et al., 2018): the unbiased MMD² between feature sets ``a`` and ``b``
    with the cubic polynomial kernel ``(x·y / d + 1)³``, averaged over random subsets."""
    rng = np.random.default_rng(seed)
    a64, b64 = a.double(), b.double()
    d = a.shape[1]
    m = min(subset_size, len(a), len(b))
    values = []
    for _ in range(subsets):
        x = a64[torch.from_numpy(rng.choice(len(a), m, replace=False))]
        y = b64[torch.from_numpy(rng.choice(len(b), m, replace=False))]
        kxx, kyy, kxy = ((x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3)
        off = 1 - torch.eye(m, dtype=torch.float64)
        values.append(float((kxx * off).sum() / (m * (m - 1)) + (kyy * off).sum() / (m * (m - 1))
                            - 2 * kxy.mean()))
    return float(np.mean(values))


def identity_ratio(features: torch.Tensor) -> float:
    """``features`` is ``(identities, expressions, D)``: the mean distance between the
    expressions of one identity over the mean distance between identities showing the same
    expression. Well below 1 means an expression changes a face less than a new seed does."""
    n_id, n_expr, _ = features.shape
    within = torch.stack([torch.pdist(features[i]).mean() for i in range(n_id)]).mean()
    across = torch.stack([torch.pdist(features[:, e]).mean() for e in range(n_expr)]).mean()
    return float(within / across)


def portraits_per_second(generate: Callable[[int], object], count: int, repeats: int = 3) -> float:
    """Best of ``repeats`` timings of ``generate(count)`` (one warm-up first), in portraits/s."""
    generate(count)
    best = min(_timed(generate, count) for _ in range(repeats))
    return count / best


def _timed(generate: Callable[[int], object], count: int) -> float:
    started = time.perf_counter()
    generate(count)
    return time.perf_counter() - started
