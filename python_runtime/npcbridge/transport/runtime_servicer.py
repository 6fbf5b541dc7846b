"""npcbridge.v1.Runtime (the handshake), and placeholders for services that are
declared in the contract but not served yet."""

from __future__ import annotations

import logging
from collections.abc import Callable

import grpc

from npcbridge._proto.v1 import runtime_pb2 as rpb
from npcbridge._proto.v1 import runtime_pb2_grpc
from npcbridge.app import ServerInfo
from npcbridge.transport.convert import server_info_to_pb

log = logging.getLogger(__name__)


class RuntimeServicer(runtime_pb2_grpc.RuntimeServicer):
    """Answers GetServerInfo from the host's current state."""

    def __init__(self, info: Callable[[], ServerInfo]) -> None:
        self._info = info

    async def GetServerInfo(self, request: rpb.GetServerInfoRequest, context: grpc.aio.ServicerContext) -> rpb.ServerInfo:
        if request.client_name or request.client_api_version:
            log.debug("handshake from %s (api %s)", request.client_name or "?", request.client_api_version or "?")
        return server_info_to_pb(self._info())
