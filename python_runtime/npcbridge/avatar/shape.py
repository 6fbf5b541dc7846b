"""The continuous side of a portrait: what each latent dimension controls, and
the morph-target weights an engine rig applies to match it.

The built-in model's latent ``z`` is a standard normal vector with one entry per
face parameter; ``Phi(z_i)`` (the normal CDF) is that parameter in [0, 1]. The
renderer draws with these values during training, so the generator learns to
honour them, and the spec reports the same values as blend-shape weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

FACE_PARAMS: tuple[str, ...] = (
    "face_width", "face_length", "eye_size", "eye_spacing", "brow_raise", "smile",
    "jaw_open", "nose_size", "background_hue", "clothing_hue", "head_tilt", "light",
)
LATENT_DIM = len(FACE_PARAMS)


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def shape_from_latent(latent: Sequence[float]) -> dict[str, float]:
    """Face parameters in [0, 1] from a latent vector."""
    if len(latent) != LATENT_DIM:
        raise ValueError(f"latent has {len(latent)} values, expected {LATENT_DIM}")
    return {name: normal_cdf(float(z)) for name, z in zip(FACE_PARAMS, latent, strict=True)}


# Species-level shapes the renderer draws regardless of the latent.
_SPECIES_SHAPE = {
    "human": {"earPoint": 0.0, "tuskSize": 0.0, "jawWidth": 0.45, "noseWidth": 0.4},
    "elf": {"earPoint": 1.0, "tuskSize": 0.0, "jawWidth": 0.2, "noseWidth": 0.25},
    "dwarf": {"earPoint": 0.0, "tuskSize": 0.0, "jawWidth": 0.75, "noseWidth": 0.8},
    "orc": {"earPoint": 0.45, "tuskSize": 1.0, "jawWidth": 0.9, "noseWidth": 0.7},
}


def morph_targets(shape: Mapping[str, float], attributes: Mapping[str, str]) -> dict[str, float]:
    """Blend-shape weights in [0, 1], named after ARKit's face blend shapes plus a
    few face-shape targets (faceWidth, faceLength, jawWidth, noseSize, earPoint,
    tuskSize, eyeSpacing) that a stylised rig commonly carries."""

    def clamp(x: float) -> float:
        return round(min(1.0, max(0.0, x)), 4)

    smile = shape["smile"]
    wide = shape["eye_size"]
    brow = shape["brow_raise"]
    targets = {
        "jawOpen": clamp(shape["jaw_open"] * 0.6),
        "mouthSmileLeft": clamp((smile - 0.35) / 0.65),
        "mouthSmileRight": clamp((smile - 0.35) / 0.65),
        "mouthFrownLeft": clamp((0.35 - smile) / 0.35),
        "mouthFrownRight": clamp((0.35 - smile) / 0.35),
        "browInnerUp": clamp(brow),
        "browOuterUpLeft": clamp(brow * 0.7),
        "browOuterUpRight": clamp(brow * 0.7),
        "browDownLeft": clamp((0.3 - brow) / 0.3),
        "browDownRight": clamp((0.3 - brow) / 0.3),
        "eyeWideLeft": clamp((wide - 0.5) * 2.0),
        "eyeWideRight": clamp((wide - 0.5) * 2.0),
        "eyeSquintLeft": clamp((0.5 - wide) * 2.0),
        "eyeSquintRight": clamp((0.5 - wide) * 2.0),
        "cheekPuff": clamp((shape["face_width"] - 0.7) / 0.3),
        "faceWidth": clamp(shape["face_width"]),
        "faceLength": clamp(shape["face_length"]),
        "eyeSpacing": clamp(shape["eye_spacing"]),
        "noseSize": clamp(shape["nose_size"]),
        "headTilt": clamp(shape["head_tilt"]),
    }
    targets.update({k: clamp(v) for k, v in _SPECIES_SHAPE[attributes["species"]].items()})
    if attributes.get("accessory") == "eyepatch":
        targets["eyeBlinkLeft"] = 1.0
    return targets
