"""Facial expressions in the procedural renderer (the generator's training data) and their
ARKit weights: neutral is the portrait as before, each emotion moves only the face, and the
seven labels are the dialogue's default emotions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from npcbridge.avatar.attributes import complete_attributes
from npcbridge.avatar.expressions import EXPRESSIONS, check_expression, expression_weights
from npcbridge.avatar.render import render_portrait
from npcbridge.avatar.shape import LATENT_DIM, shape_from_latent
from npcbridge.errors import InvalidArgument

ARKIT = {"jawOpen", "mouthFunnel", "browInnerUp", "cheekPuff"} | {
    f"{name}{side}" for name in ("mouthSmile", "mouthFrown", "browDown", "browOuterUp", "eyeWide", "eyeSquint",
                                 "cheekSquint", "noseSneer", "mouthPress", "mouthStretch", "mouthUpperUp",
                                 "mouthLowerDown", "eyeBlink") for side in ("Left", "Right")}


def face(species: str, seed: int) -> tuple[dict, dict]:
    latent = np.random.default_rng(seed).standard_normal(LATENT_DIM)
    return complete_attributes({"species": species}, seed), shape_from_latent(latent)


def test_the_expressions_are_the_dialogues_emotions():
    from npcbridge.dialogue.types import DEFAULT_EMOTIONS

    assert set(EXPRESSIONS) == set(DEFAULT_EMOTIONS) and EXPRESSIONS[0] == "neutral"
    assert check_expression(" Happy ") == "happy" and check_expression("") == "neutral"
    with pytest.raises(InvalidArgument, match="valid expressions: neutral, happy"):
        check_expression("smug")


@pytest.mark.parametrize("species", ["human", "elf", "dwarf", "orc"])
def test_each_expression_moves_only_the_face(species):
    attributes, shape = face(species, 5)
    neutral = render_portrait(attributes, shape, 128)
    assert np.array_equal(neutral, render_portrait(attributes, shape, 128, "neutral"))
    renders = {e: render_portrait(attributes, shape, 128, e) for e in EXPRESSIONS[1:]}
    for expression, image in renders.items():
        changed = np.abs(image.astype(int) - neutral.astype(int)).max(axis=2) > 8
        assert changed.sum() > 30, f"{expression} looks like neutral"
        rows, cols = np.nonzero(changed)
        # Brows to chin, within the head: background, hair on top, shoulders stay as they were.
        assert rows.min() > 128 * 0.25 and rows.max() < 128 * 0.85, expression
        assert cols.min() > 128 * 0.2 and cols.max() < 128 * 0.8, expression
    for a, b in itertools.combinations(renders, 2):
        assert not np.array_equal(renders[a], renders[b]), f"{a} and {b} render alike"


def test_arkit_weights_say_what_the_face_does():
    for expression in EXPRESSIONS:
        weights = expression_weights(expression)
        assert set(weights) <= ARKIT and all(0.0 <= w <= 1.0 for w in weights.values())
    assert expression_weights("neutral") == {}
    assert expression_weights("happy")["mouthSmileLeft"] > 0.5
    assert expression_weights("sad")["mouthFrownRight"] > 0.5 and expression_weights("sad")["browInnerUp"] > 0.5
    assert expression_weights("angry")["browDownLeft"] > 0.5
    surprised = expression_weights("surprised")
    assert surprised["eyeWideLeft"] > 0.5 and surprised["jawOpen"] > 0.5
    assert expression_weights("disgusted")["noseSneerLeft"] > 0.5
    assert expression_weights("afraid")["eyeWideRight"] > 0.5
