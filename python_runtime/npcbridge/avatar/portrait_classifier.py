"""The portrait classifier: the measuring instrument of ``npcbridge eval avatars``. One head
per attribute plus one for the expression, trained on rendered portraits with expressions
(seeds the generator's evaluation never uses), looking at 64 px so generators of either size
are judged at one scale. Its penultimate features are also the space KID is computed in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from npcbridge.avatar.adversarial import LABEL_SIZES, render_expression_dataset
from npcbridge.avatar.checkpoint import builtin_path, load_classifier, save_classifier
from npcbridge.avatar.classifier import AttributeClassifier
from npcbridge.avatar.training import pooled, train_classifier

FILENAME = "portrait_classifier.pt"
#: Training seeds start here: far from the generator's (0..) and the evaluation's (10**9..).
TRAIN_SEED = 5 * 10**8


def train_portrait_classifier(out: Path | None = None, images: int = 8_000, epochs: int = 12, size: int = 128,
                              workers: int = 2, log: Callable[[str], None] = print) -> AttributeClassifier:
    """Render ``images`` portraits with expressions at ``size``, pool them and train; saved to
    ``out`` (the package's data folder by default)."""
    log(f"rendering {images} portraits with expressions for the portrait classifier")
    data = pooled(render_expression_dataset(images, TRAIN_SEED, size, workers))
    clf = train_classifier(data, epochs, 64, seed=0, log=log, label_sizes=list(LABEL_SIZES))
    save_classifier(clf, out or builtin_path(FILENAME))
    return clf


def load_portrait_classifier(path: Path | None = None) -> AttributeClassifier:
    """The shipped portrait classifier (or the one at ``path``)."""
    return load_classifier(path or builtin_path(FILENAME))
