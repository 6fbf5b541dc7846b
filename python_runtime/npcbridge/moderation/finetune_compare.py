"""``npcbridge finetune moderation``: the encoder fine-tuned end to end vs the frozen encoder
with its heads, cross-validated in the same run as ``eval moderation`` does (every fold tunes
the encoder and fits the heads on the other folds only), and shipped only if it wins.

Shipping writes the encoder's LoRA to ``moderation/data/encoder-lora/`` and the heads refitted
on the tuned embeddings to ``moderation/data/classifier.npz``: moderation then runs its own
tuned MiniLM (the knowledge search and the turn planner keep the plain one). The development
set's other labelled file (the hold-out) is never opened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from npcbridge.moderation.classifier import ClassifierWeights, ModerationClassifier
from npcbridge.moderation.encoder import TUNED_ENCODER, SentenceEncoder
from npcbridge.moderation.encoder_finetune import EncoderTraining, embed, save_encoder_adapter, train_encoder
from npcbridge.moderation.evaluate import DevelopmentData, cross_validated_flags, scores_of
from npcbridge.moderation.training import fit

CLASSIFIER = Path(str(resources.files("npcbridge.moderation").joinpath("data/classifier.npz")))


def texts_per_second(classifier: ModerationClassifier, texts: list[str]) -> float:
    """Texts scored a second by ``classifier`` (encoder + heads), cache bypassed."""
    start = time.perf_counter()
    classifier.score_embeddings(classifier.encoder._encode_now(texts), texts)
    return len(texts) / (time.perf_counter() - start)


def wins(before: dict[str, float], after: dict[str, float]) -> bool:
    """The tuned encoder ships when it flags insults better and game chat no worse."""
    return after["insults_f1"] > before["insults_f1"] and after["game_macro_f1"] >= before["game_macro_f1"] - 0.01


def finetune_moderation(console: Console, cache_dir: Path, cfg: EncoderTraining, folds: int = 5,
                        policy: str = "teen", ship: bool = True,
                        progress: Callable[[int, int, float], None] | None = None) -> dict[str, Any]:
    """Cross-validate frozen vs tuned, print both, ship the tuned encoder if it wins."""
    data = DevelopmentData.load(cache_dir, cfg.seed)
    texts, y, strata = data.texts, data.y, data.strata
    plain = SentenceEncoder(device="cpu", max_length=128)
    console.print(f"frozen encoder + heads, {folds}-fold CV over {len(texts)} texts ...")
    frozen = scores_of(data, cross_validated_flags(texts, plain.encode(texts), y, strata, policy, folds, cfg.seed))
    fold = [0]

    def tuned_vectors(train: np.ndarray) -> np.ndarray:
        fold[0] += 1
        console.print(f"fold {fold[0]}/{folds}: tuning the encoder on {len(train)} texts ...")
        model, tokenizer = train_encoder([texts[i] for i in train], y[train], cfg, progress)
        return embed(model, tokenizer, texts)

    tuned = scores_of(data, cross_validated_flags(texts, tuned_vectors, y, strata, policy, folds, cfg.seed))
    result: dict[str, Any] = {"frozen": frozen, "tuned": tuned, "shipped": False}
    sample = texts[:512]
    result["frozen"]["texts_per_second"] = texts_per_second(
        ModerationClassifier(plain, ClassifierWeights.load(CLASSIFIER)), sample)
    table = Table("", "insults F1", "game-chat macro F1", "false alarms", "texts/s",
                  title=f"moderation: frozen MiniLM + heads vs MiniLM fine-tuned end to end ({folds}-fold CV, "
                        f"policy {policy})")
    for name in ("frozen", "tuned"):
        s = result[name]
        speed = f"{s['texts_per_second']:.0f}" if "texts_per_second" in s else "(same model size)"
        table.add_row(name, f"{s['insults_f1']:.3f}", f"{s['game_macro_f1']:.3f}", str(s["false_alarms"]), speed)
    console.print(table)
    # The comparison first: shipping (training on every text) takes as long again.
    console.print("kept the current classifier (the tuned encoder did not win)" if not wins(frozen, tuned) else
                  "the tuned encoder wins" + (": training it on every text to ship it ..." if ship else
                                              "; --ship writes it"))
    if wins(frozen, tuned) and ship:
        model, tokenizer = train_encoder(texts, y, cfg, progress)
        save_encoder_adapter(model, TUNED_ENCODER)
        fit(embed(model, tokenizer, texts), texts, y, seed=cfg.seed).save(CLASSIFIER)
        result["shipped"] = True
        shipped = SentenceEncoder(device="cpu", max_length=128, adapter=TUNED_ENCODER)
        result["tuned"]["texts_per_second"] = texts_per_second(
            ModerationClassifier(shipped, ClassifierWeights.load(CLASSIFIER)), sample)
        console.print(f"shipped the tuned encoder: {result['tuned']['texts_per_second']:.0f} texts/s")
    return result
