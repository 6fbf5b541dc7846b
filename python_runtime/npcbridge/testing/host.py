"""A real gRPC host on an ephemeral 127.0.0.1 port, run on a background event loop."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from npcbridge.app import Host
from npcbridge.config import Settings, load_settings
from npcbridge.engine.interface import Engine
from npcbridge.engine.scripted import ScriptedEngine
from npcbridge.transport.client import HostClient
from npcbridge.transport.server import GrpcHost

DEFAULT_SCRIPT: dict[str, Any] = {
    "replies": [
        {"pattern": r"\bhello\b|\bhi\b", "reply": "Well met, traveller. I am {character}."},
        {"pattern": r"\bstory\b", "reply": " ".join(f"word{i}" for i in range(200))},
    ],
    "default": "You said: {text}",
}


def scripted_engine(script: dict[str, Any] | None = None, token_delay_ms: float | None = None) -> ScriptedEngine:
    """A scripted engine from a dict (default: :data:`DEFAULT_SCRIPT`)."""
    data = dict(script or DEFAULT_SCRIPT)
    if token_delay_ms is not None:
        data["token_delay_ms"] = token_delay_ms
    return ScriptedEngine.from_data(data)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningHost:
    """A started :class:`GrpcHost` plus the loop thread it runs on."""

    def __init__(self, settings: Settings, engine: Engine | None = None, http: bool = False) -> None:
        self.settings = settings
        self.host = Host.create(settings, engine)
        self.grpc_host = GrpcHost(self.host)
        # The HTTP face on a free port when asked for, else off (hosts of one test run never collide on 8080).
        self.grpc_host.http_bind = 0 if http else None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="npcbridge-test-host", daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_host.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.grpc_host.http_port}"

    def run(self, coro: Any, timeout: float | None = 300) -> Any:
        """Run a coroutine on the host's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self, wait_ready: bool = True) -> RunningHost:
        self._thread.start()
        self.run(self.grpc_host.start())
        if wait_ready:
            self.run(self.grpc_host.wait_ready())
        return self

    def stop(self, grace_s: float = 1.0) -> None:
        try:
            self.run(self.grpc_host.stop(grace_s))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def client(self, token: str | None = None, **kwargs: Any) -> HostClient:
        """A client connected to this host."""
        return HostClient(self.address, token, **kwargs)


@contextmanager
def running_host(engine: Engine | None = None, http: bool = False, **settings: Any) -> Iterator[RunningHost]:
    """Start a host on 127.0.0.1 (free port, in-memory db unless given), stop it after.
    ``http``: also serve the HTTP face, on a free port (``host.http_url``).

    With neither ``engine`` nor a ``backend`` setting, the scripted default engine
    answers; ``backend="transformers"`` loads the configured model for real.
    """
    if engine is None and "backend" not in settings:
        engine = scripted_engine()
    host = RunningHost(load_settings(**{"port": 0, "db": ":memory:", **settings}), engine, http=http).start()
    try:
        yield host
    finally:
        host.stop()
