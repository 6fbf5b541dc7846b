"""Serving the HTTP face with uvicorn inside the host's event loop, beside gRPC."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator

import uvicorn

from npcbridge.config import Settings
from npcbridge.errors import ConfigError
from npcbridge.transport.http_app import HttpFace
from npcbridge.transport.servicers import ServedService

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The host owns SIGINT/SIGTERM (graceful drain of both faces): uvicorn must not take them.
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one), or ConfigError saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot bind the HTTP port {host}:{port} ({exc.strerror}); choose another with "
                          "--http-port N, or turn the HTTP face off with --http-port 0") from None
    # Accepted connections inherit this: without it, a keep-alive connection's next answer waits
    # ~40 ms for the client's delayed ACK (Nagle), on every call after the first.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(512)
    sock.setblocking(False)
    return sock


class HttpServer:
    """The HTTP/JSON, SSE and WebSocket face on ``settings.http_port`` (same bind address and TLS as gRPC)."""

    def __init__(self, settings: Settings, services: list[ServedService], ready: Callable[[], bool]) -> None:
        self.settings = settings
        self.face = HttpFace(services, settings.token(), settings.max_message_bytes, ready, settings.cors_origins)
        self.port = 0
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, port: int) -> int:
        s = self.settings
        sock = bind(s.host, port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.face.app(), log_level="warning", access_log=False, lifespan="off",
                                ws="websockets-sansio", ws_max_size=s.max_message_bytes,
                                ssl_certfile=str(s.tls_cert) if s.tls_cert else None,
                                ssl_keyfile=str(s.tls_key) if s.tls_key else None,
                                timeout_graceful_shutdown=max(1, int(s.grace_period_s)))
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="npcbridge-http")
        for _ in range(200):  # started within a second or two; fail loudly otherwise
            if self._server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()
        scheme = "https" if s.tls_cert else "http"
        log.info("HTTP face on %s://%s:%d (JSON, SSE, WebSocket; /openapi.json)", scheme, s.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, self.settings.grace_period_s + 3.0)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()
