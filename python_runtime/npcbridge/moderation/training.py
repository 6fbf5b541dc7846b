"""Fitting the classifier heads (used by scripts/train_moderation.py and by the
cross-validated evaluation), deterministic for a given seed."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from npcbridge.moderation.classifier import HEAD_CATEGORIES, ClassifierWeights, hashed_features, tfidf


def label_matrix(insult_labels: list[int], game: list[tuple[str, set[str]]], n_clean: int = 0) -> np.ndarray:
    """Targets per head: 1, 0, or -1 for "unknown" (not used to fit that head).

    Insults rows label harassment only; a non-insult row is also a fair negative
    for the other heads, an insult row is not (it may be hateful or sexual too).
    """
    n_ins, n_game = len(insult_labels), len(game)
    y = np.full((n_ins + n_game + n_clean, len(HEAD_CATEGORIES)), -1, dtype=np.int8)
    h = HEAD_CATEGORIES.index("harassment")
    for i, label in enumerate(insult_labels):
        y[i, h] = label
        if label == 0:
            y[i, [k for k in range(len(HEAD_CATEGORIES)) if k != h]] = 0
    for j, (_, cats) in enumerate(game):
        y[n_ins + j] = [1 if c in cats else 0 for c in HEAD_CATEGORIES]
    y[n_ins + n_game:] = 0  # synthetic clean lines: negatives for every head
    return y


def fit(embeddings: np.ndarray, texts: list[str], y: np.ndarray, seed: int = 0) -> ClassifierWeights:
    """Fit every embedding head and the harassment n-gram head."""
    coef = np.zeros((len(HEAD_CATEGORIES), embeddings.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(HEAD_CATEGORIES), dtype=np.float32)
    for k in range(len(HEAD_CATEGORIES)):
        rows = y[:, k] >= 0
        # Balanced weights: a dozen positives face thousands of negatives. The
        # synthetic clean game lines keep that from flagging ordinary questions.
        model = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced", random_state=seed)
        model.fit(embeddings[rows], y[rows, k])
        coef[k], intercept[k] = model.coef_[0], model.intercept_[0]
    h = HEAD_CATEGORIES.index("harassment")
    rows = np.flatnonzero(y[:, h] >= 0)
    counts = hashed_features([texts[i] for i in rows])
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = (np.log((1 + len(rows)) / (1 + df)) + 1.0).astype(np.float32)
    idf[df == 0] = 0.0  # unseen n-grams carry no weight (and compress to nothing)
    ngram = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced", random_state=seed)
    ngram.fit(tfidf(counts, idf), y[rows, h])
    return ClassifierWeights(coef, intercept, idf, ngram.coef_[0].astype(np.float32), float(ngram.intercept_[0]))
