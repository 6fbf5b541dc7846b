"""npcbridge.v1.Dialogue: proto in, domain call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

import grpc

from npcbridge._proto.v1 import dialogue_pb2 as dpb
from npcbridge._proto.v1 import dialogue_pb2_grpc
from npcbridge.dialogue.service import DialogueService
from npcbridge.errors import InvalidArgument
from npcbridge.transport.convert import (
    character_from_pb,
    character_to_pb,
    event_to_pb,
    say_options_from_pb,
    session_to_pb,
)


REPLICA_KEY = "x-npc-replica"


class DialogueServicer(dialogue_pb2_grpc.DialogueServicer):
    """Thin adapter over :class:`DialogueService`; errors map in the interceptor."""

    def __init__(self, service: DialogueService) -> None:
        self._service = service
        #: This host's name in a fleet; sent with every Say as ``x-npc-replica`` metadata.
        self.replica = ""

    async def UpsertCharacter(self, request: dpb.UpsertCharacterRequest, context: grpc.aio.ServicerContext) -> dpb.Character:
        if not request.HasField("character"):
            raise InvalidArgument("character is missing; send UpsertCharacterRequest{character: {...}}")
        saved = await self._service.upsert_character(character_from_pb(request.character))
        return character_to_pb(saved)

    async def GetCharacter(self, request: dpb.GetCharacterRequest, context: grpc.aio.ServicerContext) -> dpb.Character:
        return character_to_pb(await self._service.get_character(request.id))

    async def ListCharacters(self, request: dpb.ListCharactersRequest,
                             context: grpc.aio.ServicerContext) -> dpb.ListCharactersResponse:
        characters = await self._service.list_characters()
        return dpb.ListCharactersResponse(characters=[character_to_pb(c) for c in characters])

    async def ListAdapters(self, request: dpb.ListAdaptersRequest,
                           context: grpc.aio.ServicerContext) -> dpb.ListAdaptersResponse:
        return dpb.ListAdaptersResponse(adapters=[
            dpb.AdapterInfo(name=a.name, base_model=a.base_model, rank=a.rank, loaded=a.loaded, size_bytes=a.size_bytes)
            for a in self._service.list_adapters()])

    async def DeleteCharacter(self, request: dpb.DeleteCharacterRequest,
                              context: grpc.aio.ServicerContext) -> dpb.DeleteCharacterResponse:
        await self._service.delete_character(request.id)
        return dpb.DeleteCharacterResponse()

    async def CreateSession(self, request: dpb.CreateSessionRequest, context: grpc.aio.ServicerContext) -> dpb.Session:
        return session_to_pb(await self._service.create_session(request.character_id, request.player_id))

    async def GetSession(self, request: dpb.GetSessionRequest, context: grpc.aio.ServicerContext) -> dpb.Session:
        return session_to_pb(await self._service.get_session(request.id))

    async def DeleteSession(self, request: dpb.DeleteSessionRequest,
                            context: grpc.aio.ServicerContext) -> dpb.DeleteSessionResponse:
        await self._service.delete_session(request.id)
        return dpb.DeleteSessionResponse()

    async def Say(self, request: dpb.SayRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[dpb.DialogueEvent]:
        if self.replica and hasattr(context, "send_initial_metadata"):  # (the HTTP face has no metadata)
            await context.send_initial_metadata(((REPLICA_KEY, self.replica),))
        events = self._service.say(request.session_id, request.text, say_options_from_pb(request))
        async with aclosing(events):
            async for event in events:
                yield event_to_pb(event)
