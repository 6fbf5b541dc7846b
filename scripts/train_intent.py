"""Train the action head (which action a player's line asks for, or none) on the
lines in python_runtime/npcbridge/dialogue/data/intent_train.yaml, and save it
beside them as action_head.npz. About ten seconds on a CPU.

    python scripts/train_intent.py
"""

from __future__ import annotations

from npcbridge.dialogue.intent import HEAD_PATH, IntentScorer
from npcbridge.dialogue.intent_training import EVAL_SET, TRAIN_SET, _features, _score, load_probes, train_head
from npcbridge.moderation.encoder import SentenceEncoder


def main() -> None:
    scorer = IntentScorer(SentenceEncoder("cpu"))
    head = train_head(scorer, load_probes(TRAIN_SET))
    head.save(HEAD_PATH)
    probes = load_probes(EVAL_SET)
    accuracy, false = _score(head, probes, _features(scorer, probes))
    print(f"saved {HEAD_PATH.name}; on the evaluation set (never trained on): "
          f"accuracy {accuracy:.3f}, false actions {false:.3f}")


if __name__ == "__main__":
    main()
