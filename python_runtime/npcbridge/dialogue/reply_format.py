"""The written form of a structured reply, and its streaming parser.

A reply is speech, optionally headed by an emotion in brackets, and optionally
followed by a tail of action-call lines (the engine marks tail text apart from
speech, see ``SamplingParams.tail_grammar``)::

    [happy] Here, take it; it is the best blade in town.      <- speech
    -> give_item {"item": "sword"}                           <- tail

Model engines write the tail under a grammar built from the character's actions
(:mod:`npcbridge.dialogue.reply_grammar`); the scripted backend writes the same
form. The parser is incremental: an emotion is known as soon as its bracket
closes and a call as soon as its JSON arguments close.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

CALL_PREFIX = "-> "
_ARGS_JSON = {"separators": (", ", ": ")}


def call_line(name: str, arguments: dict) -> str:
    """One action call as the tail writes it."""
    return f"\n{CALL_PREFIX}{name} {json.dumps(arguments, **_ARGS_JSON)}"


def emotion_head(label: str) -> str:
    """The bracketed emotion that may head the speech."""
    return f"[{label}] "


@dataclass
class ParsedEmotion:
    label: str


@dataclass
class ParsedCall:
    name: str
    arguments: str  # the JSON text as written


@dataclass
class ParsedText:
    text: str


ParsedPart = ParsedEmotion | ParsedCall | ParsedText


class ReplyParser:
    """Splits a streamed reply into emotion, speech and calls as each completes.

    ``feed(piece, tail)`` takes the next piece of raw output (``tail``: it is tail
    text) and returns the parts it finished; ``finish`` flushes the rest. Only one
    of ``labels`` in brackets heads the speech: "[bold] words" is all speech.
    """

    def __init__(self, labels: list[str]) -> None:
        self._labels = set(labels)
        self._head: str | None = ""  # None: the head is settled
        self._tail = ""
        self._after_emotion = False  # the space after "[label]" may come with the next piece

    def feed(self, piece: str, tail: bool = False) -> list[ParsedPart]:
        if tail:
            self._tail += piece
            return self._calls(final=False)
        if self._head is None:
            if self._after_emotion:
                piece = piece.lstrip(" ")
                self._after_emotion = not piece
            return [ParsedText(piece)] if piece else []
        self._head += piece
        return self._settle_head(final=False)

    def finish(self) -> list[ParsedPart]:
        parts = self._settle_head(final=True) if self._head is not None else []
        return parts + self._calls(final=True)

    def _settle_head(self, final: bool) -> list[ParsedPart]:
        head = self._head.lstrip()
        if not head and not final:
            return []
        end = head.find("]") if head.startswith("[") else -2
        if end == -1 and not final:
            return []  # the bracket is still open
        self._head = None
        if end < 0 or head[1:end].strip() not in self._labels:
            return [ParsedText(head)] if head else []
        speech = head[end + 1:].lstrip(" ")
        self._after_emotion = not speech
        return [ParsedEmotion(head[1:end].strip())] + ([ParsedText(speech)] if speech else [])

    def _calls(self, final: bool) -> list[ParsedPart]:
        parts: list[ParsedPart] = []
        while True:
            start = self._tail.find(CALL_PREFIX)
            if start < 0:
                break
            line_end = self._tail.find("\n", start)
            line = self._tail[start + len(CALL_PREFIX):line_end if line_end >= 0 else len(self._tail)]
            name, _, arguments = line.strip().partition(" ")
            complete = line_end >= 0 or final or _is_json_object(arguments)
            if not complete or not name:
                break
            parts.append(ParsedCall(name, arguments.strip()))
            self._tail = self._tail[line_end + 1:] if line_end >= 0 else ""
        return parts


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
