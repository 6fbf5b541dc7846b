"""Filtering an NPC reply while it streams.

Text is held back only as long as it might still become part of something to
mask: the unfinished word always, and from the earliest word that could begin a
longer match (a lexicon phrase such as "kill yourself", letters spelt with
spaces as in "f u c k", a number that may grow into a phone number or address,
a platform name before a handle). Everything before it is released at once, so
a clean reply starts streaming after its first word; nothing is ever held
longer than the unfinished word plus ``window_chars``. Released text is never
changed afterwards. At each sentence end, the sentence is also judged by the
whole pipeline (classifier included): a BLOCK there stops the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from npcbridge.moderation.normalize import normalize
from npcbridge.moderation.pii import may_start_spanning_pii
from npcbridge.moderation.pipeline import mask
from npcbridge.moderation.policy import Rule
from npcbridge.moderation.types import Action, Span

if TYPE_CHECKING:
    from npcbridge.moderation.pipeline import ModerationPipeline

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s")
_WORD_START = re.compile(r"(?<!\S)\S")


@dataclass
class FilterVerdict:
    """What :meth:`StreamFilter.push` decided for the text so far."""

    release: str = ""
    blocked: bool = False
    masked_categories: set[str] = field(default_factory=set)
    blocked_categories: list[str] = field(default_factory=list)


class StreamFilter:
    """Holds back a window of text; releases it masked; stops on a BLOCK."""

    def __init__(self, pipeline: ModerationPipeline, rules: dict[str, Rule], window_chars: int = 24) -> None:
        self._pipeline = pipeline
        self._rules = rules
        self.window_chars = window_chars
        self._pending = ""
        self._sentence = ""  # released text of the current sentence, for the sentence check
        self.released = ""
        self.masked_categories: set[str] = set()

    def _masked(self, text: str) -> tuple[str, list[Span], list[str]]:
        """Mask by the rule-based findings; report categories that would block."""
        spans, scores = self._pipeline.spans_and_scores(text, "character")
        hide: list[Span] = []
        blocking: list[str] = []
        for span in spans:
            rule = self._rules[span.category]
            if span.score < rule.threshold or rule.action is Action.ALLOW:
                continue
            if rule.action is Action.MASK:
                hide.append(span)
            elif span.category not in blocking:
                blocking.append(span.category)
        return mask(text, hide), hide, blocking

    def _cut(self, final: bool) -> int:
        if final:
            return len(self._pending)
        return max(self._window_cut(), self._safe_cut())

    def _window_cut(self) -> int:
        """The longest hold: all but the last ``window_chars`` and the unfinished word."""
        limit = len(self._pending) - self.window_chars
        if limit <= 0:
            return 0
        # Release only up to a whitespace, so no word is split across the cut.
        cut = max(self._pending.rfind(" ", 0, limit + 1), self._pending.rfind("\n", 0, limit + 1))
        return cut + 1 if cut >= 0 else 0

    def _safe_cut(self) -> int:
        """The start of the earliest complete word that may still begin a match, else of
        the unfinished word (the end when the text ends with a space)."""
        text = self._pending
        starts = [m.start() for m in _WORD_START.finditer(text)]
        if not starts:
            return len(text)
        unfinished = starts[-1] if not text[-1].isspace() else len(text)
        for start in starts:
            if start >= unfinished:
                break
            if self._may_continue(text[start:]):
                return start
        return unfinished

    def _may_continue(self, tail: str) -> bool:
        words = normalize(tail).text
        if not words:
            return False
        if tail[-1].isspace():
            words += " "  # its last word is complete: only phrases that go on can still match
        if all(len(w) == 1 and w.isalpha() for w in words.split()):
            return True  # single letters may be a word spelt out with spaces
        return self._pipeline.lexicon.may_continue(words) or may_start_spanning_pii(tail)

    def push(self, delta: str, final: bool = False) -> FilterVerdict:
        """Add generated text; returns what may be sent now (and whether to stop)."""
        self._pending += delta
        masked, hidden, blocking = self._masked(self._pending)
        if blocking:
            return FilterVerdict(blocked=True, blocked_categories=blocking)
        # Masking keeps lengths, so the cut applies to both. Only the released part
        # is masked for good: the held-back tail may still grow into another word.
        cut = self._cut(final)
        # Never cut through a masked span: the rest of it would lose the context that
        # made it a match ("discord: " released, "shadowblade99" alone is no handle).
        cut = min([cut] + [span.start for span in hidden if span.start < cut < span.end])
        categories = {span.category for span in hidden if span.start < cut}
        release = masked[:cut]
        if release == self._pending[:cut]:
            categories = set()
        self._pending = self._pending[cut:]
        self.masked_categories |= categories
        verdict = FilterVerdict(release=release, masked_categories=categories)
        self._sentence += release
        if self._sentence and (final or _SENTENCE_END.search(self._sentence)):
            judged = self._pipeline.check_batch([self._sentence + self._pending], self._rules, "character")[0]
            if judged.action is Action.BLOCK:
                return FilterVerdict(blocked=True, blocked_categories=judged.flagged_categories)
            if not final:
                self._sentence = ""
        self.released += release
        return verdict

    def finish(self) -> FilterVerdict:
        """Release whatever is held back (end of the reply)."""
        return self.push("", final=True)


def merge_verdicts(first: FilterVerdict | None, second: FilterVerdict) -> FilterVerdict:
    """Two filter verdicts in a row as one (the last piece pushed, then the finish)."""
    if first is None:
        return second
    if first.blocked:
        return first
    return FilterVerdict(release=first.release + second.release, blocked=second.blocked,
                         blocked_categories=second.blocked_categories,
                         masked_categories=first.masked_categories | second.masked_categories)
