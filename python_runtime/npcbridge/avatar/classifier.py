"""An attribute classifier for portraits: a small CNN with one head per
attribute, trained on rendered portraits. It measures how well generated
portraits honour the attributes they were asked for."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class AttributeClassifier(nn.Module):
    """Images ``(B, 3, S, S)`` in [-1, 1] -> one logit vector per attribute."""

    def __init__(self, attribute_sizes: Sequence[int], width: int = 32) -> None:
        super().__init__()
        self.attribute_sizes = list(attribute_sizes)
        self.width = width
        chans = [3, width, width * 2, width * 4, width * 4]
        blocks: list[nn.Module] = []
        for cin, cout in pairwise(chans):
            blocks += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
        self.features = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.heads = nn.ModuleList(nn.Linear(chans[-1] * 4, n) for n in attribute_sizes)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        h = self.features(images)
        return [head(h) for head in self.heads]

    def loss(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return sum(F.cross_entropy(logits, labels[:, i]) for i, logits in enumerate(self(images)))  # type: ignore[return-value]

    @torch.no_grad()
    def predict(self, images: torch.Tensor, batch: int = 256) -> np.ndarray:
        """Predicted value index per attribute, ``(B, n_attributes)``."""
        self.eval()
        out = []
        for i in range(0, len(images), batch):
            logits = self(images[i:i + batch])
            out.append(torch.stack([lg.argmax(1) for lg in logits], dim=1))
        return torch.cat(out).cpu().numpy()

    def config(self) -> dict[str, object]:
        return {"attribute_sizes": self.attribute_sizes, "width": self.width}


def to_tensor(images_uint8: np.ndarray) -> torch.Tensor:
    """``(B, S, S, 3)`` uint8 -> ``(B, 3, S, S)`` float in [-1, 1]."""
    return torch.from_numpy(images_uint8).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def per_attribute_accuracy(predicted: np.ndarray, labels: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """Share of exact matches per attribute column."""
    return {name: float((predicted[:, i] == labels[:, i]).mean()) for i, name in enumerate(names)}
