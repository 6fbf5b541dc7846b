"""A turn's parts as both stores keep them: the plain columns, and its emotion, actions
and game event as one JSON text (``extra``)."""

from __future__ import annotations

import json
from dataclasses import asdict

from npcbridge.dialogue.types import ActionCall, Emotion, GameEvent, Role, Turn


def turn_extra(turn: Turn) -> str:
    """A turn's emotion, actions and event as JSON (the columns every turn has stay plain)."""
    extra: dict = {}
    if turn.emotion is not None:
        extra["emotion"] = asdict(turn.emotion)
    if turn.actions:
        extra["actions"] = [asdict(a) for a in turn.actions]
    if turn.event is not None:
        extra["event"] = asdict(turn.event)
    return json.dumps(extra)


def turn_from_row(role: str, text: str, interaction_id: str, created_at_ms: int, extra: str) -> Turn:
    data = json.loads(extra or "{}")
    return Turn(role=Role(role), text=text, interaction_id=interaction_id, created_at_ms=created_at_ms,
                emotion=Emotion(**data["emotion"]) if "emotion" in data else None,
                actions=[ActionCall(**a) for a in data.get("actions", [])],
                event=GameEvent(**data["event"]) if "event" in data else None)
