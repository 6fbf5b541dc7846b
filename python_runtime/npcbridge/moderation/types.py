"""Moderation data: categories, actions and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

#: The category names of the contract, in a fixed order.
CATEGORIES = ("profanity", "harassment", "hate", "sexual", "violence", "self_harm", "pii", "prompt_injection")


class Action(str, Enum):
    """What a policy does with a text; ordered by severity."""

    ALLOW = "allow"
    MASK = "mask"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return ("allow", "mask", "block").index(self.value)


@dataclass(frozen=True)
class Span:
    """A flagged region of the original text, in code points, end exclusive."""

    start: int
    end: int
    category: str
    #: How strongly this span alone signals its category (lexicon severity).
    score: float = 1.0


@dataclass
class CheckResult:
    """The outcome of checking one text under one policy."""

    flagged: bool
    action: Action
    flagged_categories: list[str]
    scores: dict[str, float]
    spans: list[Span] = field(default_factory=list)
    masked_text: str = ""
