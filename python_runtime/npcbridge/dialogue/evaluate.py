"""``npcbridge eval replies``: are the embedded model's replies usable in a game?

Runs the evaluation set (``data/eval_replies.yaml``: characters with knowledge,
questions answered by that knowledge, small talk and provocations) through the
real Say flow (prompt building, moderation on, history, the batching engine) as
one conversation per character, all characters at once. Each reply is scored for
the fact stated, loops, out-of-character talk, being cut mid-sentence, and length.
Several configurations run in the same process, so their figures compare directly.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from npcbridge.dialogue import quality
from npcbridge.dialogue.service import DialogueService
from npcbridge.dialogue.types import Character, Completed, SayOptions
from npcbridge.dialogue.validation import DialogueLimits

EVAL_SET = Path(__file__).parent / "data" / "eval_replies.yaml"
CHAT_PER_CHARACTER = 6  # small-talk/provocation lines per character (rotating through the list)


@dataclass
class Turn:
    """One line the player says, and what the reply must contain (knowledge questions)."""

    text: str
    expect: list[str] = field(default_factory=list)

    def fact_stated(self, reply: str) -> bool:
        return quality.states_all(reply, self.expect)


@dataclass
class Script:
    """A character and the conversation held with it."""

    character: Character
    turns: list[Turn]


def load_eval_set(path: Path = EVAL_SET, chat_per_character: int = CHAT_PER_CHARACTER) -> list[Script]:
    """The conversations: each character's questions, with small talk woven in."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    chat = data["chat"]
    scripts = []
    for n, raw in enumerate(data["characters"]):
        character = Character(id=f"eval_{n}", name=raw["name"], persona=raw.get("persona", ""),
                              speaking_style=raw.get("speaking_style", ""), knowledge=list(raw["knowledge"]))
        questions = [Turn(q["q"], list(q["expect"])) for q in raw["ask"]]
        small = [Turn(chat[(n * chat_per_character + i) % len(chat)]) for i in range(chat_per_character)]
        turns: list[Turn] = []
        # Alternate: a question, sometimes a chat line, as a player would wander.
        while questions or small:
            if questions:
                turns.append(questions.pop(0))
            if small and (len(turns) % 2 == 0 or not questions):
                turns.append(small.pop(0))
        scripts.append(Script(character, turns))
    return scripts


@dataclass
class Scored:
    """One reply and its scores."""

    character: str
    question: str
    reply: str
    finish_reason: str
    is_question: bool
    fact: bool
    loop: bool
    out_of_character: bool
    cut: bool
    words: int


def score(turn: Turn, character: str, reply: str, finish_reason: str) -> Scored:
    """Score one reply; ``cut``: stopped by the token limit in the middle of a sentence."""
    return Scored(character, turn.text, reply, finish_reason, bool(turn.expect),
                  bool(turn.expect) and turn.fact_stated(reply), quality.loops(reply),
                  quality.out_of_character(reply),
                  finish_reason == "length" and not quality.ends_sentence(reply), len(quality.words(reply)))


@dataclass
class Summary:
    """Rates over one configuration's replies (facts over knowledge questions only)."""

    label: str
    replies: int
    facts: float
    loops: float
    out_of_character: float
    cut: float
    blocked: float  # replaced by a deflection (input or reply moderation)
    mean_words: float
    p90_words: float
    seconds: float

    @classmethod
    def of(cls, label: str, rows: list[Scored], seconds: float) -> Summary:
        questions = [r for r in rows if r.is_question]
        lengths = sorted(r.words for r in rows) or [0]
        rate = lambda flags: sum(flags) / max(1, len(flags))  # noqa: E731
        return cls(label, len(rows), rate([r.fact for r in questions]), rate([r.loop for r in rows]),
                   rate([r.out_of_character for r in rows]), rate([r.cut for r in rows]),
                   rate([r.finish_reason == "blocked" for r in rows]), statistics.fmean(lengths), lengths[int(0.9 * (len(lengths) - 1))], seconds)


async def reply_to(service: DialogueService, session_id: str, text: str, options: SayOptions) -> Completed:
    """One whole Say through the service; its Completed event (the evaluations' unit).
    Its text is what was streamed, or the deflection that replaced a blocked reply."""
    done = None
    async for event in service.say(session_id, text, options):
        if isinstance(event, Completed):
            done = event
    if done is None:
        raise RuntimeError("Say ended without a completed event")
    return done


async def converse(service: DialogueService, script: Script, options: SayOptions) -> list[Scored]:
    """Hold one character's conversation through the Say flow and score every reply."""
    character = await service.upsert_character(replace(script.character))
    session = await service.create_session(character.id, "eval-player")
    rows = []
    for turn in script.turns:
        done = await reply_to(service, session.id, turn.text, options)
        rows.append(score(turn, character.name, done.text, done.finish_reason))
    return rows


async def run_config(service: DialogueService, scripts: list[Script], options: SayOptions) -> list[Scored]:
    """Every character's conversation at once (as NPCs in a scene), scored."""
    per_character = await asyncio.gather(*(converse(service, s, options) for s in scripts))
    return [row for rows in per_character for row in rows]


@dataclass
class EvalConfig:
    """One row of the comparison: which model and which Say-flow settings."""

    label: str
    tuning: bool
    limits: DialogueLimits
    options: SayOptions = field(default_factory=SayOptions)


def standard_configs(base: DialogueLimits) -> list[EvalConfig]:
    """The levers, each measured: the first wave's defaults against today's, with and
    without the role-play adapter, plus greedy decoding of the tuned model."""
    old = replace(base, default_temperature=0.7, default_top_p=0.95, default_min_p=0.0,
                  default_repetition_penalty=1.0, default_no_repeat_ngram=0, sentence_stop=0.0,
                  history_hygiene=False)
    return [
        EvalConfig("base: plain model, first-wave decoding", False, old),
        EvalConfig("plain model + decoding, sentence stop, hygiene", False, base),
        EvalConfig("tuned model, first-wave decoding", True, old),
        EvalConfig("tuned model + everything (default)", True, base),
        EvalConfig("tuned model + everything, greedy", True, base, SayOptions(temperature=0.0)),
        EvalConfig("default, emotion written by the model", True, replace(base, emotions_by="model")),
    ]


async def evaluate(configs: list[EvalConfig], make_service: Callable[[bool, DialogueLimits], Any],
                   scripts: list[Script], on_done: Callable[[Summary, list[Scored]], None] | None = None,
                   ) -> list[tuple[Summary, list[Scored]]]:
    """Run each configuration; ``make_service(tuning, limits)`` is an async context
    manager giving a :class:`DialogueService` over the right model."""
    results = []
    for config in configs:
        async with make_service(config.tuning, config.limits) as service:
            start = time.perf_counter()
            rows = await run_config(service, scripts, config.options)
            summary = Summary.of(config.label, rows, time.perf_counter() - start)
        results.append((summary, rows))
        if on_done is not None:
            on_done(summary, rows)
    return results
