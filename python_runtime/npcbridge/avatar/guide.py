"""The label guide: helper terms of the generator's adversarial training for the features that
are small on the face (eye colour, the mouth and brows of an expression, earrings).

Reconstruction charges a wrong iris colour a few pixels' error, and a discriminator that
projects eight labels onto one feature vector gives it little more, so a generator trained by
those two alone draws faces whose eyes and expressions are at chance (session 12: eye colour
0.20, expression 0.15). The guide is a frozen attribute + expression classifier trained on the
generator's own training renders, and gives two terms:

- *classification* (AC-GAN's auxiliary term): the cross-entropy of the guide on generated
  portraits against the labels they were asked for;
- *perceptual*: L1 between the guide's feature maps of a generated portrait and of the paired
  render (the renderer gives every training portrait's exact latent), the way LPIPS compares
  images in a trained network's features instead of in pixels.

The guide never sees the evaluation's seeds and is not the classifier ``eval avatars``
measures with (that one is trained on separate renders, ``portrait_classifier.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from npcbridge.avatar.checkpoint import load_classifier, save_classifier
from npcbridge.avatar.classifier import AttributeClassifier
from npcbridge.avatar.quality import at_classifier_size
from npcbridge.avatar.training import Dataset, pooled, train_classifier

GUIDE_EPOCHS = 8


def guide_path(out: Path) -> Path:
    """Where a training run keeps its guide (beside the generator, like its ``.state``)."""
    return out.with_name(out.name + ".guide")


def train_guide(data: Dataset, label_sizes: list[int], seed: int, epochs: int = GUIDE_EPOCHS,
                log: Callable[[str], None] = print) -> AttributeClassifier:
    """A classifier of every label column trained on ``data`` (pooled to the classifier size)."""
    log(f"training the label guide on {len(data.images)} training renders ({epochs} epochs)")
    return train_classifier(pooled(data), epochs, 64, seed=seed + 1, log=log, label_sizes=label_sizes)


def load_or_train_guide(out: Path | None, data: Dataset, label_sizes: list[int], seed: int,
                        log: Callable[[str], None] = print) -> AttributeClassifier:
    """The run's guide from beside ``out`` when a resumed run made it already, else trained
    (and saved there)."""
    path = None if out is None else guide_path(out)
    if path is not None and path.is_file():
        log(f"label guide from {path}")
        return load_classifier(path)
    guide = train_guide(data, label_sizes, seed, log=log)
    if path is not None:
        save_classifier(guide, path)
    return guide


class GuideLoss:
    """``(fake, real, labels) -> (classification, perceptual)`` through a frozen guide."""

    def __init__(self, guide: AttributeClassifier) -> None:
        self.guide = guide.eval().requires_grad_(False)
        # The feature maps after each conv block's activation (before its pooling).
        self.taps = [i for i, m in enumerate(self.guide.features) if isinstance(m, torch.nn.ReLU)]

    def _features(self, images: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        x, maps = at_classifier_size(images), []
        for i, layer in enumerate(self.guide.features):
            x = layer(x)
            if i in self.taps:
                maps.append(x)
        return maps, x

    def __call__(self, fake: torch.Tensor, real: torch.Tensor,
                 labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        fake_maps, pooled = self._features(fake)
        classification = sum(F.cross_entropy(head(pooled), labels[:, i])
                             for i, head in enumerate(self.guide.heads))
        with torch.no_grad():
            real_maps, _ = self._features(real)
        perceptual = sum(F.l1_loss(f, r) for f, r in zip(fake_maps, real_maps, strict=True))
        return classification, perceptual  # type: ignore[return-value]
