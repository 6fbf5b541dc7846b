"""What an NPC does on a turn besides speaking: its emotion, and which action (if
any) its reply may call; and the checks every action call passes before the game
sees it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import jsonschema

from npcbridge.dialogue.intent import IntentScorer, event_query, narrow_to_mentioned
from npcbridge.dialogue.reply_grammar import ActionChoice
from npcbridge.dialogue.types import ActionCall, ActionSpec, Character, Emotion, SayOptions, new_id


@dataclass
class TurnPlan:
    """The emotion shown before the speech, and what the reply may call."""

    emotion: Emotion
    choice: ActionChoice
    allowed: dict[str, ActionSpec] = field(default_factory=dict)  # this turn's actions by name


def plan_turn(intent: IntentScorer | None, character: Character, text: str, options: SayOptions,
              allowed: list[ActionSpec]) -> TurnPlan:
    """Decide the emotion and the action choice for a turn (blocking: run in a thread).

    With the encoder: the emotion it picks, and the one action it picks forced (its
    enum arguments narrowed to what the line names) or none allowed. Without it: the
    first emotion label, and the model free to call any allowed action or none.
    """
    labels = character.emotion_labels()
    by_name = {spec.name: spec for spec in allowed}
    if intent is None:
        neutral = "neutral" if "neutral" in labels else labels[0]
        return TurnPlan(Emotion(neutral, 0.5), ActionChoice(tuple(allowed), required=False), by_name)
    query = event_query(text, options.event.description if options.event else "")
    emotion = intent.choose_emotion(query, labels)
    chosen = intent.choose_action(query, allowed, character.knowledge) if allowed else None
    if chosen is None:
        return TurnPlan(emotion, ActionChoice(), by_name)
    if chosen.parameters_schema.strip():
        narrowed = narrow_to_mentioned(json.loads(chosen.parameters_schema), query)
        chosen = replace(chosen, parameters_schema=json.dumps(narrowed))
    return TurnPlan(emotion, ActionChoice((chosen,), required=True), by_name)


def string_values(value: object) -> list[str]:
    """Every string inside a JSON value (what moderation reads in action arguments)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in string_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in string_values(v)]
    return []


def replace_strings(value: object, replacements: dict[str, str]) -> object:
    """The JSON value with each string swapped for its replacement (masked text)."""
    if isinstance(value, str):
        return replacements.get(value, value)
    if isinstance(value, dict):
        return {k: replace_strings(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_strings(v, replacements) for v in value]
    return value


class InvalidCall(ValueError):
    """An action call the game must not see; the message says why (for the log)."""


def check_call(plan: TurnPlan, name: str, arguments: str) -> tuple[ActionSpec, dict]:
    """The action and its parsed arguments, when the call names an allowed action and
    its arguments validate against the action's schema; else :class:`InvalidCall`."""
    spec = plan.allowed.get(name)
    if spec is None:
        raise InvalidCall(f"the reply called {name!r}, which this turn does not allow")
    try:
        args = json.loads(arguments or "{}")
    except ValueError as exc:
        raise InvalidCall(f"the arguments of {name!r} are not JSON: {exc}") from exc
    if not isinstance(args, dict):
        raise InvalidCall(f"the arguments of {name!r} are not a JSON object")
    validate_arguments(spec, args)
    return spec, args


def validate_arguments(spec: ActionSpec, args: dict) -> None:
    """Raise :class:`InvalidCall` unless ``args`` validate against the action's schema."""
    if not spec.parameters_schema.strip():
        if args:
            raise InvalidCall(f"{spec.name!r} takes no arguments")
        return
    try:
        jsonschema.validate(args, json.loads(spec.parameters_schema))
    except jsonschema.ValidationError as exc:
        raise InvalidCall(f"the arguments of {spec.name!r} do not validate: {exc.message}") from exc


def make_call(spec: ActionSpec, args: dict) -> ActionCall:
    """The event the game receives."""
    return ActionCall(new_id("act"), spec.name, json.dumps(args, separators=(", ", ": ")))
