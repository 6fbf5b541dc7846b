"""A grid of portraits in one PNG (``npcbridge avatar --montage``, ``eval avatars``'s artefact),
with an optional caption over each column and at the start of each row."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

_CAPTION = 14  # pixels of caption band


def montage_png(rows: Sequence[Sequence[bytes]], column_names: Sequence[str] = (),
                row_names: Sequence[str] = (), gap: int = 4) -> bytes:
    """PNG bytes of ``rows`` of PNG portraits laid out as a grid (every portrait the same size)."""
    images = [[Image.open(io.BytesIO(png)).convert("RGB") for png in row] for row in rows]
    if not images or not images[0]:
        raise ValueError("a montage needs at least one portrait")
    w, h = images[0][0].size
    top = _CAPTION if column_names else 0
    left = 8 * max((len(n) for n in row_names), default=0)
    n_cols = max(len(r) for r in images)
    sheet = Image.new("RGB", (left + n_cols * (w + gap) + gap, top + len(images) * (h + gap) + gap), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(column_names):
        draw.text((left + gap + c * (w + gap) + 2, 1), name, fill=(230, 230, 230))
    for r, row in enumerate(images):
        y = top + gap + r * (h + gap)
        if r < len(row_names):
            draw.text((2, y + h // 2 - 6), row_names[r], fill=(230, 230, 230))
        for c, image in enumerate(row):
            sheet.paste(image, (left + gap + c * (w + gap), y))
    buf = io.BytesIO()
    sheet.save(buf, format="PNG")
    return buf.getvalue()


def as_array(png: bytes) -> np.ndarray:
    """``(H, W, 3)`` uint8 of a PNG."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
