"""Input checks for dialogue requests; each failure says what to change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from npcbridge.dialogue.types import Character, SamplingParams, SayOptions
from npcbridge.errors import InvalidArgument
from npcbridge.moderation.policy import TIERS

_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
MAX_CHARACTER_CHARS = 32_000
MAX_KNOWLEDGE_ITEMS = 200


@dataclass(frozen=True)
class DialogueLimits:
    """The limits dialogue enforces (from Settings)."""

    max_text_chars: int = 2000
    max_new_tokens: int = 512
    default_max_tokens: int = 128
    max_concurrent_streams: int = 32
    max_context_tokens: int = 2048
    default_temperature: float = 0.3
    default_top_p: float = 0.9
    default_min_p: float = 0.05
    default_repetition_penalty: float = 1.0
    default_no_repeat_ngram: int = 4
    sentence_stop: float = 0.6  # share of max_tokens after which a sentence end ends the reply
    history_hygiene: bool = True  # leave degenerate replies out of the prompt (off only to measure it)


def check_id(value: str, what: str) -> str:
    """An id must be 1-128 of letters, digits and ``_.:-``."""
    if not value:
        raise InvalidArgument(f"{what} is empty; pass the id returned when it was created")
    if not _ID.match(value):
        raise InvalidArgument(f"{what} {value[:64]!r} is not a valid id: use 1-128 letters, digits, '_', '.', ':' or '-'")
    return value


def check_character(character: Character) -> None:
    """Names are required; the whole definition must fit a prompt."""
    if not character.name.strip():
        raise InvalidArgument("character.name is empty; every character needs a name")
    if character.id:
        check_id(character.id, "character.id")
    if character.safety_policy and character.safety_policy not in TIERS:
        raise InvalidArgument(f"character.safety_policy {character.safety_policy!r} is unknown; use one of: "
                              f"{', '.join(TIERS)} (or leave it empty for the host default)")
    if len(character.knowledge) > MAX_KNOWLEDGE_ITEMS:
        raise InvalidArgument(f"character.knowledge has {len(character.knowledge)} items; at most {MAX_KNOWLEDGE_ITEMS}")
    size = sum(len(s) for s in (character.name, character.persona, character.backstory,
                                character.speaking_style, character.greeting, *character.knowledge))
    if size > MAX_CHARACTER_CHARS:
        raise InvalidArgument(f"character definition is {size} characters; at most {MAX_CHARACTER_CHARS}")


def check_player_text(text: str, limits: DialogueLimits) -> str:
    """Player text must be non-blank and within max_text_chars."""
    if not text.strip():
        raise InvalidArgument("text is empty; send what the player says")
    if len(text) > limits.max_text_chars:
        raise InvalidArgument(
            f"text is {len(text)} characters; the limit is {limits.max_text_chars} (max_text_chars)")
    if "\x00" in text:
        raise InvalidArgument("text contains a NUL character")
    return text


def resolve_sampling(options: SayOptions, limits: DialogueLimits) -> SamplingParams:
    """Apply defaults and check ranges."""
    if options.max_tokens < 0:
        raise InvalidArgument(f"params.max_tokens is {options.max_tokens}; it must be >= 0 (0 = default)")
    if options.max_tokens > limits.max_new_tokens:
        raise InvalidArgument(
            f"params.max_tokens is {options.max_tokens}; the host allows at most {limits.max_new_tokens} "
            "(max_new_tokens)")
    temperature = limits.default_temperature if options.temperature is None else options.temperature
    if not 0.0 <= temperature <= 2.0 or temperature != temperature:
        raise InvalidArgument(f"params.temperature is {temperature}; use 0 (greedy) to 2")
    top_p = limits.default_top_p if options.top_p is None else options.top_p
    if not 0.0 < top_p <= 1.0:
        raise InvalidArgument(f"params.top_p is {top_p}; use a value in (0, 1]")
    max_tokens = options.max_tokens or limits.default_max_tokens
    return SamplingParams(
        max_tokens=max_tokens, temperature=float(temperature), top_p=float(top_p), seed=options.seed,
        repetition_penalty=limits.default_repetition_penalty, no_repeat_ngram=limits.default_no_repeat_ngram,
        min_p=limits.default_min_p,
        sentence_stop_after=int(max_tokens * limits.sentence_stop) if limits.sentence_stop > 0 else 0,
    )
