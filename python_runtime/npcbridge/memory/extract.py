"""Keeping what matters from a player's line: their name, where they come from, what
they are, promises, deeds and likes, rewritten as the NPC's memory of them.

Rules, not a model: they are exact on the phrasings players use ("my name is",
"I promise", "I killed"), cost nothing per turn, and a game can add any memory
the rules miss with AddMemory. Measured by `npcbridge eval memory`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_END = r"(?P<rest>[^.!?\n]{2,80})"
_NAME = r"(?P<name>[A-Z][a-zA-Z'\-]{1,30}(?: [A-Z][a-zA-Z'\-]{1,30})?)"

# (pattern, memory template, importance); earlier patterns win for overlapping text.
_RULES: list[tuple[re.Pattern[str], str, float]] = [
    (re.compile(r"\b(?i:my name is|my name's|call me|i am called|i'm called|they call me)\s+" + _NAME),
     "The player's name is {name}.", 0.9),
    (re.compile(r"\b(?i:i am|i'm)\s+" + _NAME + r"\s*(?:[,.!]|$)"), "The player's name is {name}.", 0.8),
    (re.compile(r"\b(?:i come from|i'm from|i am from|i grew up in|i was born in)\s+" + _END, re.I), "The player comes from {rest}.", 0.7),
    (re.compile(r"\bi (?:promise|swear|vow|give you my word)(?: to| that i will| that i'll| i will| i'll)?\s+" + _END, re.I), "The player promised to {rest}.", 0.8),
    (re.compile(r"\bi(?:'ll| will) (?:bring|return|pay|find|get|help|come back)" + r"(?P<rest>[^.!?\n]{0,80})", re.I), "The player said they will {verb} {rest}.", 0.6),
    (re.compile(r"\bi (?:killed|slew|defeated|saved|rescued|found|stole|destroyed|built|freed|helped)\s+" + _END, re.I), "The player said they {verb} {rest}.", 0.7),
    (re.compile(r"\bi (?:am|'m) (?:a|an)\s+" + _END, re.I), "The player is a {rest}.", 0.6),
    (re.compile(r"\bi (?:love|like|adore|enjoy|prefer)\s+" + _END, re.I), "The player likes {rest}.", 0.5),
    (re.compile(r"\bi (?:hate|dislike|can't stand|despise|fear|am afraid of)\s+" + _END, re.I), "The player dislikes {rest}.", 0.5),
    (re.compile(r"\bmy (?:favou?rite) (?P<what>[a-z ]{2,20}) is\s+" + _END, re.I), "The player's favourite {what} is {rest}.", 0.6),
]
_VERB = re.compile(r"\bi(?:'ll| will)? (\w+)", re.I)
_PERSON = [(re.compile(r"\bmy\b", re.I), "their"), (re.compile(r"\bme\b", re.I), "them"),
           (re.compile(r"\bmyself\b", re.I), "themselves"), (re.compile(r"\bI\b"), "they")]
_NOT_NAMES = {"Sorry", "Fine", "Here", "Back", "Not", "Just", "Going", "Looking", "Hungry", "Tired", "Lost", "Sure", "Ready"}


@dataclass
class Extracted:
    text: str
    importance: float


def _third_person(text: str) -> str:
    for pattern, replacement in _PERSON:
        text = pattern.sub(replacement, text)
    return text.strip(" ,;:")


def extract_memories(line: str) -> list[Extracted]:
    """Memories worth keeping from one player line (often none)."""
    found: list[Extracted] = []
    taken: list[tuple[int, int]] = []
    for pattern, template, importance in _RULES:
        for match in pattern.finditer(line):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            groups = match.groupdict()
            if "name" in groups and groups["name"].split()[0] in _NOT_NAMES:
                continue
            verb = _VERB.search(match.group(0))
            text = template.format(name=groups.get("name", ""), rest=_third_person(groups.get("rest") or ""),
                                   what=(groups.get("what") or "").strip(), verb=verb.group(1).lower() if verb else "")
            found.append(Extracted(re.sub(r"\s+", " ", text).replace(" .", "."), importance))
            taken.append((match.start(), match.end()))
    return found
