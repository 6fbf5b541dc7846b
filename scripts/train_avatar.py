"""Train the built-in avatar generator (128x128, with expressions): render labelled portraits
procedurally (reproducible from --seed), then train the portrait decoder adversarially as
StyleGAN2 does (non-saturating loss, lazy R1, EMA, a projection discriminator on attributes +
expression) after --warmup steps of the paired reconstruction helper alone, with a label guide's
classification and perceptual terms (guide.py) from --guide-from on. Writes the EMA
generator to --out every --checkpoint-every steps with the whole training state beside it
(OUT.state): run the same command again and it resumes; Ctrl+C stops and keeps both.
Same as `npcbridge avatar train`.

    python scripts/train_avatar.py --out /tmp/generator.pt      # ~1 hour on 2 CPU cores
    python scripts/train_avatar.py --out /tmp/g.pt --images 500 --steps 300 --warmup 200   # a quick look
    python scripts/train_avatar.py --classifier-only             # the portrait classifier (eval)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python_runtime"))

from npcbridge.avatar.adversarial import TRAINING_IMAGES, AdversarialConfig, train_recipe  # noqa: E402
from npcbridge.avatar.portrait_classifier import train_portrait_classifier  # noqa: E402


def main() -> int:
    defaults = AdversarialConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="Generator checkpoint to write (required unless --classifier-only).")
    parser.add_argument("--images", type=int, default=TRAINING_IMAGES)
    parser.add_argument("--steps", type=int, default=defaults.steps)
    parser.add_argument("--warmup", type=int, default=defaults.warmup,
                        help="First steps by the reconstruction helper alone (no discriminator).")
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--r1-gamma", type=float, default=defaults.r1_gamma)
    parser.add_argument("--reconstruction", type=float, default=defaults.reconstruction,
                        help="Weight of the paired helper term.")
    parser.add_argument("--guide", type=float, default=defaults.guide,
                        help="Weight of the label guide's classification term (0 turns it off).")
    parser.add_argument("--perceptual", type=float, default=defaults.perceptual,
                        help="Weight of the label guide's perceptual term (0 turns it off).")
    parser.add_argument("--guide-from", type=int, default=defaults.guide_from,
                        help="The step the label guide's terms join.")
    parser.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--init", type=Path, help="An earlier checkpoint whose weights seed this run.")
    parser.add_argument("--classifier-only", action="store_true",
                        help="Retrain only the portrait classifier `eval avatars` measures with.")
    args = parser.parse_args()
    if args.classifier_only:
        train_portrait_classifier(workers=args.workers, log=lambda line: print(line, flush=True))
        return 0
    if args.out is None:
        parser.error("--out is required")
    config = AdversarialConfig(steps=args.steps, batch=args.batch, lr=args.lr, r1_gamma=args.r1_gamma,
                               reconstruction=args.reconstruction, checkpoint_every=args.checkpoint_every,
                               warmup=args.warmup, guide=args.guide, perceptual=args.perceptual,
                               guide_from=args.guide_from)
    train_recipe(args.out, images=args.images, config=config, seed=args.seed, workers=args.workers, init=args.init,
                 log=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
