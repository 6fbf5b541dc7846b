"""npcbridge.v1.Speech: proto in, domain call, proto out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

import grpc

from npcbridge._proto.v1 import speech_pb2 as spb
from npcbridge._proto.v1 import speech_pb2_grpc
from npcbridge.speech.service import SpeechService
from npcbridge.transport.speech_convert import speech_event_to_pb, transcript_to_pb, voice_from_pb, voice_info_to_pb


class SpeechServicer(speech_pb2_grpc.SpeechServicer):
    """Thin adapter over :class:`SpeechService`."""

    def __init__(self, service: SpeechService) -> None:
        self._service = service

    async def Synthesize(self, request: spb.SynthesizeRequest,
                         context: grpc.aio.ServicerContext) -> AsyncIterator[spb.SpeechEvent]:
        events = self._service.synthesize(request.text, voice_from_pb(request.voice), request.safety_policy)
        async with aclosing(events):
            async for event in events:
                yield speech_event_to_pb(event)

    async def ListVoices(self, request: spb.ListVoicesRequest,
                         context: grpc.aio.ServicerContext) -> spb.ListVoicesResponse:
        voices, default = self._service.list_voices()
        return spb.ListVoicesResponse(voices=[voice_info_to_pb(v) for v in voices], default_voice=default)

    async def Transcribe(self, request_iterator: AsyncIterator[spb.AudioInput],
                         context: grpc.aio.ServicerContext) -> spb.Transcript:
        async def inputs() -> AsyncIterator[tuple[bytes, int, str]]:
            async for message in request_iterator:
                yield message.pcm16, message.sample_rate, message.safety_policy

        return transcript_to_pb(await self._service.transcribe(inputs()))
