"""Content filtering: normalisation, lexicon, PII, prompt injection, a learned
classifier, policy tiers and a streaming filter for NPC replies (no gRPC here)."""

from npcbridge.moderation.types import CATEGORIES, Action, CheckResult, Span

__all__ = ["CATEGORIES", "Action", "CheckResult", "Span"]
