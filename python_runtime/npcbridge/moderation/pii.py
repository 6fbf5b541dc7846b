"""Personal information in chat: emails, phone numbers, street addresses, URLs
and social handles. Players share these to move a conversation off-platform or
to dox someone; NPCs must never echo them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9-]+\.(?:com|net|org|io|gg|co|tv|me|xyz|ru|de|uk)"
                       r"(?:/[^\s<>\"']*)?\b", re.IGNORECASE)),
    ("phone", re.compile(r"(?<![\w+])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{3,4}[\s.-]?\d{3,4}(?:[\s.-]?\d{2,4})?"
                         r"(?![\w])")),
    ("address", re.compile(
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|"
        r"Court|Ct|Way|Place|Pl|Terrace|Close|Crescent)\b\.?", re.IGNORECASE)),
    ("handle", re.compile(
        r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{2,29})\b|\b(?:discord|insta(?:gram)?|snap(?:chat)?|tiktok|telegram|"
        r"whatsapp|twitter|kik)\s*[:=]?\s*@?[A-Za-z0-9_.#]{3,32}\b", re.IGNORECASE)),
]
_DIGITS = re.compile(r"\d")
# The patterns above that may run across spaces (phones, street addresses, "discord: name")
# start with a digit, "+", "(" or a platform's name.
_SPANNING_START = re.compile(
    r"[\d+(]|(?:discord|insta(?:gram)?|snap(?:chat)?|tiktok|telegram|whatsapp|twitter|kik)\b", re.IGNORECASE)


@dataclass(frozen=True)
class PiiHit:
    kind: str
    start: int
    end: int


def find_pii(text: str) -> list[PiiHit]:
    """Every PII match in ``text`` (original coordinates), overlaps merged."""
    hits: list[PiiHit] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if kind == "phone" and len(_DIGITS.findall(m.group())) < 7:
                continue  # "level 12", "1500 gold" are not phone numbers
            hits.append(PiiHit(kind, m.start(), m.end()))
    hits.sort(key=lambda h: (h.start, -h.end))
    merged: list[PiiHit] = []
    for h in hits:
        if merged and h.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = PiiHit(last.kind, last.start, max(last.end, h.end))
        else:
            merged.append(h)
    return merged


def may_start_spanning_pii(text: str) -> bool:
    """Could a match that runs across spaces (a phone number, an address, a handle after
    a platform's name) start at the beginning of ``text``? Streaming holds such text back."""
    return bool(_SPANNING_START.match(text))
