"""``npcbridge eval avatars``: how good the built-in generator's portraits are, measured
against the procedural renders it learned from (seeds no training used), with an earlier
generator (``--baseline``) measured in the same run:

- attribute and expression accuracy by the portrait classifier (generated vs rendered);
- sharpness (variance of the Laplacian) and realism (KID on the classifier's features);
- identity across expressions (distance between one seed's expressions / between seeds);
- throughput of the served model, PNG encoding included, batched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.console import Console
from rich.table import Table

from npcbridge.avatar.adversarial import render_expression_dataset
from npcbridge.avatar.attributes import ATTRIBUTE_NAMES, complete_attributes
from npcbridge.avatar.checkpoint import builtin_path, load_generator
from npcbridge.avatar.classifier import AttributeClassifier, per_attribute_accuracy, to_tensor
from npcbridge.avatar.decoder import PortraitDecoder
from npcbridge.avatar.expressions import EXPRESSIONS
from npcbridge.avatar.generator import ConditionalGenerator
from npcbridge.avatar.models import AvatarJob, BuiltinAvatarModel
from npcbridge.avatar.montage import as_array, montage_png
from npcbridge.avatar.portrait_classifier import load_portrait_classifier
from npcbridge.avatar.quality import (
    at_classifier_size,
    identity_ratio,
    kernel_inception_distance,
    laplacian_variance,
    penultimate_features,
    portraits_per_second,
)
from npcbridge.avatar.render import render_portrait
from npcbridge.avatar.shape import shape_from_latent
from npcbridge.avatar.training import Dataset, render_dataset, sample_labels

HELD_OUT_SEED = 10**9
MONTAGE_SPECIES = ("human", "elf", "dwarf", "orc")
MONTAGE_EXPRESSIONS = ("neutral", "happy", "angry", "surprised")


@dataclass
class GeneratorReport:
    name: str
    size: int
    accuracy: dict[str, float] = field(default_factory=dict)  # per label column, expression included
    sharpness: float = 0.0  # Laplacian variance at 128 px (a 64 px generator is upscaled, bilinear)
    kid: float = 0.0  # against neutral renders, classifier features
    identity: float | None = None  # within-seed / across-seed feature distance
    per_second: float = 0.0


@dataclass
class Report:
    samples: int
    renders: GeneratorReport
    generators: list[GeneratorReport]


def _generate(gen: ConditionalGenerator | PortraitDecoder, data: Dataset, with_expression: bool) -> torch.Tensor:
    labels = data.labels if with_expression else data.labels[:, :len(ATTRIBUTE_NAMES)]
    with torch.no_grad():
        return torch.cat([gen(torch.from_numpy(data.latents[i:i + 64]), torch.from_numpy(labels[i:i + 64]))
                          for i in range(0, len(labels), 64)]).clamp(-1, 1)


def _at_128(images: torch.Tensor) -> torch.Tensor:
    return images if images.shape[-1] >= 128 else F.interpolate(images, size=128, mode="bilinear",
                                                                align_corners=False)


def _accuracy(clf: AttributeClassifier, images: torch.Tensor, labels: np.ndarray) -> dict[str, float]:
    names = [*ATTRIBUTE_NAMES, "expression"][:labels.shape[1]]
    return per_attribute_accuracy(clf.predict(at_classifier_size(images))[:, :labels.shape[1]], labels, names)


def _job(seed: int, expression: str = "neutral") -> AvatarJob:
    attrs = tuple(sorted(complete_attributes({}, seed).items()))
    return AvatarJob(seed, attrs, BuiltinAvatarModel.default_truncation, expression)


def _identity_of(clf: AttributeClassifier, images: np.ndarray, seeds: int) -> float:
    """``images`` hold every expression of each seed in turn (uint8, EXPRESSIONS' order)."""
    feats = penultimate_features(clf, to_tensor(images))
    return identity_ratio(feats.view(seeds, len(EXPRESSIONS), -1))


def _identity(model: BuiltinAvatarModel, clf: AttributeClassifier, seeds: int) -> float:
    jobs = [_job(s, e) for s in range(HELD_OUT_SEED, HELD_OUT_SEED + seeds) for e in EXPRESSIONS]
    return _identity_of(clf, np.stack([as_array(r.png) for r in model.generate(jobs)]), seeds)


def _render_identity(clf: AttributeClassifier, seeds: int) -> float:
    images = []
    for s in range(HELD_OUT_SEED, HELD_OUT_SEED + seeds):
        attrs, z = sample_labels(s)
        shape = shape_from_latent(z * BuiltinAvatarModel.default_truncation)
        images += [render_portrait(attrs, shape, 128, e) for e in EXPRESSIONS]
    return _identity_of(clf, np.stack(images), seeds)


def _throughput(model: BuiltinAvatarModel, count: int) -> float:
    jobs = [_job(s) for s in range(count)]
    return portraits_per_second(lambda n: model.generate(jobs[:n]), count)


def _measure(name: str, gen: ConditionalGenerator | PortraitDecoder, clf: AttributeClassifier, held: Dataset, neutral: Dataset,
             neutral_feats: torch.Tensor) -> GeneratorReport:
    model = BuiltinAvatarModel(gen, torch.device("cpu"), torch.float32, pass_size=16)
    expressive = bool(model.expressions)
    images = _generate(gen, held, expressive)
    plain = _generate(gen, neutral, expressive)
    return GeneratorReport(
        name=name, size=gen.size,
        accuracy=_accuracy(clf, images, held.labels if expressive else held.labels[:, :len(ATTRIBUTE_NAMES)]),
        sharpness=laplacian_variance(_at_128(plain)),
        kid=kernel_inception_distance(penultimate_features(clf, plain), neutral_feats),
        identity=_identity(model, clf, 32) if expressive else None,
        per_second=_throughput(model, 64))


def evaluate_portraits(generator: Path | None = None, baseline: Path | None = None, samples: int = 1000,
                       classifier: Path | None = None) -> Report:
    """Measure the generator (built-in by default) and, with ``baseline``, an earlier one."""
    clf = load_portrait_classifier(classifier)
    held = render_expression_dataset(samples, HELD_OUT_SEED, 128)
    neutral = render_dataset(max(samples // 2, 50), HELD_OUT_SEED + samples, 128)
    # The neutral expression's index (0) as the last label column.
    no_expression = np.zeros((len(neutral.labels), 1), dtype=np.int64)
    neutral = Dataset(neutral.images, np.concatenate([neutral.labels, no_expression], 1), neutral.latents)
    rendered, plain_rendered = to_tensor(held.images), to_tensor(neutral.images)
    neutral_feats = penultimate_features(clf, plain_rendered)
    half = len(neutral_feats) // 2  # renders against renders: the floor KID can reach at this size
    renders = GeneratorReport(name="renders", size=128, accuracy=_accuracy(clf, rendered, held.labels),
                              sharpness=laplacian_variance(plain_rendered),
                              kid=kernel_inception_distance(neutral_feats[:half], neutral_feats[half:]),
                              identity=_render_identity(clf, 32))
    generators = [_measure("built-in" if generator is None else generator.name,
                           load_generator(generator or builtin_path("generator.pt")), clf, held, neutral,
                           neutral_feats)]
    if baseline is not None:
        generators.append(_measure(f"baseline {baseline.name}", load_generator(baseline), clf, held, neutral,
                                   neutral_feats))
    return Report(samples, renders, generators)


def write_montage(path: Path, generator: Path | None = None, seed: int = 7) -> None:
    """4 species (rows) x 4 expressions (columns), one identity per row, as one PNG."""
    model = BuiltinAvatarModel(load_generator(generator or builtin_path("generator.pt")), torch.device("cpu"),
                               torch.float32)
    rows = []
    for i, species in enumerate(MONTAGE_SPECIES):
        attrs = tuple(sorted(complete_attributes({"species": species}, seed + i).items()))
        jobs = [AvatarJob(seed + i, attrs, model.default_truncation, e if model.expressions else "neutral")
                for e in MONTAGE_EXPRESSIONS]
        rows.append([r.png for r in model.generate(jobs)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(montage_png(rows, MONTAGE_EXPRESSIONS, MONTAGE_SPECIES))


def print_report(console: Console, report: Report) -> None:
    """Accuracy per label, then the quality figures, one column per generator."""
    columns = [report.renders, *report.generators]
    table = Table("label", *(f"{c.name} ({c.size} px)" for c in columns),
                  title=f"portrait classifier accuracy, {report.samples} held-out label sets (goal >= 0.95)")
    for label in report.renders.accuracy:
        table.add_row(label, *(f"{c.accuracy[label]:.3f}" if label in c.accuracy else "-" for c in columns))
    console.print(table)
    ref = report.renders.sharpness
    figures = Table("measure", *(c.name for c in columns), title="quality")
    figures.add_row("Laplacian variance at 128 px (goal >= 0.7x renders)",
                    *(f"{c.sharpness:.1f} ({c.sharpness / ref:.2f}x)" for c in columns))
    figures.add_row("KID vs neutral renders (renders: split-half floor)", *(f"{c.kid:.4f}" for c in columns))
    figures.add_row("identity: within-seed / across-seed distance",
                    *("-" if c.identity is None else f"{c.identity:.3f}" for c in columns))
    figures.add_row("portraits/s, batched, PNG included (goal >= 20)", "-",
                    *(f"{c.per_second:.1f}" for c in report.generators))
    console.print(figures)
