"""What makes a reply unusable in a game, measured on its text.

Shared by the Say flow (a degenerate reply is not fed back into the next prompt,
where a small model would copy the loop) and by ``npcbridge eval replies``.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w']+")
# A reply ends a sentence when its last visible character closes one (quotes,
# brackets and asterisks of stage directions may follow).
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]*]*\s*$")
_OUT_OF_CHARACTER = re.compile(
    r"\b(as an ai|an ai\b|a\.?i\. (model|assistant)|language model|chatbot|chat ?gpt|openai|"
    r"virtual assistant|i am an assistant|i'm an assistant|my (programming|training data)|"
    r"system prompt|i was (trained|programmed)|i cannot (browse|access the internet))", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Lower-cased words (letters, digits, apostrophes)."""
    return [w.lower() for w in _WORD.findall(text)]


def loops(text: str, n: int = 3, repeats: int = 3) -> bool:
    """True when some ``n``-word sequence occurs ``repeats`` times or more, or one
    word fills most of a long reply: the signature of a small model stuck in a loop."""
    tokens = words(text)
    if len(tokens) >= 12 and max(tokens.count(t) for t in set(tokens)) > len(tokens) // 3:
        return True
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i:i + n])
        seen[gram] = seen.get(gram, 0) + 1
        if seen[gram] >= repeats:
            return True
    # The same sentence twice is a loop too, however short.
    sentences = [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 3]
    return len(sentences) != len(set(sentences))


def ends_sentence(text: str) -> bool:
    """True when the text ends at a sentence boundary."""
    return bool(_SENTENCE_END.search(text.strip())) if text.strip() else False


def out_of_character(text: str) -> bool:
    """True when the reply talks about being an AI, a model or its instructions."""
    return bool(_OUT_OF_CHARACTER.search(text))


def degenerate(text: str) -> bool:
    """A reply not worth keeping in the prompt history: empty, looping or out of character."""
    return not text.strip() or loops(text) or out_of_character(text)


def states_all(text: str, expect: list[str]) -> bool:
    """Whether ``text`` contains every expected entry (case-insensitive; "a|b" accepts
    either): how the evaluations decide that a reply stated a fact."""
    low = text.lower()
    return all(any(alt.strip().lower() in low for alt in str(item).split("|")) for item in expect)
