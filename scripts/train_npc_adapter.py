#!/usr/bin/env python
"""Train the NPC role-play LoRA adapter of the embedded model (SmolLM2-135M-Instruct).

The shipped checkpoint is three stages (~35 + ~20 + ~30 min on 2 CPU cores); the
third added facts about the character itself ("You were born in...") asked
indirectly, answered in the first person, and 4-8 knowledge lines per chat:

    python scripts/train_npc_adapter.py --out stage1
    python scripts/train_npc_adapter.py --resume stage1 --out stage2 --seed 1 --steps 200 --lr 3e-4
    python scripts/train_npc_adapter.py --resume stage2 --seed 2 --steps 220 --lr 3e-4

A quick smoke run: ``python scripts/train_npc_adapter.py --steps 20 --out /tmp/adapter``.

The data set is generated from ``finetune/data/roleplay.yaml`` (seeded, reproducible);
the adapter (peft format, fp16, ~9 MB) goes to ``finetune/data/smollm2-npc-lora/``
and is merged into the embedded model the next time it is prepared
(``npcbridge models pull`` or the first ``serve``). Measure it with
``npcbridge eval replies``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python_runtime"))

from npcbridge.config import load_settings  # noqa: E402
from npcbridge.finetune.lora import LoraTraining, train_adapter  # noqa: E402
from npcbridge.finetune.roleplay_data import make_examples  # noqa: E402
from npcbridge.models.loader import ADAPTER_DIR, base_model_dir  # noqa: E402


def main() -> None:
    defaults = LoraTraining()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=defaults.steps)
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--rank", type=int, default=defaults.rank)
    parser.add_argument("--examples", type=int, default=4000, help="chats generated (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ADAPTER_DIR)
    parser.add_argument("--resume", type=Path, help="continue training this adapter (a second stage)")
    args = parser.parse_args()

    cfg = LoraTraining(rank=args.rank, alpha=2 * args.rank, lr=args.lr, steps=args.steps, batch=args.batch,
                       seed=args.seed)
    model_dir = base_model_dir(load_settings().cache_dir)
    examples = make_examples(args.examples, seed=args.seed)
    print(f"training on {len(examples)} generated chats from {model_dir}", flush=True)

    def progress(step: int, loss: float) -> None:
        if step % 10 == 0 or step == cfg.steps:
            print(f"step {step}/{cfg.steps} loss {loss:.3f}", flush=True)

    result = train_adapter(model_dir, examples, args.out, cfg, progress, resume=args.resume)
    stages = []
    if args.resume is not None and (args.resume / "training.json").exists():
        stages = json.loads((args.resume / "training.json").read_text()).get("stages", [])
    stage = {**result, "config": vars(cfg), "examples": len(examples), "seed": args.seed}
    (args.out / "training.json").write_text(json.dumps({"stages": [*stages, stage]}, indent=2) + "\n")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
