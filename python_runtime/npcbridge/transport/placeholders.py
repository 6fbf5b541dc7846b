"""Services in the v1 contract that this host does not serve (not built yet, or
switched off by settings): their RPCs answer UNIMPLEMENTED with a message that
says so, and ServerInfo reports the capability as false."""

from __future__ import annotations

from typing import Any

import grpc

from npcbridge._proto.v1 import avatar_pb2_grpc, moderation_pb2_grpc, speech_pb2_grpc


async def _unimplemented(context: grpc.aio.ServicerContext, service: str, flag: str) -> None:
    await context.abort(
        grpc.StatusCode.UNIMPLEMENTED,
        f"{service} is not served by this host (ServerInfo.capabilities.{flag} is false); "
        "enable it in the host settings or upgrade the host to a version that provides it",
    )


class AvatarsPlaceholder(avatar_pb2_grpc.AvatarsServicer):
    async def ListAttributes(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _unimplemented(context, "npcbridge.v1.Avatars", "avatars")

    async def Generate(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _unimplemented(context, "npcbridge.v1.Avatars", "avatars")


class ModerationPlaceholder(moderation_pb2_grpc.ModerationServicer):
    async def Check(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _unimplemented(context, "npcbridge.v1.Moderation", "moderation")

    async def CheckBatch(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _unimplemented(context, "npcbridge.v1.Moderation", "moderation")


class SpeechPlaceholder(speech_pb2_grpc.SpeechServicer):
    async def Synthesize(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _unimplemented(context, "npcbridge.v1.Speech", "speech")

    async def ListVoices(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await _unimplemented(context, "npcbridge.v1.Speech", "speech")

    async def Transcribe(self, request_iterator: Any, context: grpc.aio.ServicerContext) -> Any:
        await _unimplemented(context, "npcbridge.v1.Speech", "speech")
