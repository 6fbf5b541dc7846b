"""Splitting documents into passages: whole sentences, packed up to a size that the
encoder reads in full (MiniLM sees 128 tokens; a passage of ~500 characters fits)."""

from __future__ import annotations

import re

MAX_PASSAGE_CHARS = 500
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z0-9])")


def sentences(text: str) -> list[str]:
    """The text's sentences; a sentence longer than a passage is cut at word boundaries."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in _SENTENCE.split(" ".join(paragraph.split())):
            while len(sentence) > MAX_PASSAGE_CHARS:
                cut = sentence.rfind(" ", 0, MAX_PASSAGE_CHARS)
                cut = cut if cut > 0 else MAX_PASSAGE_CHARS
                out.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                out.append(sentence)
    return out


def split_passages(text: str, max_chars: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Consecutive sentences packed into passages of at most ``max_chars``; a paragraph
    break is kept as a passage break when the current passage is already half full."""
    passages: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        if current and len(current) >= max_chars // 2:
            passages.append(current)
            current = ""
        for sentence in sentences(paragraph):
            if current and len(current) + 1 + len(sentence) > max_chars:
                passages.append(current)
                current = ""
            current = f"{current} {sentence}".strip()
    if current:
        passages.append(current)
    return passages
