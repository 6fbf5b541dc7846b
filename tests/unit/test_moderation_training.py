"""Training is deterministic, the committed checkpoint loads, the CSV cleaner decodes."""

import numpy as np

from npcbridge.moderation.classifier import HEAD_CATEGORIES, ClassifierWeights
from npcbridge.moderation.datasets import clean_comment, load_game_chat
from npcbridge.moderation.evaluate import prf
from npcbridge.moderation.training import fit, label_matrix


def test_clean_comment_decodes_escapes():
    assert clean_comment('"You fuck your dad."') == "You fuck your dad."
    assert clean_comment('"A\\\\xc2\\\\xa0majority\\\\n\\\\nof us"') == "A majority of us"
    assert clean_comment('"caf\\xc3\\xa9 time"') == "café time"


def test_fit_is_deterministic_and_learns():
    game = load_game_chat()
    rng = np.random.default_rng(0)
    texts = [t for t, _ in game]
    y = label_matrix([], game)
    # Embeddings that carry the labels plus noise: the heads must find them.
    embeddings = (y.astype(np.float32) @ rng.normal(size=(len(HEAD_CATEGORIES), 384)).astype(np.float32)
                  + 0.1 * rng.normal(size=(len(texts), 384)).astype(np.float32))
    a, b = fit(embeddings, texts, y, seed=0), fit(embeddings, texts, y, seed=0)
    assert np.array_equal(a.emb_coef, b.emb_coef) and np.array_equal(a.ngram_coef, b.ngram_coef)
    scores = 1 / (1 + np.exp(-(embeddings @ a.emb_coef.T + a.emb_intercept)))
    assert ((scores > 0.5) == (y == 1)).mean() > 0.95


def test_committed_checkpoint_loads():
    w = ClassifierWeights.load()
    assert w.emb_coef.shape == (len(HEAD_CATEGORIES), 384)
    assert np.isfinite(w.ngram_coef).all() and w.ngram_idf.max() > 0


def test_prf():
    truth = np.array([1, 1, 0, 0], dtype=bool)
    assert prf(truth, np.array([1, 0, 1, 0], dtype=bool)) == (0.5, 0.5, 0.5)
