"""``npcbridge eval moderation``: precision, recall and F1, cross-validated on
the development set and on our game-chat lines, beside peers in the same run.

Every fold refits the classifier heads on the other folds (the committed
checkpoint never sees its own test rows). The insults prediction is
"harassment among flagged_categories" under the policy given (default teen).
"""

from __future__ import annotations

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


def cross_validated_flags(texts: list[str], embeddings: np.ndarray, y: np.ndarray, strata: np.ndarray,
                          policy: str, folds: int, seed: int) -> list[list[str]]:
    """Flagged categories per text, each predicted by heads fitted without its fold."""
    lexicon = Lexicon.default()
    flags: list[list[str]] = [[] for _ in texts]
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(texts)), strata):
        weights = fit(embeddings[train], [texts[i] for i in train], y[train], seed=seed)
        classifier = ModerationClassifier(encoder=None, weights=weights)  # type: ignore[arg-type]
        held_out = [texts[i] for i in test]
        scores = classifier.score_embeddings(embeddings[test], held_out)
        results = ModerationPipeline(lexicon).check_batch(held_out, TIERS[policy], "player", scores)
        for i, result in zip(test, results, strict=True):
            flags[i] = result.flagged_categories
    return flags


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
    texts, insults = load_insults(fetch_insults_train(cache_dir))
    game = load_game_chat()
    clean = synthetic_clean_lines(seed=seed)
    all_texts = texts + [t for t, _ in game] + clean
    y = label_matrix(insults, game, len(clean))
    console.print(f"embedding {len(all_texts)} texts ...")
    embeddings = SentenceEncoder(device="cpu", max_length=128).encode(all_texts)
    # Strata: insult label for dev rows; first category (or clean) for game rows.
    strata = np.array([f"i{v}" for v in insults] + [f"g{sorted(c)[0] if c else 'clean'}" for _, c in game]
                      + ["synthetic"] * len(clean))
    flags = cross_validated_flags(all_texts, embeddings, y, strata, policy, folds, seed)

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
