"""The attribute vocabulary of the built-in avatar model, its palettes, and how
unspecified attributes are filled in from a seed.

The vocabulary is fixed by the trained checkpoint: the generator has one
embedding row per value, in the order listed here.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from npcbridge.errors import InvalidArgument

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "species": ("human", "elf", "dwarf", "orc"),
    "skin_tone": ("pale", "fair", "tan", "brown", "dark", "green"),
    "hair_style": ("bald", "short", "long", "topknot", "mohawk"),
    "hair_color": ("black", "brown", "blonde", "red", "white", "blue"),
    "eye_color": ("brown", "blue", "green", "amber", "violet"),
    "facial_hair": ("none", "beard", "moustache", "goatee"),
    "accessory": ("none", "earring", "eyepatch", "circlet", "scar"),
}
ATTRIBUTE_NAMES: tuple[str, ...] = tuple(ATTRIBUTES)
#: A value any attribute may take in a request: drawn from the seed (with the species' priors).
RANDOM = "random"
# Attributes a request leaves open are drawn from the seed, except these, which stay at their
# plain value: nobody asked for an eyepatch, so none appears ("random" still draws one).
_PLAIN_WHEN_OPEN = {"accessory": "none"}

# Hex colours the renderer paints with; the spec reports them so an engine can
# tint its materials to match the portrait.
SKIN_HEX = {"pale": "#f3d5c4", "fair": "#e2ac88", "tan": "#c48a5a", "brown": "#8d5630",
            "dark": "#5a3826", "green": "#6f9450"}
HAIR_HEX = {"black": "#1d1a1a", "brown": "#5e3b20", "blonde": "#e3c478", "red": "#b0361f",
            "white": "#e9e9e6", "blue": "#3b5fd0"}
EYE_HEX = {"brown": "#6b3e1f", "blue": "#3d82de", "green": "#3c9f4d", "amber": "#d99b27",
           "violet": "#8d4fc8"}

# Priors for attributes a request leaves open, so a bare "orc" usually looks
# like one; any value stays possible, and explicit requests are never overridden.
_PRIORS: dict[tuple[str, str], dict[str, dict[str, float]]] = {
    ("species", "orc"): {"skin_tone": {"green": 6.0}, "accessory": {"earring": 2.0}},
    ("species", "dwarf"): {"facial_hair": {"beard": 6.0}, "hair_color": {"red": 2.0, "brown": 2.0}},
    ("species", "elf"): {"facial_hair": {"none": 6.0}, "hair_style": {"long": 3.0},
                         "skin_tone": {"green": 0.1}, "accessory": {"circlet": 2.0}},
    ("species", "human"): {"skin_tone": {"green": 0.1}},
    ("hair_style", "bald"): {"facial_hair": {"beard": 2.0}},
}


def validate_attributes(attributes: Mapping[str, str]) -> dict[str, str]:
    """Normalise case and whitespace; unknown names or values raise
    :class:`InvalidArgument` listing what is valid."""
    clean: dict[str, str] = {}
    for raw_name, raw_value in attributes.items():
        name = raw_name.strip().lower().replace("-", "_").replace(" ", "_")
        value = raw_value.strip().lower()
        if name not in ATTRIBUTES:
            raise InvalidArgument(
                f"unknown avatar attribute {raw_name!r}; valid attributes: {', '.join(ATTRIBUTE_NAMES)}")
        if value not in ATTRIBUTES[name] and value != RANDOM:
            raise InvalidArgument(
                f"unknown value {raw_value!r} for avatar attribute {name!r}; "
                f"valid values: {', '.join(ATTRIBUTES[name])}, or {RANDOM}")
        clean[name] = value
    return clean


def complete_attributes(given: Mapping[str, str], seed: int) -> dict[str, str]:
    """Fill the attributes ``given`` leaves open (or sets to "random"), deterministically from
    ``seed``; an open accessory stays "none".

    Attributes are drawn in declaration order so that species (first) can shape
    the priors of the ones after it.
    """
    rng = random.Random(seed ^ 0x5EED_A7A7)
    chosen = {name: value for name, value in given.items() if value != RANDOM}
    for name, values in ATTRIBUTES.items():
        if name not in given and name in _PLAIN_WHEN_OPEN:
            chosen[name] = _PLAIN_WHEN_OPEN[name]
        if name in chosen:
            # Still draw, so the other attributes of a seed do not shift when
            # one of them is pinned.
            rng.random()
            continue
        weights = [1.0] * len(values)
        for (cond_name, cond_value), boosts in _PRIORS.items():
            if chosen.get(cond_name) == cond_value:
                for i, value in enumerate(values):
                    weights[i] *= boosts.get(name, {}).get(value, 1.0)
        chosen[name] = _weighted_choice(rng.random(), values, weights)
    return {name: chosen[name] for name in ATTRIBUTE_NAMES}


def _weighted_choice(u: float, values: tuple[str, ...], weights: list[float]) -> str:
    total = sum(weights)
    acc = 0.0
    for value, weight in zip(values, weights, strict=True):
        acc += weight / total
        if u < acc:
            return value
    return values[-1]


def attribute_indices(attributes: Mapping[str, str]) -> list[int]:
    """Per-attribute value indices, in :data:`ATTRIBUTE_NAMES` order."""
    return [ATTRIBUTES[name].index(attributes[name]) for name in ATTRIBUTE_NAMES]


def colors_for(attributes: Mapping[str, str]) -> dict[str, str]:
    """The spec's hex colours for skin, hair and eyes."""
    return {"skin": SKIN_HEX[attributes["skin_tone"]], "hair": HAIR_HEX[attributes["hair_color"]],
            "eyes": EYE_HEX[attributes["eye_color"]]}


def hex_to_rgb(hex_colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` to floats in [0, 1]."""
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]
