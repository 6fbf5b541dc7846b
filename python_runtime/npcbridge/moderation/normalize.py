"""Normalisation that defeats common evasions while remembering where each
character came from, so spans found in the normalised text map back to the
original.

Steps: drop zero-width and format characters; NFKC; fold homoglyphs and
confusables to Latin (confusable-homoglyphs' Unicode data); strip diacritics;
lower-case; read leetspeak inside words ("sh1t", "@ss"); drop separators inside
words ("f.u.c.k", "f-u-c-k"); join runs of single letters ("f u c k"); squeeze
runs of three or more repeated letters ("fuuuuck").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from confusable_homoglyphs import confusables

_ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x034F}
_SEPARATORS = set(".-_*~'`^·•")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l"}


@lru_cache(maxsize=1)
def _confusable_map() -> dict[str, str]:
    """Map every character that Unicode lists as confusable with one Latin letter
    or digit to that letter."""
    folded: dict[str, str] = {}
    for char, entries in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for entry in entries:
            target = entry.get("c", "")
            if len(target) == 1 and target.isascii() and target.isalnum():
                folded[char] = target
                break
    return folded


@dataclass
class Normalized:
    """Normalised text plus, per character, the index of its original character.

    ``offsets`` may be computed lazily (fast path): use :meth:`to_original`.
    """

    text: str
    offsets: list[int] | None
    original: str
    _words: list[re.Match[str]] = field(default_factory=list, repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span (end exclusive) to the original text."""
        if self.offsets is None:
            self.offsets = _plain_offsets(self._words)
        return self.offsets[start], self.offsets[end - 1] + 1


def _fold(text: str) -> list[tuple[str, int]]:
    """Per-character folding: zero-width, NFKC, confusables, diacritics, case."""
    table = _confusable_map()
    out: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if code in _ZERO_WIDTH or (0xFE00 <= code <= 0xFE0F) or unicodedata.category(ch) == "Cf":
            continue
        for c in unicodedata.normalize("NFKC", ch):
            c = table.get(c, c)
            base = unicodedata.normalize("NFKD", c)
            stripped = "".join(b for b in base if not unicodedata.combining(b)) or c
            for s in stripped.lower():
                out.append((s, i))
    return out


def _is_letter(c: str) -> bool:
    return c.isalpha()


def _leet_inside(c: str, prev_alpha: bool, nxt: str) -> bool:
    """Is a leet symbol part of a word here? "sh!t", "@ss", "a$$" yes; "hello!!" no."""
    if c in "!|":
        return prev_alpha and nxt.isalnum()
    if c == "$":
        return prev_alpha or _is_letter(nxt)
    return (prev_alpha and (nxt.isalnum() or nxt in _LEET)) or _is_letter(nxt)


def _words(chars: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """Split into words: letters, digits, leet symbols and inner separators."""
    words: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    n = len(chars)
    for k, (c, i) in enumerate(chars):
        prev_alpha = bool(current) and any(_is_letter(x) for x, _ in current)
        nxt = chars[k + 1][0] if k + 1 < n else ""
        if c.isalnum():
            current.append((c, i))
        elif c in _LEET and _leet_inside(c, prev_alpha, nxt):
            current.append((c, i))
        elif c in _SEPARATORS and current and (nxt.isalnum() or nxt in _LEET):
            continue  # "f.u.c.k": drop the separator, keep the word going
        else:
            if current:
                words.append(current)
            current = []
    if current:
        words.append(current)
    return words


def _deleet(word: list[tuple[str, int]]) -> list[tuple[str, int]]:
    if not any(_is_letter(c) for c, _ in word):
        return word  # "1337", "2024": numbers stay numbers
    return [(_LEET.get(c, c), i) for c, i in word]


def _squeeze(word: list[tuple[str, int]]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    k = 0
    while k < len(word):
        j = k
        while j < len(word) and word[j][0] == word[k][0]:
            j += 1
        out.extend(word[k:k + 1] if j - k >= 3 else word[k:j])
        k = j
    return out


# Plain text needs none of the slow steps: ASCII, no symbols or separators
# inside words, no letters next to digits, no letter run of three, no run of
# three single letters. Most chat is plain; it takes the C-speed path below.
_NOT_PLAIN = re.compile(
    r"[^\x00-\x7f]|[A-Za-z0-9][.*_~`^$@!|+]+[A-Za-z0-9]|[$@][A-Za-z]|[A-Za-z]\$|[A-Za-z][0-9]|[0-9][A-Za-z]"
    r"|([A-Za-z])\1\1|(?:^|[^A-Za-z0-9])[A-Za-z][^A-Za-z0-9]+[A-Za-z][^A-Za-z0-9]+[A-Za-z](?:$|[^A-Za-z0-9])",
    re.IGNORECASE)
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")


def _plain_offsets(words: list[re.Match[str]]) -> list[int]:
    offsets: list[int] = []
    for k, m in enumerate(words):
        if k:
            offsets.append(m.start())
        offsets.extend(m.start() + j for j, c in enumerate(m.group()) if c not in "-'")
    return offsets


def normalize(text: str) -> Normalized:
    """Normalise ``text`` into lower-case words separated by single spaces."""
    if not _NOT_PLAIN.search(text):
        words = list(_PLAIN_WORD.finditer(text))
        joined = " ".join(m.group() for m in words).lower().replace("-", "").replace("'", "")
        return Normalized(joined, None, text, words)
    return normalize_slow(text)


def normalize_slow(text: str) -> Normalized:
    """The full character-by-character normalisation, with offsets."""
    words = [_squeeze(_deleet(w)) for w in _words(_fold(text))]
    # Join runs of three or more single letters: "f u c k" -> "fuck".
    merged: list[list[tuple[str, int]]] = []
    run: list[tuple[str, int]] = []
    for w in words:
        if len(w) == 1 and _is_letter(w[0][0]):
            run.extend(w)
            continue
        if run:
            merged.extend([run] if len(run) >= 3 else [[c] for c in run])
            run = []
        merged.append(w)
    if run:
        merged.extend([run] if len(run) >= 3 else [[c] for c in run])
    chars: list[str] = []
    offsets: list[int] = []
    for w in merged:
        if chars:
            chars.append(" ")
            offsets.append(w[0][1])
        for c, i in w:
            chars.append(c)
            offsets.append(i)
    return Normalized("".join(chars), offsets, text)
