"""The grammars a structured reply is decoded under (see :mod:`reply_format`).

The tail grammar is built from the actions a turn may take, each action's
arguments constrained by its JSON Schema; the speech grammar, used only when the
model picks the emotion itself, heads free speech with one of the character's
emotion labels. A grammar text for a given character and choice is always the
same string, so the engine's compiled-grammar cache serves every NPC of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from npcbridge.dialogue.reply_format import CALL_PREFIX
from npcbridge.dialogue.types import ActionSpec

# Compact, single-line JSON: what the parser and the game read, and fewer tokens.
_JSON_STYLE = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}


@dataclass(frozen=True)
class ActionChoice:
    """What a reply may do: call one of ``actions``; ``required``: it must call one."""

    actions: tuple[ActionSpec, ...] = ()
    required: bool = False


def _lark_string(text: str) -> str:
    return json.dumps(text)


def arguments_schema(spec: ActionSpec) -> dict | None:
    """The action's schema with the host's JSON layout, or None when it takes no arguments."""
    if not spec.parameters_schema.strip():
        return None
    schema = json.loads(spec.parameters_schema)
    return {**schema, "x-guidance": {**_JSON_STYLE, **schema.get("x-guidance", {})}}


def _action_rule(spec: ActionSpec) -> str:
    schema = arguments_schema(spec)
    if schema is None:
        return _lark_string(f"{spec.name} {{}}")
    return f"{_lark_string(spec.name + ' ')} %json {json.dumps(schema, sort_keys=True)}"


def tail_grammar(choice: ActionChoice) -> str:
    """Lark grammar for the tail: one call line of the chosen actions ("" when none may be called)."""
    if not choice.actions:
        return ""
    names = [f"a{i}" for i in range(len(choice.actions))]
    lines = ["start: call" if choice.required else "start: call?",
             f"call: {_lark_string(chr(10) + CALL_PREFIX)} ({' | '.join(names)})"]
    lines += [f"{name}: {_action_rule(spec)}" for name, spec in zip(names, choice.actions, strict=True)]
    return "\n".join(lines) + "\n"


def speech_grammar(emotions: list[str]) -> str:
    """Lark grammar for speech headed by the model's pick of ``emotions``: ``[label] text``."""
    return ("start: \"[\" emotion \"] \" SPEECH\n"
            f"emotion: {' | '.join(_lark_string(e) for e in emotions)}\n"
            "SPEECH: /[^\\s\\[][^\\x00]*/\n")


def tail_tokens(choice: ActionChoice) -> int:
    """Tokens to allow the tail: the call prefix and name, plus a generous bound on arguments."""
    if not choice.actions:
        return 0
    longest = max(len(spec.name) + len(spec.parameters_schema) // 4 for spec in choice.actions)
    return min(256, 16 + longest)


@lru_cache(maxsize=512)
def schema_error(parameters_schema: str) -> str:
    """Why the grammar engine cannot constrain arguments to this schema ("" when it can)."""
    import llguidance  # the host validates here; the engine process compiles against its tokenizer

    spec = ActionSpec("probe", parameters_schema=parameters_schema)
    grammar = llguidance.grammar_from("lark", "start: " + _action_rule(spec) + "\n")
    error = llguidance.LLMatcher.validate_grammar(grammar, None)
    if not error:
        return ""
    # llguidance echoes the grammar under its message: keep only the message.
    return error.strip().splitlines()[0].split(": ", 1)[-1]
