"""Train the built-in avatar generator and its attribute classifier.

    python scripts/train_avatar.py                 # writes python_runtime/npcbridge/avatar/data/
    python scripts/train_avatar.py --steps 200 --out /tmp/avatar   # a quick smoke run

The shipped checkpoints come from three commands: stage 1, stage 2 (continues
stage 1 on freshly rendered data), then the attribute classifier alone:

    python scripts/train_avatar.py --out OUT
    python scripts/train_avatar.py --out OUT --init-from OUT/generator.pt --steps 7000 --seed 1
    python scripts/train_avatar.py --out OUT --classifier-only

Same arguments and seed give the same checkpoints (on the same torch build and
thread count). Same as `npcbridge avatar train`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from npcbridge.avatar.training import train_all, train_classifier_only

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "python_runtime" / "npcbridge" / "avatar" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--images", type=int, default=24_000)
    parser.add_argument("--steps", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--init-from", type=Path, default=None,
                        help="continue from this generator.pt (a second training stage)")
    parser.add_argument("--classifier-only", action="store_true",
                        help="retrain only the attribute classifier in --out and measure its generator")
    args = parser.parse_args()
    if args.classifier_only:
        train_classifier_only(args.out, images=args.images, seed=args.seed, workers=args.workers)
        return
    train_all(args.out, images=args.images, steps=args.steps, batch=args.batch, seed=args.seed,
              workers=args.workers, lr=args.lr, init_from=args.init_from)


if __name__ == "__main__":
    main()
