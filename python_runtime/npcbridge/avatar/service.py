"""The Avatars domain service: validate a request, resolve it into jobs (seeds,
attributes from the request, its description and the seed), run them through
the shared batcher and stream progress and results. No gRPC here."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import torch

from npcbridge.avatar.attributes import complete_attributes, validate_attributes
from npcbridge.avatar.batcher import AvatarBatcher
from npcbridge.avatar.describe import parse_description
from npcbridge.avatar.expressions import check_expression, expression_weights
from npcbridge.avatar.models import (
    AvatarJob,
    AvatarModel,
    AvatarResult,
    load_avatar_model,
)
from npcbridge.errors import InvalidArgument, Unavailable
from npcbridge.moderation.types import Action

_SEED_MOD = 2**64


@dataclass
class AvatarLimits:
    max_count: int = 16
    max_description_chars: int = 2000
    max_batch: int = 16  # portraits per forward pass (every pass has exactly this shape)


@dataclass
class Progress:
    completed: int
    total: int
    stage: str


class AvatarService:
    """Generates avatars with one model shared by every request."""

    def __init__(self, source: str = "builtin", device: str = "auto", dtype: str = "auto",
                 limits: AvatarLimits | None = None, moderation: object | None = None) -> None:
        self.source, self._device, self._dtype = source, device, dtype
        self.limits = limits or AvatarLimits()
        self.moderation = moderation
        self.model: AvatarModel | None = None
        self._batcher: AvatarBatcher | None = None

    def load(self) -> None:
        """Load the model (blocking)."""
        from npcbridge.models.device import select_device, select_dtype

        device = select_device(self._device)
        # fp32 even where the dialogue model runs bf16: the generator is small,
        # and bf16 visibly bands smooth gradients in an 8-bit image.
        dtype = torch.float32 if self._dtype == "auto" else select_dtype(self._dtype, device)
        self.model = load_avatar_model(self.source, device, dtype, self.limits.max_batch)

    async def start(self) -> None:
        await asyncio.to_thread(self.load)

    async def close(self) -> None:
        if self._batcher is not None:
            await self._batcher.close()

    def _model(self) -> AvatarModel:
        if self.model is None:
            raise Unavailable("the avatar model is still loading; retry when health is SERVING")
        return self.model

    def _batcher_for(self, model: AvatarModel) -> AvatarBatcher:
        if self._batcher is None:
            self._batcher = AvatarBatcher(model.generate, self.limits.max_batch)
        return self._batcher

    def list_attributes(self) -> dict[str, tuple[str, ...]]:
        """Attribute names and their values (empty for a model without attributes)."""
        return dict(self._model().attributes)

    def list_expressions(self) -> dict[str, dict[str, float]]:
        """The expressions the model renders, each with its ARKit blend-shape weights (empty
        for a model that renders only a neutral face)."""
        return {name: expression_weights(name) for name in self._model().expressions}

    async def plan(self, attributes: Mapping[str, str], description: str = "", count: int = 0,
                   seed: int | None = None, truncation: float | None = None,
                   expression: str = "") -> list[AvatarJob]:
        """Validate a request and resolve it into one job per avatar."""
        model = self._model()
        expression = check_expression(expression)
        if expression != "neutral" and expression not in model.expressions:
            raise InvalidArgument(f"avatar model {model.name!r} renders no expressions (ListAttributes lists "
                                  "none); leave expression empty or load a model trained with them")
        count = count or 1
        if count < 0 or count > self.limits.max_count:
            raise InvalidArgument(f"count is {count}; ask for 1 to {self.limits.max_count} avatars "
                                  "(max_avatar_count)")
        if truncation is not None and not 0.0 <= truncation <= 1.0:  # NaN fails the comparison too
            raise InvalidArgument(f"truncation is {truncation}; use a value in [0, 1] (1 = full variety)")
        if len(description) > self.limits.max_description_chars:
            raise InvalidArgument(f"description is {len(description)} characters; the limit is "
                                  f"{self.limits.max_description_chars} (max_text_chars)")
        if not model.attributes and (attributes or description.strip()):
            raise InvalidArgument(f"avatar model {model.name!r} takes no attributes or description "
                                  "(ListAttributes is empty); send only seed, count and truncation")
        wanted = validate_attributes(attributes) if model.attributes else {}
        if description.strip():
            described = parse_description(await self._moderated(description))
            wanted = {**described, **wanted}  # explicit attributes win
        base = secrets.randbits(63) if seed is None else seed
        psi = model.default_truncation if truncation is None else truncation
        jobs = []
        for i in range(count):
            s = (base + i) % _SEED_MOD
            attrs = complete_attributes(wanted, s) if model.attributes else {}
            jobs.append(AvatarJob(seed=s, attributes=tuple(sorted(attrs.items())), truncation=psi,
                                  expression=expression))
        return jobs

    async def _moderated(self, description: str) -> str:
        """The description as moderation lets it through (masked words drop out)."""
        if self.moderation is None:
            return description
        result = await self.moderation.check(description, context="player")  # type: ignore[attr-defined]
        if result.action == Action.BLOCK:
            raise InvalidArgument("the avatar description was blocked by the content filter ("
                                  f"{', '.join(result.flagged_categories)}); describe the character differently")
        return result.masked_text if result.action == Action.MASK else description

    async def generate(self, jobs: list[AvatarJob]) -> AsyncIterator[Progress | AvatarResult]:
        """Progress, then each avatar in request order, after a progress event
        counting it; cancelling the iteration drops the jobs not yet run."""
        futures = self._batcher_for(self._model()).submit(jobs)
        total = len(jobs)
        try:
            yield Progress(0, total, "queued")
            for done, fut in enumerate(futures, start=1):
                result = await fut
                yield Progress(done, total, "generated")
                yield result
        finally:
            for fut in futures:
                fut.cancel()
