"""The Memory domain service: memories and relationships per player and character,
kept from conversations (see :mod:`npcbridge.memory.extract`) and fed back into the
NPC's prompt in later sessions."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from npcbridge.dialogue.types import new_id, now_ms
from npcbridge.dialogue.validation import check_id
from npcbridge.errors import InvalidArgument, NotFound
from npcbridge.memory.extract import extract_memories
from npcbridge.memory.types import MemoryItem, Relationship
from npcbridge.store.base import SessionStore

# How much one reply moves affinity, by the emotion the player's line stirred in the NPC.
_AFFINITY_STEP = {"happy": 0.1, "surprised": 0.02, "neutral": 0.0, "sad": -0.02, "afraid": -0.05,
                  "disgusted": -0.1, "angry": -0.15}
MAX_MEMORY_CHARS = 500


@dataclass(frozen=True)
class MemoryLimits:
    prompt_memories: int = 6  # memories of the player in one prompt, most important first


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))


def relationship_note(r: Relationship | None) -> str:
    """How the NPC feels about the player, as a line of its prompt ("" when neutral or new)."""
    if r is None or r.interactions == 0 and r.affinity == 0 and r.trust == 0:
        return ""
    parts = []
    if r.affinity >= 0.3:
        parts.append("You like this player and are warm with them.")
    elif r.affinity <= -0.3:
        parts.append("You dislike this player and are curt with them.")
    if r.trust >= 0.3:
        parts.append("You trust them.")
    elif r.trust <= -0.3:
        parts.append("You do not trust them.")
    return " ".join(parts)


class MemoryService:
    """Everything the Memory RPCs do, and the two hooks of every Say: recall and remember."""

    def __init__(self, store: SessionStore, limits: MemoryLimits | None = None) -> None:
        self.store = store
        self.limits = limits or MemoryLimits()

    # RPCs -----------------------------------------------------------------------

    async def list_memories(self, player_id: str, character_id: str = "") -> list[MemoryItem]:
        check_id(player_id, "player_id")
        if character_id:
            check_id(character_id, "character_id")
        return await asyncio.to_thread(self.store.list_memories, player_id, character_id)

    async def add_memory(self, item: MemoryItem) -> MemoryItem:
        check_id(item.player_id, "memory.player_id")
        check_id(item.character_id, "memory.character_id")
        if not item.text.strip():
            raise InvalidArgument("memory.text is empty; say what the NPC remembers")
        if len(item.text) > MAX_MEMORY_CHARS:
            raise InvalidArgument(f"memory.text is {len(item.text)} characters; at most {MAX_MEMORY_CHARS}")
        if not 0.0 <= item.importance <= 1.0 or math.isnan(item.importance):
            raise InvalidArgument(f"memory.importance is {item.importance}; use 0 to 1")
        if await asyncio.to_thread(self.store.get_character, item.character_id) is None:
            raise NotFound(f"character {item.character_id!r} does not exist")
        stored = MemoryItem(new_id("mem"), item.player_id, item.character_id, item.text.strip(),
                            item.importance or 0.5, item.created_at_ms or now_ms())
        await asyncio.to_thread(self.store.add_memories, [stored])
        return stored

    async def delete_memory(self, memory_id: str) -> None:
        check_id(memory_id, "id")
        if not await asyncio.to_thread(self.store.delete_memory, memory_id):
            raise NotFound(f"memory {memory_id!r} does not exist")

    async def forget_player(self, player_id: str) -> tuple[int, int, int]:
        check_id(player_id, "player_id")
        return await asyncio.to_thread(self.store.forget_player, player_id)

    async def get_relationship(self, player_id: str, character_id: str) -> Relationship:
        check_id(player_id, "player_id")
        check_id(character_id, "character_id")
        found = await asyncio.to_thread(self.store.get_relationship, player_id, character_id)
        return found or Relationship(player_id, character_id, updated_at_ms=0)

    async def set_relationship(self, r: Relationship) -> Relationship:
        check_id(r.player_id, "relationship.player_id")
        check_id(r.character_id, "relationship.character_id")
        for name in ("affinity", "trust"):
            value = getattr(r, name)
            if not -1.0 <= value <= 1.0 or math.isnan(value):
                raise InvalidArgument(f"relationship.{name} is {value}; use -1 to 1")
        if await asyncio.to_thread(self.store.get_character, r.character_id) is None:
            raise NotFound(f"character {r.character_id!r} does not exist")
        old = await asyncio.to_thread(self.store.get_relationship, r.player_id, r.character_id)
        stored = Relationship(r.player_id, r.character_id, r.affinity, r.trust,
                              old.interactions if old else 0, now_ms())
        await asyncio.to_thread(self.store.put_relationship, stored)
        return stored

    # Say hooks (blocking: run in a thread) -------------------------------------------

    def recall(self, player_id: str, character_id: str) -> tuple[list[str], str]:
        """The memories for a prompt (most important, then newest) and the relationship line."""
        if not player_id:
            return [], ""
        items = self.store.list_memories(player_id, character_id)
        items.sort(key=lambda m: (m.importance, m.created_at_ms), reverse=True)
        return ([m.text for m in items[:self.limits.prompt_memories]],
                relationship_note(self.store.get_relationship(player_id, character_id)))

    def remember(self, player_id: str, character_id: str, player_text: str, emotion: str, blocked: bool) -> None:
        """After a reply: keep what the player's line revealed; move the relationship."""
        if not player_id:
            return
        known = {m.text for m in self.store.list_memories(player_id, character_id)}
        new = [MemoryItem(new_id("mem"), player_id, character_id, e.text, e.importance)
               for e in extract_memories(player_text) if e.text not in known]
        if new and not blocked:
            self.store.add_memories(new)
        r = self.store.get_relationship(player_id, character_id) or Relationship(player_id, character_id)
        step = -0.2 if blocked else _AFFINITY_STEP.get(emotion, 0.0)
        r.affinity = _clamp(r.affinity + step)
        r.trust = _clamp(r.trust + (-0.1 if blocked else 0.02 if step > 0 else 0.0))
        r.interactions += 1
        r.updated_at_ms = now_ms()
        self.store.put_relationship(r)
