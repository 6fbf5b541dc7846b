"""Plain data of the Memory service; the transport converts to protos."""

from __future__ import annotations

from dataclasses import dataclass, field

from npcbridge.dialogue.types import now_ms


@dataclass
class MemoryItem:
    """Something an NPC remembers about a player, in its own words."""

    id: str
    player_id: str
    character_id: str
    text: str
    importance: float = 0.5
    created_at_ms: int = field(default_factory=now_ms)


@dataclass
class Relationship:
    """How a character feels about a player: affinity and trust in [-1, 1]."""

    player_id: str
    character_id: str
    affinity: float = 0.0
    trust: float = 0.0
    interactions: int = 0
    updated_at_ms: int = field(default_factory=now_ms)
