"""Streamed reply text cut into pieces a voice can speak while the rest still streams.

A piece ends at a sentence end. The first piece of a reply is cut sooner, at a clause mark
or after a few words, so the NPC starts speaking while the model is still writing its first
sentence (a short piece is also synthesised faster). What moderation masked (runs of ``*``)
is dropped: a masked word is never synthesised.
"""

from __future__ import annotations

import re

from npcbridge.moderation.pipeline import MASK_CHAR

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s)|\n+")
_CLAUSE_END = re.compile(r"[,;:—–]+(?=\s)")
_MASKED = re.compile(re.escape(MASK_CHAR) + r"{2,}|(?<!\w)" + re.escape(MASK_CHAR) + r"(?!\w)")
_SPEAKABLE = re.compile(r"\w")


def speakable(text: str) -> str:
    """``text`` as it may be spoken: masked runs and stray asterisks out, spaces tidied."""
    text = _MASKED.sub(" ", text).replace(MASK_CHAR, "")
    return re.sub(r"\s+", " ", text).strip()


class SpeechSegmenter:
    """Feed text deltas in order; take complete pieces out.

    ``first_clause_chars``: the first piece may end at a comma once it has this many
    characters; ``first_words``: or after this many whole words (0: never).
    ``max_chars``: a piece with no sentence end is cut at a space past this.
    """

    def __init__(self, first_clause_chars: int = 4, first_words: int = 3, max_chars: int = 220) -> None:
        self.first_clause_chars = first_clause_chars
        self.first_words = first_words
        self.max_chars = max_chars
        self._buffer = ""
        self._emitted = 0

    def feed(self, delta: str) -> list[str]:
        """Pieces completed by ``delta`` (possibly none)."""
        self._buffer += delta
        pieces = []
        while True:
            cut = self._cut()
            if cut is None:
                break
            piece, self._buffer = self._buffer[:cut], self._buffer[cut:]
            pieces += self._keep(piece)
        return pieces

    def flush(self) -> list[str]:
        """What is left when the text ends."""
        piece, self._buffer = self._buffer, ""
        return self._keep(piece)

    def _cut(self) -> int | None:
        match = _SENTENCE_END.search(self._buffer)
        if match:
            return match.end()
        if self._emitted == 0:
            for clause in _CLAUSE_END.finditer(self._buffer):
                if clause.end() >= self.first_clause_chars:
                    return clause.end()
            if self.first_words:
                # Words followed by a space are whole (the next delta may still extend the last one).
                spaces = [m.start() for m in re.finditer(r"(?<=\w)\s+", self._buffer)]
                if len(spaces) >= self.first_words:
                    return spaces[self.first_words - 1]
        if len(self._buffer) > self.max_chars:
            space = self._buffer.rfind(" ", 0, self.max_chars)
            return space if space > 0 else self.max_chars
        return None

    def _keep(self, piece: str) -> list[str]:
        text = speakable(piece)
        if not _SPEAKABLE.search(text):
            return []
        self._emitted += 1
        return [text]


def split_text(text: str) -> list[str]:
    """A whole text's pieces, as a stream of it would be cut."""
    segmenter = SpeechSegmenter()
    return segmenter.feed(text) + segmenter.flush()
