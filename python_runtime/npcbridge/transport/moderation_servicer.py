"""npcbridge.v1.Moderation: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from npcbridge._proto.v1 import moderation_pb2 as mpb
from npcbridge._proto.v1 import moderation_pb2_grpc
from npcbridge.moderation.service import ModerationService
from npcbridge.moderation.types import CheckResult

_ACTION = {"allow": mpb.ALLOW, "mask": mpb.MASK, "block": mpb.BLOCK}


def result_to_pb(result: CheckResult) -> mpb.CheckResult:
    return mpb.CheckResult(
        flagged=result.flagged, action=_ACTION[result.action.value],
        flagged_categories=result.flagged_categories,
        scores=[mpb.CategoryScore(category=c, score=s) for c, s in result.scores.items()],
        spans=[mpb.Span(start=s.start, end=s.end, category=s.category) for s in result.spans],
        masked_text=result.masked_text,
    )


class ModerationServicer(moderation_pb2_grpc.ModerationServicer):
    """Thin adapter over :class:`ModerationService`."""

    def __init__(self, service: ModerationService) -> None:
        self._service = service

    async def Check(self, request: mpb.CheckRequest, context: grpc.aio.ServicerContext) -> mpb.CheckResult:
        return result_to_pb(await self._service.check(request.text, request.policy, request.context))

    async def CheckBatch(self, request: mpb.CheckBatchRequest,
                         context: grpc.aio.ServicerContext) -> mpb.CheckBatchResponse:
        results = await self._service.check_batch(list(request.texts), request.policy, request.context)
        return mpb.CheckBatchResponse(results=[result_to_pb(r) for r in results])
