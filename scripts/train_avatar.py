"""Train the avatar generator adversarially at 128x128 with expressions (issue: avatars a game
would ship). Renders its own labelled portraits (reproducible from --seed), then trains
(StyleGAN2 losses, R1, EMA, a projection discriminator on attributes + expression), writing
the EMA generator to --out every --checkpoint-every steps; Ctrl+C stops and keeps it.

    python scripts/train_avatar_gan.py --out /tmp/generator-128.pt          # hours on 2 CPU cores
    python scripts/train_avatar_gan.py --size 64 --images 4000 --steps 2000  # a quicker look
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python_runtime"))

from npcbridge.avatar.adversarial import AdversarialConfig, render_expression_dataset, train_adversarial  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--images", type=int, default=21_000)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--r1-gamma", type=float, default=1.0)
    parser.add_argument("--reconstruction", type=float, default=1.0, help="Weight of the paired helper term.")
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"rendering {args.images} portraits at {args.size}px with expressions", flush=True)
    data = render_expression_dataset(args.images, args.seed * 1_000_003, args.size, args.workers)
    print(f"rendered in {time.perf_counter() - started:.0f}s", flush=True)
    config = AdversarialConfig(steps=args.steps, batch=args.batch, lr=args.lr, r1_gamma=args.r1_gamma,
                               reconstruction=args.reconstruction, checkpoint_every=args.checkpoint_every)
    train_adversarial(data, config, args.seed, out=args.out, log=lambda line: print(line, flush=True))
    print(f"done in {time.perf_counter() - started:.0f}s; EMA generator at {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
