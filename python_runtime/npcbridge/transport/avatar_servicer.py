"""npcbridge.v1.Avatars: proto in, domain call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from npcbridge._proto.v1 import avatar_pb2 as apb
from npcbridge._proto.v1 import avatar_pb2_grpc
from npcbridge.avatar.models import AvatarResult
from npcbridge.avatar.service import AvatarService, Progress


def avatar_to_pb(a: AvatarResult) -> apb.Avatar:
    return apb.Avatar(
        id=a.id, seed=a.seed, latent=a.latent, png=a.png, width=a.width, height=a.height,
        spec=apb.AvatarSpec(attributes=a.attributes, colors=a.colors, morph_targets=a.morph_targets,
                            expression=a.expression),
    )


class AvatarsServicer(avatar_pb2_grpc.AvatarsServicer):
    """Thin adapter over :class:`AvatarService`."""

    def __init__(self, service: AvatarService) -> None:
        self._service = service

    async def ListAttributes(self, request: apb.ListAttributesRequest,
                             context: grpc.aio.ServicerContext) -> apb.ListAttributesResponse:
        return apb.ListAttributesResponse(
            attributes=[apb.Attribute(name=name, values=values)
                        for name, values in self._service.list_attributes().items()],
            expressions=[apb.Expression(name=name, morph_targets=weights)
                         for name, weights in self._service.list_expressions().items()])

    async def Generate(self, request: apb.GenerateAvatarRequest,
                       context: grpc.aio.ServicerContext) -> AsyncIterator[apb.AvatarEvent]:
        jobs = await self._service.plan(
            dict(request.attributes), request.description, request.count,
            seed=request.seed if request.HasField("seed") else None,
            truncation=request.truncation if request.HasField("truncation") else None,
            expression=request.expression)
        async for event in self._service.generate(jobs):
            if isinstance(event, Progress):
                yield apb.AvatarEvent(progress=apb.Progress(
                    completed=event.completed, total=event.total, stage=event.stage))
            else:
                yield apb.AvatarEvent(avatar=avatar_to_pb(event))
