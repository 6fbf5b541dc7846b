"""The NPC role-play fine-tuning set, generated reproducibly from ``data/roleplay.yaml``.

Each example is a chat exactly as the host builds it (the system prompt of
:func:`npcbridge.dialogue.prompt.system_prompt`, some earlier turns, the player's
line) plus the reply the character should give: a fact from its knowledge when
one answers the question, a short in-character line for small talk, "I don't
know" for what it cannot know, and a deflection for attempts to break the role.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from npcbridge.dialogue.prompt import system_prompt
from npcbridge.dialogue.types import Character
from npcbridge.engine.interface import ChatMessage

DATA = Path(__file__).parent / "data" / "roleplay.yaml"
_SLOT = re.compile(r"\{(\w+)\}")


@cache
def blocks() -> dict[str, Any]:
    """The building blocks (names, places, roles, fact frames...)."""
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@dataclass
class Example:
    """One chat and the reply to learn (only the reply's tokens carry loss)."""

    messages: list[ChatMessage]
    reply: str
    kind: str


@dataclass
class _Fact:
    frame: dict[str, Any]
    values: dict[str, str]
    line: str


@dataclass
class _Npc:
    character: Character
    values: dict[str, str]
    role: dict[str, Any]
    facts: list[_Fact] = field(default_factory=list)


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{slot}``; ``{Slot}`` capitalises the value's first letter."""
    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key.endswith("_cap"):
            value = values[key[:-4].lower()]
        else:
            value = values[key.lower()]
        return value[:1].upper() + value[1:] if key[0].isupper() or key.endswith("_cap") else value
    text = _SLOT.sub(one, template)
    return text[:1].upper() + text[1:]


_PERSON = {"you are": "I am", "you were": "I was", "yours": "mine", "your": "my", "you": "I"}
_PERSON_WORDS = re.compile(r"\b(" + "|".join(_PERSON) + r")\b", re.IGNORECASE)


def first_person(line: str) -> str:
    """A knowledge line written to the character ("You were born...") as it says it ("I was born...")."""
    def one(match: re.Match[str]) -> str:
        said = _PERSON[match.group(1).lower()]
        return said[:1].upper() + said[1:] if match.start() == 0 else said
    return _PERSON_WORDS.sub(one, line)


def _slot_values(rng: random.Random, npc_values: dict[str, str]) -> dict[str, str]:
    b = blocks()
    lost = rng.choice(b["lost_things"])
    return {
        **npc_values,
        "item": rng.choice(b["items"]), "amount": rng.choice(b["amounts"]), "place": rng.choice(b["places"]),
        "direction": rng.choice(b["directions"]), "person": rng.choice(b["names"]),
        "people_role": rng.choice(b["people_roles"]), "creatures": rng.choice(b["creatures"]),
        "event": rng.choice(b["events"]), "time": rng.choice(b["times"]), "hour": rng.choice(b["hours"]),
        "relation": rng.choice(b["relations"]), "lost_thing": lost, "lost_short": lost.split(" ", 1)[1],
        "number": rng.choice(b["numbers"]), "dish": rng.choice(b["dishes"]), "pet": rng.choice(b["pets"]),
        "pet_name": rng.choice(b["pet_names"]), "past_job": rng.choice(b["past_jobs"]), "road": rng.choice(b["roads"]),
        "weekday": rng.choice(b["weekdays"]), "forbidden": rng.choice(b["forbidden"]),
    }


def _make_npc(rng: random.Random, n_facts: int) -> _Npc:
    b = blocks()
    role = rng.choice(b["roles"])
    values = {"name": rng.choice(b["names"]), "town": rng.choice(b["towns"]), "inn": rng.choice(b["inns"]),
              "address": role["address"]}
    character = Character(id="npc", name=values["name"], persona=_fill(rng.choice(role["persona"]), values),
                          speaking_style=rng.choice(role["style"]))
    npc = _Npc(character, values, role)
    for frame in rng.sample(b["frames"], n_facts):
        slot_values = _slot_values(rng, values)
        npc.facts.append(_Fact(frame, slot_values, _fill(rng.choice(frame["fact"]), slot_values)))
    character.knowledge = [f.line for f in npc.facts]
    return npc


def _fact_exchange(rng: random.Random, npc: _Npc) -> tuple[str, str, str]:
    fact = rng.choice(npc.facts)
    frame, values = fact.frame, fact.values
    questions, answers = frame["questions"], frame["answers"]
    question = _fill(rng.choice(questions), values)
    # Half the time the reply is the fact itself, in the character's voice: copying the
    # line is what a small model does most reliably.
    if rng.random() < 0.5:
        reply = first_person(fact.line)
        if rng.random() < 0.5:
            reply = reply.rstrip(".") + f", {values['address']}."
    else:
        reply = _fill(rng.choice(answers), values)
    return question, reply, "fact"


def _other_exchange(rng: random.Random, npc: _Npc) -> tuple[str, str, str]:
    b = blocks()
    values = {**npc.values, "redirect": rng.choice(npc.role["redirect"])}
    kind = rng.choices(["unknown", "provocation", "greeting", "about", "mood", "thanks"], [3, 4, 2, 2, 2, 1])[0]
    if kind == "unknown":
        return rng.choice(b["unknown"]["questions"]), _fill(rng.choice(b["unknown"]["answers"]), values), kind
    if kind == "provocation":
        return rng.choice(b["provocations"]["questions"]), _fill(rng.choice(b["provocations"]["answers"]), values), kind
    if kind == "greeting":
        return rng.choice(b["greetings"]["questions"]), _fill(rng.choice(b["greetings"]["answers"]), values), kind
    if kind == "thanks":
        return rng.choice(b["small_talk"]["thanks"]), _fill(rng.choice(b["small_talk"]["thanks_answers"]), values), kind
    return rng.choice(b["small_talk"][kind]), _fill(rng.choice(npc.role[kind]), values), kind


def _exchange(rng: random.Random, npc: _Npc) -> tuple[str, str, str]:
    return _fact_exchange(rng, npc) if rng.random() < 0.6 else _other_exchange(rng, npc)


def make_examples(count: int, seed: int = 0) -> list[Example]:
    """``count`` chats, the same for the same seed; about 60% answer from knowledge."""
    rng = random.Random(seed)
    examples = []
    for _ in range(count):
        npc = _make_npc(rng, rng.randint(4, 8))
        messages = [ChatMessage("system", system_prompt(npc.character))]
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):  # earlier turns of the session
            question, reply, _ = _exchange(rng, npc)
            messages += [ChatMessage("user", question), ChatMessage("assistant", reply)]
        question, reply, kind = _exchange(rng, npc)
        messages.append(ChatMessage("user", question))
        examples.append(Example(messages, reply, kind))
    return examples
