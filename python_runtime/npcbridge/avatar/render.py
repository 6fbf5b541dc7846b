"""Procedural renderer of stylised fantasy portraits: the training data of the
built-in generator and the ground truth its attribute classifier learns from.

Shapes are signed-distance fields over a pixel grid (anti-aliased by one pixel),
painted back to front. Everything is a pure function of (attributes, face
parameters, size), so a dataset is reproducible from its seed.
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping

import numpy as np

from npcbridge.avatar.attributes import EYE_HEX, HAIR_HEX, SKIN_HEX, hex_to_rgb
from npcbridge.avatar.expressions import POSES, posed

_GOLD = np.array(hex_to_rgb("#d8b040"))
_IVORY = np.array(hex_to_rgb("#f2ead0"))
_LIPS = np.array(hex_to_rgb("#5a1e22"))
_DARK = np.array(hex_to_rgb("#161414"))
_WHITE = np.array(hex_to_rgb("#f6f4f0"))
_GEM = np.array(hex_to_rgb("#c0263a"))

# Species proportions: (head half-width, head half-height, jaw flare, nose width).
_ZOOM = 1.3
_SPECIES = {"human": (0.34, 0.44, 0.0, 1.0), "elf": (0.30, 0.47, -0.1, 0.8),
            "dwarf": (0.39, 0.41, 0.15, 1.5), "orc": (0.40, 0.44, 0.35, 1.3)}
# Ears: (half-width, half-height, outward lean in radians, vertical offset).
_EARS = {"human": (0.06, 0.1, 0.0, 0.0), "elf": (0.05, 0.24, 0.75, -0.12),
         "dwarf": (0.07, 0.11, 0.0, 0.0), "orc": (0.07, 0.16, 0.55, -0.05)}


class _Canvas:
    """An RGB float image plus the pixel-centre coordinates in [-1, 1]."""

    def __init__(self, size: int) -> None:
        c = (np.arange(size, dtype=np.float32) + 0.5) / size * 2.0 - 1.0
        self.y, self.x = np.meshgrid(c, c, indexing="ij")
        self.aa = 2.0 / size
        self.rgb = np.zeros((size, size, 3), dtype=np.float32)

    def coverage(self, sdf: np.ndarray) -> np.ndarray:
        return np.clip(0.5 - sdf / self.aa, 0.0, 1.0)

    def paint(self, sdf: np.ndarray, colour: np.ndarray | float, alpha: float = 1.0) -> np.ndarray:
        m = self.coverage(sdf)[..., None] * alpha
        self.rgb = self.rgb * (1.0 - m) + np.asarray(colour, dtype=np.float32) * m
        return m


def _ellipse(x: np.ndarray, y: np.ndarray, cx: float, cy: float, a: float, b: float,
             angle: float = 0.0) -> np.ndarray:
    dx, dy = x - cx, y - cy
    if angle:
        c, s = np.cos(angle), np.sin(angle)
        dx, dy = c * dx + s * dy, -s * dx + c * dy
    return (np.sqrt((dx / a) ** 2 + (dy / b) ** 2) - 1.0) * min(a, b)


def _segment(x: np.ndarray, y: np.ndarray, p: tuple[float, float], q: tuple[float, float],
             width: float) -> np.ndarray:
    px, py = x - p[0], y - p[1]
    vx, vy = q[0] - p[0], q[1] - p[1]
    t = np.clip((px * vx + py * vy) / (vx * vx + vy * vy), 0.0, 1.0)
    return np.hypot(px - t * vx, py - t * vy) - width


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), dtype=np.float32)


def render_portrait(attributes: Mapping[str, str], shape: Mapping[str, float], size: int = 128,
                    expression: str = "neutral") -> np.ndarray:
    """Draw one portrait; returns ``uint8`` of shape ``(size, size, 3)``. ``expression`` (one of
    :data:`~npcbridge.avatar.expressions.EXPRESSIONS`) moves mouth, jaw, brows, eyelids and nose only."""
    pose = POSES[expression]
    shape = posed(shape, expression)
    cv = _Canvas(size)
    x, y = cv.x, cv.y
    species = attributes["species"]
    skin = np.array(hex_to_rgb(SKIN_HEX[attributes["skin_tone"]]), dtype=np.float32)
    hair = np.array(hex_to_rgb(HAIR_HEX[attributes["hair_color"]]), dtype=np.float32)
    iris = np.array(hex_to_rgb(EYE_HEX[attributes["eye_color"]]), dtype=np.float32)
    style, beard, extra = attributes["hair_style"], attributes["facial_hair"], attributes["accessory"]

    # Background, shoulders, neck (not tilted).
    top, bottom = _hsv(shape["background_hue"], 0.35, 0.62), _hsv(shape["background_hue"], 0.45, 0.38)
    t = ((y + 1.0) / 2.0)[..., None]
    cv.rgb = top * (1.0 - t) + bottom * t
    cv.rgb *= (1.0 - 0.25 * np.clip(x * x + y * y - 0.6, 0.0, 1.0))[..., None]
    cloth = _hsv(shape["clothing_hue"], 0.55, 0.5)
    cv.paint(_ellipse(x, y, 0.0, 1.2, 0.85, 0.5), cloth * (0.8 + 0.2 * (1 - (x * x))[..., None]))

    aw, bh, flare, nose_w = _SPECIES[species]
    a = aw + 0.08 * (shape["face_width"] - 0.5)
    b = bh + 0.07 * (shape["face_length"] - 0.5)
    cy = -0.08
    cv.paint(np.maximum(np.abs(x) - a * 0.5, np.maximum(-y, y - 0.85)), skin * 0.78)

    # Head coordinates: rotate about the neck by the tilt, and zoom so the head
    # fills the frame.
    tilt = (shape["head_tilt"] - 0.5) * 0.3
    c, s = np.cos(tilt), np.sin(tilt)
    hx, hy = c * x + s * (y - 0.45), -s * x + c * (y - 0.45) + 0.45
    hx, hy = hx / _ZOOM, (hy - 0.1) / _ZOOM

    hairline = cy - b * 0.42
    if style == "long":
        back = np.maximum(_ellipse(hx, hy, 0.0, cy + 0.12, a * 1.3, b * 1.12), hy - 0.72)
        cv.paint(back, hair * 0.8)

    # Ears behind the head.
    ew, eh, lean, eoff = _EARS[species]
    for side in (-1.0, 1.0):
        cv.paint(_ellipse(hx, hy, side * (a - 0.01), cy + 0.02 + eoff, ew, eh, -side * lean), skin * 0.88)

    # Head: an ellipse whose lower half flares for broad-jawed species.
    rel = np.clip((hy - cy) / b, 0.0, 1.0)
    head = _ellipse(hx / (1.0 + flare * rel * 0.35), hy, 0.0, cy, a, b)
    lx = (shape["light"] - 0.5) * 0.8
    r2 = ((hx - lx * a) / a) ** 2 + ((hy - cy + 0.25 * b) / b) ** 2
    cv.paint(head, skin * np.clip(1.1 - 0.3 * r2, 0.6, 1.15)[..., None])

    # Eyes.
    ey = cy + 0.02
    dx = 0.13 + 0.05 * (shape["eye_spacing"] - 0.5)
    ea = 0.06 * (0.8 + 0.4 * shape["eye_size"])
    eb_identity = 0.034 * (0.7 + 0.6 * shape["eye_size"])
    eb = eb_identity * pose.eye_open  # lids open wide (fear, surprise) or narrow (a smile, anger)
    for side in (-1.0, 1.0):
        ex = side * dx
        cv.paint(_ellipse(hx, hy, ex, ey, ea, eb), _WHITE)
        r = eb_identity * 0.95
        eye_clip = _ellipse(hx, hy, ex, ey, ea, eb)
        cv.paint(np.maximum(_ellipse(hx, hy, ex, ey, r, r), eye_clip), iris)
        cv.paint(np.maximum(_ellipse(hx, hy, ex, ey, r * 0.45, r * 0.45), eye_clip), _DARK)
        cv.paint(_ellipse(hx, hy, ex - r * 0.3, ey - r * 0.35, r * 0.22, r * 0.22), _WHITE, 0.8)
        # Brows: inner ends drop when the brow is low (a frown).
        by = ey - 0.075 - 0.05 * shape["brow_raise"]
        inner = (0.5 - shape["brow_raise"]) * 0.05 - pose.brow_inner * 0.04
        thick = 0.02 if species != "dwarf" else 0.03
        cv.paint(_segment(hx, hy, (side * (dx - ea), by + inner), (side * (dx + ea * 1.1), by), thick),
                 hair * 0.85)

    # Nose.
    ny = cy + 0.14
    nose = 0.7 + 0.6 * shape["nose_size"]
    cv.paint(_ellipse(hx, hy, 0.0, ny, 0.028 * nose * nose_w, 0.05 * nose), skin * 0.8)
    for side in (-1.0, 1.0):
        cv.paint(_ellipse(hx, hy, side * 0.018 * nose * nose_w, ny + 0.03 * nose, 0.01, 0.007), skin * 0.45)
        if pose.sneer:  # disgust wrinkles the nose either side of its bridge
            cv.paint(_segment(hx, hy, (side * 0.02, ny - 0.035), (side * 0.055, ny - 0.005), 0.006 * pose.sneer),
                     skin * 0.55)

    # Facial hair sits under the mouth line.
    my = cy + 0.29
    if beard == "beard":
        grow = 1.25 if species == "dwarf" else 1.0
        region = np.maximum(_ellipse(hx / (1.0 + flare * rel * 0.35), hy, 0.0, cy + 0.04, a * 1.04, b * 1.08 * grow),
                            (my - 0.07) - hy)
        cv.paint(region, hair * (0.8 + 0.1 * np.sin(hx * 60.0))[..., None])
    if beard in ("beard", "moustache"):
        for side in (-1.0, 1.0):
            cv.paint(_ellipse(hx, hy, side * 0.05, my - 0.04, 0.065, 0.022, side * 0.25), hair * 0.75)
    if beard == "goatee":
        cv.paint(_ellipse(hx, hy, 0.0, my + 0.1, 0.045, 0.075), hair * 0.8)

    # Mouth: a curve that bends with the smile and opens with the jaw.
    w = 0.08 + 0.04 * shape["smile"]
    curve = (shape["smile"] - 0.35) * 0.06
    u = np.clip(hx / w, -1.0, 1.0)
    centre = my + curve * (1.0 - u * u)  # y grows downward: a smile bows the middle down
    half = (0.008 + 0.03 * shape["jaw_open"]) * np.sqrt(np.clip(1.0 - u * u, 0.0, 1.0)) + 0.004
    cv.paint(np.maximum(np.abs(hy - centre) - half, np.abs(hx) - w), _LIPS)
    if species == "orc":
        for side in (-1.0, 1.0):
            cv.paint(_ellipse(hx, hy, side * 0.075, my - 0.035, 0.016, 0.045, side * 0.2), _IVORY)

    # Hair on top.
    if style in ("short", "long", "topknot"):
        cap = np.maximum(_ellipse(hx, hy, 0.0, cy - 0.02, a * 1.07, b * 1.06),
                         hy - (hairline + 0.12 * (hx / a) ** 2))
        cv.paint(cap, hair * (0.85 + 0.1 * np.sin(hx * 45.0 + hy * 10.0))[..., None])
    if style == "topknot":
        cv.paint(_ellipse(hx, hy, 0.0, cy - b - 0.07, 0.1, 0.09), hair * 0.9)
    if style == "mohawk":
        strip = np.maximum(_ellipse(hx, hy, 0.0, cy - 0.06, a * 0.9, b * 1.2),
                           np.maximum(np.abs(hx) - 0.06, hy - (hairline + 0.05)))
        cv.paint(strip, hair * (0.85 + 0.1 * np.sin(hy * 60.0))[..., None])
    if style == "bald":
        cv.paint(_ellipse(hx, hy, -0.1 + lx * 0.1, cy - b * 0.7, 0.09, 0.04), _WHITE, 0.25)

    # Accessories.
    if extra == "earring":
        ring = np.abs(_ellipse(hx, hy, a + 0.005, cy + 0.14 + eoff * 0.3, 0.024, 0.024)) - 0.006
        cv.paint(ring, _GOLD)
    elif extra == "eyepatch":
        cv.paint(_segment(hx, hy, (-dx, ey), (a * 0.95, hairline + 0.02), 0.01), _DARK)
        cv.paint(_segment(hx, hy, (-dx, ey), (-a * 0.98, ey + 0.02), 0.01), _DARK)
        cv.paint(_ellipse(hx, hy, -dx, ey + 0.005, ea * 1.25, eb * 2.0), _DARK)
    elif extra == "circlet":
        band = np.maximum(np.abs(hy - (hairline + 0.05)) - 0.018, head + 0.004)
        cv.paint(band, _GOLD)
        cv.paint(_ellipse(hx, hy, 0.0, hairline + 0.05, 0.03, 0.03), _GEM)
    elif extra == "scar":
        cv.paint(_segment(hx, hy, (dx - 0.06, ey - 0.13), (dx + 0.05, ey + 0.15), 0.011),
                 skin * 0.55 + np.array([0.25, 0.02, 0.02], dtype=np.float32))

    return (np.clip(cv.rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
