"""Filtering an NPC reply while it streams.

Text is held back by a small window (the unfinished word plus ``window_chars``)
so that a word to be masked, even one split across tokens or spelt with spaces
("f u c k"), is seen whole before any of it is released. Released text is never
changed afterwards. At each sentence end, the sentence is also judged by the
whole pipeline (classifier included): a BLOCK there stops the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from npcbridge.moderation.pipeline import mask
from npcbridge.moderation.policy import Rule
from npcbridge.moderation.types import Action, Span

if TYPE_CHECKING:
    from npcbridge.moderation.pipeline import ModerationPipeline

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s")


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

    def _masked(self, text: str) -> tuple[str, set[str], list[str]]:
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
        return mask(text, hide), {s.category for s in hide}, blocking

    def _cut(self, final: bool) -> int:
        if final:
            return len(self._pending)
        limit = len(self._pending) - self.window_chars
        if limit <= 0:
            return 0
        # Release only up to a whitespace, so no word is split across the cut.
        cut = max(self._pending.rfind(" ", 0, limit + 1), self._pending.rfind("\n", 0, limit + 1))
        return cut + 1 if cut >= 0 else 0

    def push(self, delta: str, final: bool = False) -> FilterVerdict:
        """Add generated text; returns what may be sent now (and whether to stop)."""
        self._pending += delta
        masked, categories, blocking = self._masked(self._pending)
        if blocking:
            return FilterVerdict(blocked=True, blocked_categories=blocking)
        # Masking keeps lengths, so the cut applies to both. Only the released part
        # is masked for good: the held-back tail may still grow into another word.
        cut = self._cut(final)
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
