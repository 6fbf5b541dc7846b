"""``npcbridge eval memory``: does an NPC remember a player across sessions?

Scripted three-session conversations (``memory/data/eval_memory.yaml``): a fact
told in session 1 is asked about in session 3, after small talk in session 2.
Measured on the embedded model (moderation on), in one run: the share of facts
found in the character's memories, and in its session-3 reply, with memory vs the
same host without it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from npcbridge.app import dialogue_limits
from npcbridge.config import load_settings
from npcbridge.dialogue.evaluate import reply_to
from npcbridge.dialogue.quality import states_all
from npcbridge.dialogue.service import DialogueService
from npcbridge.dialogue.types import Character, SayOptions
from npcbridge.memory.service import MemoryService
from npcbridge.moderation.service import ModerationLimits, ModerationService
from npcbridge.store import open_store

SCRIPT = Path(__file__).resolve().parents[1] / "memory" / "data" / "eval_memory.yaml"
KEEPER = Character(id="", name="Hilde", persona="The innkeeper of the Golden Goose, who never forgets a guest.",
                   speaking_style="Warm and chatty, calls people \"dear\".")


@dataclass
class Conversation:
    tell: str
    ask: str
    expect: list[str]

    def found(self, text: str) -> bool:
        return states_all(text, self.expect)


def load_script(path: Path = SCRIPT) -> tuple[list[Conversation], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Conversation(c["tell"], c["ask"], list(c["expect"])) for c in data["conversations"]], data["small_talk"]


async def _say(service: DialogueService, session_id: str, text: str) -> str:
    return (await reply_to(service, session_id, text, SayOptions(seed=0))).text


async def run_conversation(service: DialogueService, character_id: str, player: str, c: Conversation,
                           small_talk: list[str]) -> str:
    """The three sessions; returns the session-3 reply."""
    for lines in ([c.tell, small_talk[0]], small_talk[1:3]):
        session = await service.create_session(character_id, player)
        for line in lines:
            await _say(service, session.id, line)
    session = await service.create_session(character_id, player)
    return await _say(service, session.id, c.ask)


def run_memory_eval(console: Console, model: str = "smollm2-135m-instruct") -> dict:
    from npcbridge.engine.transformers_engine import TransformersEngine
    from npcbridge.models.loader import load_causal_lm

    settings = load_settings(model=model)
    conversations, small_talk = load_script()

    async def run() -> dict:
        moderation = ModerationService(settings.moderation_policy,
                                       ModerationLimits(settings.max_text_chars, settings.max_batch_texts))
        await moderation.start()
        with console.status(f"loading {model}"):
            loaded = load_causal_lm(model, settings.cache_dir, settings.device, settings.dtype, settings.tuning)
        engine = TransformersEngine.from_loaded(loaded, max_context_tokens=settings.max_context_tokens)
        await engine.start()
        figures = {}
        started = time.perf_counter()
        try:
            for label, with_memory in (("with memory", True), ("without memory", False)):
                store = open_store(":memory:")
                memory = MemoryService(store) if with_memory else None
                service = DialogueService(store, engine, dialogue_limits(settings), moderation, memory=memory)
                keeper = await service.upsert_character(KEEPER)
                gate = asyncio.Semaphore(16)

                async def one(i: int, c: Conversation) -> tuple[bool, bool]:
                    async with gate:
                        reply = await run_conversation(service, keeper.id, f"player-{i}", c, small_talk)
                    kept = any(c.found(m.text) for m in store.list_memories(f"player-{i}", keeper.id))
                    return kept, c.found(reply)
                results = await asyncio.gather(*(one(i, c) for i, c in enumerate(conversations)))
                figures[label] = {"in_memories": sum(k for k, _ in results) / len(results),
                                  "in_reply": sum(r for _, r in results) / len(results)}
                store.close()
                console.print(f"[dim]{label}: {time.perf_counter() - started:.0f} s[/]")
        finally:
            await engine.stop()
        return figures

    figures = asyncio.run(run())
    table = Table(title="npcbridge eval memory", expand=True)
    for column in ("configuration", "fact in the memories", "fact in the session-3 reply"):
        table.add_column(column)
    for label, f in figures.items():
        table.add_row(label, f"{f['in_memories']:.3f}", f"{f['in_reply']:.3f}")
    console.print(table)
    console.print(f"[dim]{len(conversations)} three-session conversations; moderation on[/]")
    return figures
