"""Facial expressions: how each emotion label of the actions issue changes a face, for the
renderer (the generator's training data) and as ARKit blend-shape weights for an engine rig.

An expression moves only what a face moves — mouth, jaw, brows, eyelids, nose — so a
portrait keeps its identity (species, colours, hair, proportions) across expressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from npcbridge.errors import InvalidArgument

#: The emotion labels replies stream (Character.emotions' default set), in this order.
EXPRESSIONS: tuple[str, ...] = ("neutral", "happy", "sad", "angry", "afraid", "surprised", "disgusted")


@dataclass(frozen=True)
class Pose:
    """What an expression sets: face parameters it overrides (others stay the identity's),
    brow inner ends (-1 pulled down, +1 raised), eye opening (1 = as the identity's), a
    nose sneer (0-1), and the ARKit blend-shape weights a rig applies for it."""

    overrides: Mapping[str, float] = field(default_factory=dict)
    brow_inner: float = 0.0
    eye_open: float = 1.0
    sneer: float = 0.0
    arkit: Mapping[str, float] = field(default_factory=dict)


def _both(name: str, value: float) -> dict[str, float]:
    return {f"{name}Left": value, f"{name}Right": value}


POSES: dict[str, Pose] = {
    "neutral": Pose(),
    "happy": Pose({"smile": 1.0, "jaw_open": 0.3, "brow_raise": 0.6}, eye_open=0.85,
                  arkit={**_both("mouthSmile", 0.9), **_both("cheekSquint", 0.5), **_both("eyeSquint", 0.3),
                         "jawOpen": 0.15}),
    "sad": Pose({"smile": 0.0, "jaw_open": 0.0, "brow_raise": 0.35}, brow_inner=1.0, eye_open=0.8,
                arkit={**_both("mouthFrown", 0.8), "browInnerUp": 0.9, **_both("mouthLowerDown", 0.2),
                       **_both("eyeSquint", 0.2)}),
    "angry": Pose({"smile": 0.12, "jaw_open": 0.1, "brow_raise": 0.0}, brow_inner=-1.0, eye_open=0.75,
                  arkit={**_both("browDown", 0.9), **_both("eyeSquint", 0.4), **_both("mouthPress", 0.5),
                         **_both("noseSneer", 0.3), **_both("mouthFrown", 0.4)}),
    "afraid": Pose({"smile": 0.2, "jaw_open": 0.55, "brow_raise": 0.9}, brow_inner=1.0, eye_open=1.45,
                   arkit={"browInnerUp": 0.9, **_both("browOuterUp", 0.4), **_both("eyeWide", 0.9),
                          "jawOpen": 0.3, **_both("mouthStretch", 0.6)}),
    "surprised": Pose({"smile": 0.35, "jaw_open": 1.0, "brow_raise": 1.0}, brow_inner=0.3, eye_open=1.5,
                      arkit={"browInnerUp": 0.8, **_both("browOuterUp", 0.9), **_both("eyeWide", 1.0),
                             "jawOpen": 0.7, "mouthFunnel": 0.3}),
    "disgusted": Pose({"smile": 0.2, "jaw_open": 0.15, "brow_raise": 0.15}, brow_inner=-0.5, eye_open=0.8,
                      sneer=1.0, arkit={**_both("noseSneer", 0.9), **_both("mouthUpperUp", 0.7),
                                        **_both("browDown", 0.5), **_both("eyeSquint", 0.4),
                                        **_both("mouthFrown", 0.3)}),
}


def check_expression(expression: str) -> str:
    """The expression's canonical name ("" = neutral); INVALID_ARGUMENT listing the valid ones."""
    name = expression.strip().lower() or "neutral"
    if name not in POSES:
        raise InvalidArgument(f"unknown expression {expression!r}; valid expressions: {', '.join(EXPRESSIONS)}")
    return name


def posed(shape: Mapping[str, float], expression: str) -> dict[str, float]:
    """The face parameters with the expression's overrides applied."""
    return {**shape, **POSES[check_expression(expression)].overrides}


def expression_weights(expression: str) -> dict[str, float]:
    """The ARKit blend-shape weights (0-1) of an expression; neutral has none."""
    return dict(POSES[check_expression(expression)].arkit)
