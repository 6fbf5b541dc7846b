"""A small Python client of the HTTP face (JSON, SSE, WebSocket), for tools and benchmarks.

Game engines use their own HTTP stacks; this one is what the bench and tests measure
the face with, and a reference for what a client sends and reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect


class HttpCallError(Exception):
    """An error answer of the HTTP face: the gRPC code name and the message."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(f"{body.get('code')}: {body.get('message')}")
        self.code = body.get("code", "UNKNOWN")
        self.message = body.get("message", "")


class HttpHostClient:
    """``POST /v1/{Service}/{Method}`` calls and Say streams over SSE or WebSocket."""

    def __init__(self, base_url: str, token: str | None = None, timeout_s: float = 300.0,
                 connections: int = 256) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s,
                                 limits=httpx.Limits(max_connections=connections,
                                                     max_keepalive_connections=connections))

    def call(self, service: str, method: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A unary RPC; its answer as canonical JSON, or :class:`HttpCallError`."""
        response = self.http.post(f"/v1/{service}/{method}", json=body or {})
        if response.status_code != 200:
            raise HttpCallError(response.json())
        return response.json()

    def stream(self, service: str, method: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """A server-streaming RPC over Server-Sent Events: one dict per message."""
        with self.http.stream("POST", f"/v1/{service}/{method}", json=body) as response:
            if response.status_code != 200:
                response.read()
                raise HttpCallError(response.json())
            event = "message"
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if event == "error":
                        raise HttpCallError(data)
                    yield data
                    event = "message"

    def say(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """``Dialogue/Say`` over SSE; ``body`` is a SayRequest in JSON."""
        return self.stream("Dialogue", "Say", body)

    def websocket(self, service: str = "Dialogue", method: str = "Say") -> WebSocketStream:
        return WebSocketStream(self, service, method)

    def close(self) -> None:
        self.http.close()


class WebSocketStream:
    """One open WebSocket for a streaming RPC; each :meth:`call` is one request on it."""

    def __init__(self, client: HttpHostClient, service: str, method: str) -> None:
        url = client.base_url.replace("http", "ws", 1) + f"/v1/{service}/{method}/ws"
        headers = {"authorization": f"Bearer {client.token}"} if client.token else None
        self.socket: ClientConnection = connect(url, additional_headers=headers, max_size=None)

    def call(self, body: dict[str, Any], timeout_s: float = 300.0) -> Iterator[dict[str, Any]]:
        """The messages of one call; ends at ``{"done": true}`` or ``{"cancelled": true}``."""
        self.socket.send(json.dumps(body))
        while True:
            frame = json.loads(self.socket.recv(timeout=timeout_s))
            if "error" in frame:
                raise HttpCallError(frame["error"])
            if frame.keys() & {"done", "cancelled"}:
                return
            yield frame

    def cancel(self) -> None:
        self.socket.send(json.dumps({"cancel": True}))

    def close(self) -> None:
        self.socket.close()
