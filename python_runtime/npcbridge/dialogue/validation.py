"""Input checks for dialogue requests; each failure says what to change."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from npcbridge.dialogue.types import ActionSpec, Character, SamplingParams, SayOptions
from npcbridge.errors import InvalidArgument
from npcbridge.moderation.policy import TIERS

_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
_ACTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_EMOTION = re.compile(r"^[a-z][a-z_]{0,31}$")
MAX_EMOTIONS = 16
MAX_ACTION_EXAMPLES = 32
MAX_COLLECTIONS = 16
MAX_CHARACTER_CHARS = 32_000
MAX_KNOWLEDGE_ITEMS = 200


@dataclass(frozen=True)
class DialogueLimits:
    """The limits dialogue enforces (from Settings)."""

    max_text_chars: int = 2000
    max_new_tokens: int = 512
    default_max_tokens: int = 128
    max_concurrent_streams: int = 96  # max_batch + max_queue with the defaults
    max_context_tokens: int = 2048
    default_temperature: float = 0.3
    default_top_p: float = 0.9
    default_min_p: float = 0.05
    default_repetition_penalty: float = 1.0
    default_no_repeat_ngram: int = 4
    sentence_stop: float = 0.6  # share of max_tokens after which a sentence end ends the reply
    history_hygiene: bool = True  # leave degenerate replies out of the prompt (off only to measure it)
    max_actions: int = 32  # actions one character may have
    max_context_chars: int = 4000  # SayRequest.context keys and values plus the event
    # "encoder": the host picks the emotion before the reply; "model": the model writes it
    # at the head of its reply under a grammar (derails small models: `npcbridge eval replies`)
    emotions_by: str = "encoder"


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
    check_emotions(character.emotions)
    if len(character.knowledge_collections) > MAX_COLLECTIONS:
        raise InvalidArgument(f"character.knowledge_collections names {len(character.knowledge_collections)} "
                              f"collections; at most {MAX_COLLECTIONS}")
    for name in character.knowledge_collections:
        if not _ID.match(name):
            raise InvalidArgument(f"character.knowledge_collections has {name[:64]!r}, not a valid collection name: "
                                  "use 1-128 letters, digits, '_', '.', ':' or '-'")
    size = sum(len(s) for s in (character.name, character.persona, character.backstory,
                                character.speaking_style, character.greeting, *character.knowledge,
                                *(t for a in character.actions for t in (a.description, a.parameters_schema,
                                                                         *a.examples))))
    if size > MAX_CHARACTER_CHARS:
        raise InvalidArgument(f"character definition is {size} characters; at most {MAX_CHARACTER_CHARS}")


def check_emotions(labels: list[str], field: str = "character.emotions") -> None:
    """Emotion labels: lower-case words, no repeats, at most MAX_EMOTIONS."""
    if len(labels) > MAX_EMOTIONS:
        raise InvalidArgument(f"{field} has {len(labels)} labels; at most {MAX_EMOTIONS}")
    for label in labels:
        if not _EMOTION.match(label):
            raise InvalidArgument(f"{field} label {label[:40]!r} is not valid: use a lower-case word "
                                  "(letters and '_', at most 32), such as 'happy'")
    if len(set(labels)) != len(labels):
        raise InvalidArgument(f"{field} lists a label twice; each label once")


def _check_schema(index: int, spec: ActionSpec) -> None:
    import jsonschema

    from npcbridge.dialogue.reply_grammar import schema_error

    field = f"character.actions[{index}].parameters_schema"
    try:
        schema = json.loads(spec.parameters_schema)
    except ValueError as exc:
        raise InvalidArgument(f"{field} ({spec.name}) is not JSON: {exc}") from exc
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise InvalidArgument(f"{field} ({spec.name}) must be a JSON Schema object with \"type\": \"object\" "
                              "(or empty for an action without arguments)")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidArgument(f"{field} ({spec.name}) is not a valid JSON Schema: {exc.message}") from exc
    error = schema_error(spec.parameters_schema)
    if error:
        raise InvalidArgument(f"{field} ({spec.name}) cannot constrain decoding: {error}")


def check_actions(character: Character, limits: DialogueLimits) -> None:
    """Action names unique identifiers, schemas valid JSON Schema objects the grammar engine takes."""
    if len(character.actions) > limits.max_actions:
        raise InvalidArgument(f"character.actions has {len(character.actions)} actions; at most "
                              f"{limits.max_actions} (max_actions)")
    seen: set[str] = set()
    for i, spec in enumerate(character.actions):
        if not _ACTION_NAME.match(spec.name):
            raise InvalidArgument(f"character.actions[{i}].name {spec.name[:64]!r} is not valid: start with a "
                                  "letter, then letters, digits or '_' (at most 64)")
        if spec.name in seen:
            raise InvalidArgument(f"character.actions[{i}].name {spec.name!r} is used twice; action names "
                                  "must be unique")
        seen.add(spec.name)
        if len(spec.examples) > MAX_ACTION_EXAMPLES:
            raise InvalidArgument(f"character.actions[{i}].examples has {len(spec.examples)} lines; at most "
                                  f"{MAX_ACTION_EXAMPLES}")
        if spec.parameters_schema.strip():
            _check_schema(i, spec)


def check_turn_inputs(options: SayOptions, character: Character, limits: DialogueLimits) -> list[ActionSpec]:
    """Context and event within max_context_chars; ``allowed_actions`` names the
    character's actions. Returns the actions this turn may take."""
    event = options.event
    size = sum(len(k) + len(v) for k, v in options.context.items())
    if event is not None:
        size += len(event.name) + len(event.description) + sum(len(k) + len(v) for k, v in event.params.items())
    if size > limits.max_context_chars:
        raise InvalidArgument(f"context and event take {size} characters; the limit is {limits.max_context_chars} "
                              "(max_context_chars): send only what this turn needs")
    if event is not None and not (event.name.strip() or event.description.strip()):
        raise InvalidArgument("event has neither a name nor a description; say what happened")
    for key, value in options.context.items():
        if not key.strip() or "\x00" in key + value:
            raise InvalidArgument(f"context key {key[:40]!r} is empty or holds a NUL character")
    by_name = {spec.name: spec for spec in character.actions}
    unknown = [name for name in options.allowed_actions if name not in by_name]
    if unknown:
        have = ", ".join(by_name) or "none"
        raise InvalidArgument(f"allowed_actions names {', '.join(map(repr, unknown))}, which character "
                              f"{character.name!r} does not have (its actions: {have})")
    if options.allowed_actions:
        return [by_name[name] for name in dict.fromkeys(options.allowed_actions)]
    return list(character.actions)


def check_player_text(text: str, limits: DialogueLimits, event_given: bool = False) -> str:
    """Player text must be within max_text_chars, and non-blank unless a game event is given."""
    if not text.strip() and not event_given:
        raise InvalidArgument("text is empty; send what the player says (or a game event)")
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
