"""Training the action head of :mod:`npcbridge.dialogue.intent`, and reading the
labelled line sets it is trained and evaluated on (same YAML shape)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from npcbridge.dialogue.intent import HAND_FEATURES, ActionHead, IntentScorer, event_query
from npcbridge.dialogue.types import ActionSpec, Character, GameEvent

DATA = Path(__file__).parent / "data"
TRAIN_SET = DATA / "intent_train.yaml"
EVAL_SET = DATA / "eval_actions.yaml"


@dataclass
class Probe:
    """A player line or game event, and the action a good NPC takes ("none": no action)."""

    character: Character
    text: str
    expect: str
    event: GameEvent | None = None
    args: dict = field(default_factory=dict)

    @property
    def query(self) -> str:
        return event_query(self.text, self.event.description if self.event else "")


def load_probes(path: Path) -> list[Probe]:
    """Every probe of a line set, each with its character (actions included)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    probes = []
    for raw in data["characters"]:
        character = Character(
            id="", name=raw["name"], persona=raw.get("persona", ""), speaking_style=raw.get("speaking_style", ""),
            knowledge=list(raw.get("knowledge", [])),
            actions=[ActionSpec(a["name"], a.get("description", ""), a.get("parameters_schema", ""),
                                list(a.get("examples", []))) for a in raw["actions"]])
        for p in raw["probes"]:
            event = GameEvent(**p["event"]) if "event" in p else None
            probes.append(Probe(character, p.get("say", ""), p["expect"], event, dict(p.get("args", {}))))
    return probes


def _features(scorer: IntentScorer, probes: list[Probe]) -> list[np.ndarray]:
    return [scorer.features(p.query, p.character.actions, p.character.knowledge) for p in probes]


def _score(head: ActionHead, probes: list[Probe], features: list[np.ndarray]) -> tuple[float, float]:
    """Accuracy and false-action rate (share of no-action probes given an action)."""
    correct = false = nones = 0
    for probe, rows in zip(probes, features, strict=True):
        p = head.probabilities(rows)
        best = int(p.argmax())
        picked = probe.character.actions[best].name if p[best] >= head.threshold else "none"
        correct += picked == probe.expect
        nones += probe.expect == "none"
        false += probe.expect == "none" and picked != "none"
    return correct / len(probes), false / max(1, nones)


def _fit(probes: list[Probe], features: list[np.ndarray], c: float, scale: float, threshold: float) -> ActionHead:
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate(features).copy()
    x[:, :HAND_FEATURES] *= scale
    y = np.array([a.name == p.expect for p in probes for a in p.character.actions])
    model = LogisticRegression(C=c, max_iter=5000).fit(x, y)
    return ActionHead(model.coef_[0].astype(np.float32), float(model.intercept_[0]), scale, threshold)


def train_head(scorer: IntentScorer, probes: list[Probe], log=print) -> ActionHead:  # noqa: ANN001
    """Pick C, the cue scale and the threshold by leave-one-character-out validation on
    ``probes`` (the best accuracy minus twice the false-action rate: an NPC that acts unasked
    is worse than one that misses a request),
    then fit on all of them."""
    features = _features(scorer, probes)
    names = sorted({p.character.name for p in probes})
    best: tuple[float, tuple] | None = None
    for c, scale, threshold in itertools.product((0.3, 1.0, 3.0, 10.0), (1.0, 5.0), (0.3, 0.4, 0.5)):
        accuracy = false = 0.0
        for held in names:
            keep = [i for i, p in enumerate(probes) if p.character.name != held]
            test = [i for i, p in enumerate(probes) if p.character.name == held]
            head = _fit([probes[i] for i in keep], [features[i] for i in keep], c, scale, threshold)
            a, f = _score(head, [probes[i] for i in test], [features[i] for i in test])
            accuracy += a / len(names)
            false += f / len(names)
        objective = accuracy - 2 * false  # an action the player did not ask for costs more than a missed one
        log(f"C={c:<4} scale={scale:<4} threshold={threshold}: accuracy {accuracy:.3f}, false {false:.3f}")
        if best is None or objective > best[0]:
            best = (objective, (c, scale, threshold))
    c, scale, threshold = best[1]
    log(f"chosen: C={c} scale={scale} threshold={threshold}")
    return _fit(probes, features, c, scale, threshold)
