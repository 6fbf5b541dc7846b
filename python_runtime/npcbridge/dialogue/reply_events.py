"""Turning a reply's emotion and action calls into events the game can trust.

The emotion goes out once, before the first text delta: the one the engine wrote
(the scripted backend) when it is one of the character's labels, else the planned
one. Each action call is checked (an allowed action, arguments that validate) and
its string arguments pass moderation before it goes out; a call that fails is
dropped with a log line (and a notice when moderation dropped it).
"""

from __future__ import annotations

import logging

from npcbridge.dialogue.reply_format import ParsedCall, ParsedEmotion, ParsedPart, ParsedText
from npcbridge.dialogue.turn_plan import (
    InvalidCall,
    TurnPlan,
    check_call,
    make_call,
    replace_strings,
    string_values,
    validate_arguments,
)
from npcbridge.dialogue.types import ActionCall, Character, Emotion, ModerationNotice
from npcbridge.moderation.service import ModerationService
from npcbridge.moderation.types import Action

log = logging.getLogger(__name__)


class ReplyEvents:
    """Per-reply state: whether the emotion went out, and the calls that did."""

    def __init__(self, plan: TurnPlan, character: Character, moderation: ModerationService | None) -> None:
        self.plan = plan
        self.character = character
        self.moderation = moderation
        self.emotion: Emotion | None = None
        self.actions: list[ActionCall] = []

    def settle_emotion(self, parts: list[ParsedPart]) -> list[Emotion]:
        """The emotion event to send before ``parts`` (at most once per reply)."""
        if self.emotion is not None:
            return []
        written = next((p.label for p in parts if isinstance(p, ParsedEmotion)), None)
        if written is None and not any(isinstance(p, ParsedText) and p.text for p in parts):
            return []  # nothing decided yet
        if written is not None and written in self.character.emotion_labels():
            self.emotion = Emotion(written, 1.0)
        else:
            if written is not None:
                log.warning("the reply showed emotion %r, which %s does not have; using %r",
                            written, self.character.name, self.plan.emotion.label)
            self.emotion = self.plan.emotion
        return [self.emotion]

    async def call(self, part: ParsedCall) -> list[ActionCall | ModerationNotice]:
        """The events for one parsed call: the checked call, a notice, or nothing."""
        try:
            spec, args = check_call(self.plan, part.name, part.arguments)
        except InvalidCall as exc:
            log.warning("dropped an action call of %s: %s", self.character.name, exc)
            return []
        strings = [s for s in string_values(args) if s.strip()]
        if strings and self.moderation is not None:
            verdicts = await self.moderation.check_batch(strings, self.character.safety_policy, "character")
            flagged = sorted({c for v in verdicts for c in v.flagged_categories})
            if any(v.action is Action.BLOCK for v in verdicts):
                return [ModerationNotice("character", "block", flagged,
                                         f"the {spec.name} action was dropped: its arguments were blocked")]
            if any(v.action is Action.MASK for v in verdicts):
                args = replace_strings(args, {s: v.masked_text for s, v in zip(strings, verdicts, strict=True)})
                try:
                    validate_arguments(spec, args)
                except InvalidCall:
                    return [ModerationNotice("character", "block", flagged,
                                             f"the {spec.name} action was dropped: its masked arguments "
                                             "no longer validate")]
                call = make_call(spec, args)
                self.actions.append(call)
                return [ModerationNotice("character", "mask", flagged,
                                         f"part of the {spec.name} action's arguments was masked"), call]
        call = make_call(spec, args)
        self.actions.append(call)
        return [call]
