"""How well a generator honours requested attributes, measured by the attribute
classifier on held-out label sets (seeds the training data never used)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from npcbridge.avatar.checkpoint import builtin_path, load_classifier, load_generator
from npcbridge.avatar.training import (
    generated_accuracy,
    render_dataset,
    rendered_accuracy,
)

HELD_OUT_SEED = 10**9


def evaluate_generator(generator: Path | None = None, samples: int = 1000,
                       classifier: Path | None = None) -> dict[str, dict[str, float]]:
    """``{"rendered": acc, "generated": acc}`` per attribute, on the same label sets."""
    gen = load_generator(generator or builtin_path("generator.pt"))
    clf = load_classifier(classifier or builtin_path("attribute_classifier.pt"))
    data = render_dataset(samples, HELD_OUT_SEED, gen.size)
    return {"rendered": rendered_accuracy(clf, data), "generated": generated_accuracy(gen, clf, data)}


def print_report(console: Console, report: dict[str, dict[str, float]], samples: int) -> None:
    """The two accuracy columns side by side, with their means."""
    table = Table("attribute", "rendered (classifier ceiling)", "generated", title=f"{samples} held-out label sets")
    for name in report["generated"]:
        table.add_row(name, f"{report['rendered'][name]:.3f}", f"{report['generated'][name]:.3f}")
    mean = {k: sum(v.values()) / len(v) for k, v in report.items()}
    table.add_row("mean", f"{mean['rendered']:.3f}", f"{mean['generated']:.3f}")
    console.print(table)
