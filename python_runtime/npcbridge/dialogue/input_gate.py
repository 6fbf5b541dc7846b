"""Input moderation of a player's line: BLOCK stops the turn before generation (the NPC
deflects), MASK passes the masked text on, both with a notice for the game."""

from __future__ import annotations

from dataclasses import dataclass, field

from npcbridge.dialogue.types import Character, ModerationNotice
from npcbridge.moderation.types import Action


@dataclass
class InputGate:
    """The player's text after input moderation."""

    text: str
    blocked: bool = False
    notices: list[ModerationNotice] = field(default_factory=list)


async def moderate_player_text(moderation, text: str, character: Character) -> InputGate:  # noqa: ANN001
    """Check the player's text under the character's policy (``moderation``: a ModerationService or None)."""
    if moderation is None or not text.strip():
        return InputGate(text)
    verdict = await moderation.check(text, character.safety_policy, "player")
    if verdict.action is Action.ALLOW:
        return InputGate(text)
    what = "blocked" if verdict.action is Action.BLOCK else "masked"
    notice = ModerationNotice("player", verdict.action.value, verdict.flagged_categories,
                              f"the player's message was {what} ({', '.join(verdict.flagged_categories)})")
    return InputGate(verdict.masked_text, verdict.action is Action.BLOCK, [notice])
