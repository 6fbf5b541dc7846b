"""Named policy tiers: per category, a score threshold and the action taken.

A text's action is the most severe action among its flagged categories. MASK
needs spans to hide; a category flagged only by the classifier (no span) whose
rule says MASK is blocked instead, since there is nothing precise to hide.
"""

from __future__ import annotations

from dataclasses import dataclass

from npcbridge.errors import InvalidArgument
from npcbridge.moderation.types import Action


@dataclass(frozen=True)
class Rule:
    threshold: float
    action: Action


def _tier(**rules: tuple[float, Action]) -> dict[str, Rule]:
    return {category: Rule(threshold, action) for category, (threshold, action) in rules.items()}


A, M, B = Action.ALLOW, Action.MASK, Action.BLOCK
NEVER = 2.0  # above any score

TIERS: dict[str, dict[str, Rule]] = {
    # For all ages: any swearing masked, anything hurtful blocked.
    "everyone": _tier(profanity=(0.5, M), harassment=(0.5, B), hate=(0.5, B), sexual=(0.5, B),
                      violence=(0.6, B), self_harm=(0.5, B), pii=(0.5, M), prompt_injection=(0.6, B)),
    # Teen: mild words pass, strong ones are masked; threats and sexual content blocked.
    "teen": _tier(profanity=(0.7, M), harassment=(0.5, B), hate=(0.5, B), sexual=(0.6, B),
                  violence=(0.7, B), self_harm=(0.5, B), pii=(0.5, M), prompt_injection=(0.6, B)),
    # Mature: swearing allowed, explicit words masked, hate and real threats blocked.
    "mature": _tier(profanity=(NEVER, A), harassment=(0.75, B), hate=(0.6, B), sexual=(0.8, M),
                    violence=(0.85, B), self_harm=(0.6, B), pii=(0.5, M), prompt_injection=(0.6, B)),
}


def resolve_policy(name: str, default: str) -> tuple[str, dict[str, Rule]]:
    """The tier named ``name`` (empty: ``default``); unknown names are INVALID_ARGUMENT."""
    chosen = (name or default).strip().lower()
    if chosen not in TIERS:
        raise InvalidArgument(f"unknown moderation policy {name!r}; use one of: {', '.join(TIERS)}")
    return chosen, TIERS[chosen]
