"""The moderation domain service: validation, policy choice and worker threads
around :class:`ModerationPipeline`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from npcbridge.errors import InvalidArgument, Unavailable
from npcbridge.moderation.lexicon import Lexicon
from npcbridge.moderation.pipeline import ModerationPipeline
from npcbridge.moderation.policy import TIERS, resolve_policy
from npcbridge.moderation.stream_filter import StreamFilter
from npcbridge.moderation.types import CheckResult

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def shared_encoder(device: str, adapter: str = ""):  # noqa: ANN201 - imported lazily
    """One MiniLM per process, device and adapter: hosts in one process share it (thread-safe).
    ``adapter``: the moderation fine-tune's LoRA folder ("" for the plain encoder)."""
    from npcbridge.moderation.encoder import SentenceEncoder

    return SentenceEncoder(device, adapter=Path(adapter) if adapter else None)
CONTEXTS = ("", "player", "character")


@dataclass(frozen=True)
class ModerationLimits:
    max_text_chars: int = 2000
    max_batch_texts: int = 256


class ModerationService:
    """Check texts under a policy; build streaming filters for NPC replies."""

    def __init__(self, default_policy: str = "teen", limits: ModerationLimits | None = None,
                 use_classifier: bool = True, device: str = "cpu") -> None:
        if default_policy not in TIERS:
            raise InvalidArgument(f"unknown default moderation policy {default_policy!r}; use one of: {', '.join(TIERS)}")
        self.default_policy = default_policy
        self.limits = limits or ModerationLimits()
        self._use_classifier = use_classifier
        self._device = device
        self.pipeline: ModerationPipeline | None = None

    @property
    def ready(self) -> bool:
        return self.pipeline is not None

    @property
    def has_classifier(self) -> bool:
        return self.pipeline is not None and self.pipeline.classifier is not None

    def load(self) -> None:
        """Build the lexicon and load the classifier (blocking, ~2 s)."""
        classifier = None
        if self._use_classifier:
            from npcbridge.moderation.classifier import ClassifierWeights, ModerationClassifier
            from npcbridge.moderation.encoder import tuned_encoder_dir

            # The shipped heads go with the encoder they were fitted on: a tuned one when shipped.
            tuned = tuned_encoder_dir()
            classifier = ModerationClassifier(shared_encoder(self._device, str(tuned or "")), ClassifierWeights.load())
        self.pipeline = ModerationPipeline(Lexicon.default(), classifier)

    async def start(self) -> None:
        await asyncio.to_thread(self.load)

    def _pipeline(self) -> ModerationPipeline:
        if self.pipeline is None:
            raise Unavailable("moderation is still loading; retry when health is SERVING")
        return self.pipeline

    def _check_inputs(self, texts: list[str], context: str) -> None:
        if context not in CONTEXTS:
            raise InvalidArgument(f"unknown context {context!r}; use 'player' or 'character'")
        for i, text in enumerate(texts):
            if len(text) > self.limits.max_text_chars:
                where = f"texts[{i}]" if len(texts) > 1 else "text"
                raise InvalidArgument(f"{where} is {len(text)} characters; the limit is {self.limits.max_text_chars} "
                                      "(max_text_chars): split it and check the parts")

    def check_now(self, texts: list[str], policy: str = "", context: str = "") -> list[CheckResult]:
        """Blocking check (for worker threads and tests)."""
        self._check_inputs(texts, context)
        _, rules = resolve_policy(policy, self.default_policy)
        return self._pipeline().check_batch(texts, rules, context)

    async def check(self, text: str, policy: str = "", context: str = "") -> CheckResult:
        """Check one text under ``policy`` (empty: the host default)."""
        return (await asyncio.to_thread(self.check_now, [text], policy, context))[0]

    async def check_batch(self, texts: list[str], policy: str = "", context: str = "") -> list[CheckResult]:
        """Check many texts in one classifier pass; results keep the order."""
        if len(texts) > self.limits.max_batch_texts:
            raise InvalidArgument(f"{len(texts)} texts in one batch; at most {self.limits.max_batch_texts} "
                                  "(max_batch_texts)")
        return await asyncio.to_thread(self.check_now, texts, policy, context)

    def stream_filter(self, policy: str = "") -> StreamFilter:
        """A filter for one NPC reply under ``policy``."""
        _, rules = resolve_policy(policy, self.default_policy)
        return StreamFilter(self._pipeline(), rules)
