"""The learned part of moderation: logistic-regression heads on MiniLM sentence
embeddings for the categories a word list cannot judge, plus a hashed char/word
n-gram model that sharpens harassment (insults without swear words).

The checkpoint (data/classifier.npz, ~1 MB) is produced by
``scripts/train_moderation.py`` with a fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from npcbridge.moderation.encoder import SentenceEncoder

HEAD_CATEGORIES = ("harassment", "hate", "sexual", "violence", "self_harm", "prompt_injection")
CHAR_FEATURES = 2**17
WORD_FEATURES = 2**16


def hashed_features(texts: list[str]) -> sparse.csr_matrix:
    """Raw n-gram counts (char 2-5 within words, word 1-2) in a fixed hashed space."""
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=CHAR_FEATURES,
                             alternate_sign=False, norm=None, lowercase=True)
    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=WORD_FEATURES,
                             alternate_sign=False, norm=None, lowercase=True)
    return sparse.hstack([char.transform(texts), word.transform(texts)]).tocsr()


def tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf times idf, rows L2-normalised (what the n-gram head was trained on)."""
    weighted = counts.astype(np.float32)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf.astype(np.float32)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ weighted


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class ClassifierWeights:
    """Everything the classifier learned."""

    emb_coef: np.ndarray        # (len(HEAD_CATEGORIES), 384)
    emb_intercept: np.ndarray   # (len(HEAD_CATEGORIES),)
    ngram_idf: np.ndarray       # (CHAR_FEATURES + WORD_FEATURES,)
    ngram_coef: np.ndarray      # same shape: the harassment n-gram head
    ngram_intercept: float

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, emb_coef=self.emb_coef.astype(np.float32), emb_intercept=self.emb_intercept.astype(np.float32),
            ngram_idf=self.ngram_idf.astype(np.float16), ngram_coef=self.ngram_coef.astype(np.float16),
            ngram_intercept=np.float32(self.ngram_intercept), categories=np.array(HEAD_CATEGORIES))

    @classmethod
    def load(cls, path: Path | None = None) -> ClassifierWeights:
        """Load a checkpoint (default: the committed one)."""
        source = path or Path(str(resources.files("npcbridge.moderation").joinpath("data/classifier.npz")))
        with np.load(source, allow_pickle=False) as data:
            if tuple(data["categories"]) != HEAD_CATEGORIES:
                raise ValueError("classifier checkpoint categories differ; retrain with scripts/train_moderation.py")
            return cls(data["emb_coef"], data["emb_intercept"], data["ngram_idf"].astype(np.float32),
                       data["ngram_coef"].astype(np.float32), float(data["ngram_intercept"]))


class ModerationClassifier:
    """Scores texts per head category in [0, 1]."""

    def __init__(self, encoder: SentenceEncoder, weights: ClassifierWeights) -> None:
        self.encoder = encoder
        self.weights = weights

    def score_embeddings(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """(N, len(HEAD_CATEGORIES)) probabilities from precomputed embeddings."""
        w = self.weights
        probs = _sigmoid(embeddings @ w.emb_coef.T + w.emb_intercept)
        if texts:
            ngram = _sigmoid(tfidf(hashed_features(texts), w.ngram_idf) @ w.ngram_coef + w.ngram_intercept)
            h = HEAD_CATEGORIES.index("harassment")
            probs[:, h] = (probs[:, h] + ngram) / 2.0  # the two views disagree on different errors
        return probs

    def score(self, texts: list[str]) -> np.ndarray:
        """Embed and score (blocking: call from a worker thread)."""
        return self.score_embeddings(self.encoder.encode(texts), texts)
