"""Prompt-injection patterns in player input: attempts to override the NPC's
instructions, extract the system prompt or switch it into another persona.
The learned classifier adds a score for paraphrases these patterns miss."""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULES: list[tuple[float, re.Pattern[str]]] = [(score, re.compile(p, re.IGNORECASE)) for score, p in [
    (0.95, r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:instructions?|rules|prompt|guidelines|"
           r"programming|directives|system message|everything (?:above|before))"),
    (0.95, r"\b(?:print|show|reveal|repeat|tell me|output|display|leak|what(?:'s| is| are))\b.{0,30}"
           r"\b(?:system prompt|initial prompt|your (?:instructions|prompt|rules|guidelines|programming))"),
    (0.9, r"\byou are (?:now|no longer)\b|\bfrom now on,? you (?:are|will|must)\b"),
    (0.9, r"\b(?:developer|dev|god|admin|debug|jailbreak|dan) mode\b|\bdo anything now\b|\bjailbreak\b"),
    (0.85, r"\b(?:pretend|imagine|act as if|roleplay as|role-play as) (?:you are|you're|to be) (?:an? )?"
           r"(?:ai|assistant|chatgpt|language model|different|unrestricted|evil|uncensored)"),
    (0.85, r"\b(?:stop|quit|break) (?:role-?playing|being \w+|character)\b|\bout of character\b|\booc:"),
    (0.8, r"\bnew (?:instructions|rules|persona|system prompt)\b|\[\s*system\s*\]|<\|?(?:im_start|system)\|?>"
          r"|^\s*system\s*:"),
    (0.75, r"\bas an ai\b|\byou(?:'re| are) (?:just )?an? (?:ai|llm|language model|chatbot|bot)\b"),
]]


@dataclass(frozen=True)
class InjectionHit:
    score: float
    start: int
    end: int


def find_injection(text: str) -> list[InjectionHit]:
    """Matches of the injection rules (original coordinates)."""
    hits = []
    for score, rule in _RULES:
        for m in rule.finditer(text):
            hits.append(InjectionHit(score, m.start(), m.end()))
    return hits
