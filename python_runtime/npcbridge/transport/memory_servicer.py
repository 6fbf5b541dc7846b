"""npcbridge.v1.Memory: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from npcbridge._proto.v1 import memory_pb2 as mpb
from npcbridge._proto.v1 import memory_pb2_grpc
from npcbridge.errors import InvalidArgument
from npcbridge.memory.service import MemoryService
from npcbridge.memory.types import MemoryItem, Relationship


def memory_to_pb(m: MemoryItem) -> mpb.MemoryItem:
    return mpb.MemoryItem(id=m.id, player_id=m.player_id, character_id=m.character_id, text=m.text,
                          importance=m.importance, created_at_ms=m.created_at_ms)


def relationship_to_pb(r: Relationship) -> mpb.Relationship:
    return mpb.Relationship(player_id=r.player_id, character_id=r.character_id, affinity=r.affinity, trust=r.trust,
                            interactions=r.interactions, updated_at_ms=r.updated_at_ms)


class MemoryServicer(memory_pb2_grpc.MemoryServicer):
    """Thin adapter over :class:`MemoryService`."""

    def __init__(self, service: MemoryService) -> None:
        self._service = service

    async def ListMemories(self, request: mpb.ListMemoriesRequest,
                           context: grpc.aio.ServicerContext) -> mpb.ListMemoriesResponse:
        items = await self._service.list_memories(request.player_id, request.character_id)
        return mpb.ListMemoriesResponse(memories=[memory_to_pb(m) for m in items])

    async def AddMemory(self, request: mpb.AddMemoryRequest, context: grpc.aio.ServicerContext) -> mpb.MemoryItem:
        if not request.HasField("memory"):
            raise InvalidArgument("memory is missing; send AddMemoryRequest{memory: {...}}")
        m = request.memory
        return memory_to_pb(await self._service.add_memory(
            MemoryItem("", m.player_id, m.character_id, m.text, m.importance, m.created_at_ms)))

    async def DeleteMemory(self, request: mpb.DeleteMemoryRequest,
                           context: grpc.aio.ServicerContext) -> mpb.DeleteMemoryResponse:
        await self._service.delete_memory(request.id)
        return mpb.DeleteMemoryResponse()

    async def ForgetPlayer(self, request: mpb.ForgetPlayerRequest,
                           context: grpc.aio.ServicerContext) -> mpb.ForgetPlayerResponse:
        sessions, memories, relationships = await self._service.forget_player(request.player_id)
        return mpb.ForgetPlayerResponse(sessions=sessions, memories=memories, relationships=relationships)

    async def GetRelationship(self, request: mpb.GetRelationshipRequest,
                              context: grpc.aio.ServicerContext) -> mpb.Relationship:
        return relationship_to_pb(await self._service.get_relationship(request.player_id, request.character_id))

    async def SetRelationship(self, request: mpb.SetRelationshipRequest,
                              context: grpc.aio.ServicerContext) -> mpb.Relationship:
        r = request.relationship
        return relationship_to_pb(await self._service.set_relationship(
            Relationship(r.player_id, r.character_id, r.affinity, r.trust)))
