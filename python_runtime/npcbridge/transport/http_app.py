"""The HTTP face of the v1 contract (starlette): the same servicers as gRPC, over
HTTP/1.1 with JSON, Server-Sent Events and WebSocket.

- ``POST /v1/{Service}/{Method}``: a unary RPC; body and answer in protobuf's JSON mapping.
- The same path for a server-streaming RPC (``Dialogue/Say``, ``Avatars/Generate``) answers
  ``text/event-stream``: one ``data:`` event per message; a failure after the first
  message is an ``event: error`` with the error body.
- ``GET /v1/{Service}/{Method}/ws``: WebSocket for a server-streaming RPC. Each text frame
  the client sends is a request; the host answers with one frame per message and then
  ``{"done": true}``; ``{"cancel": true}`` stops the running call (generation stops); an
  error is ``{"error": {...}}``. Browsers cannot set headers on a WebSocket: the token may
  come as ``?access_token=``.
- ``GET /openapi.json``: the OpenAPI document generated from the descriptors.
- ``GET /``: the character studio page (``/studio/...`` its assets).
- ``GET /healthz``: ``{"status": "SERVING"}`` once the models are loaded (503 before).
Answers use lowerCamelCase names; the header ``X-Json-Names: proto`` (or ``?json_names=proto``)
asks for the .proto names with every field present (for classes generated from the .proto).
Requests may use either.
Errors: HTTP status + ``{"code": "<gRPC code name>", "message": "...", "http_status": N}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import grpc
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from npcbridge.transport.http_calls import CallError, HttpServicerContext, Rpc, dumps, rpc_table
from npcbridge.transport.openapi import openapi_document
from npcbridge.transport.servicers import ServedService

#: The character studio's page and assets (plain HTML/JS/CSS, served at ``/``).
STUDIO_DIR = Path(__file__).resolve().parent.parent / "studio"
AUTH_HINT = "send the header 'Authorization: Bearer <token>' with the host's token"


def error_response(error: CallError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.http_status, headers=error.headers())


class HttpFace:
    """Builds the starlette app over ``services``; ``ready()`` says whether models are loaded."""

    def __init__(self, services: list[ServedService], token: str | None, max_body_bytes: int,
                 ready: Callable[[], bool], cors_origins: list[str] | None = None) -> None:
        self.rpcs = rpc_table(services)
        self.services = services
        self._expected = f"Bearer {token}".encode() if token else None
        self.max_body_bytes = max_body_bytes
        self.ready = ready
        self.cors_origins = list(cors_origins or [])
        self._openapi: dict[str, Any] | None = None

    def app(self) -> Starlette:
        middleware = []
        if self.cors_origins:
            middleware.append(Middleware(CORSMiddleware, allow_origins=self.cors_origins,
                                         allow_methods=["GET", "POST", "OPTIONS"],
                                         allow_headers=["authorization", "content-type"]))
        routes = [
            Route("/", self.studio, methods=["GET"]),
            Mount("/studio", StaticFiles(directory=STUDIO_DIR), name="studio"),
            Route("/openapi.json", self.openapi, methods=["GET"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/v1/{service}/{method}", self.call, methods=["POST"]),
            WebSocketRoute("/v1/{service}/{method}/ws", self.websocket),
        ]
        return Starlette(routes=routes, middleware=middleware,
                         exception_handlers={404: self._not_found, 405: self._wrong_method})

    # Plumbing ------------------------------------------------------------------------

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return error_response(CallError(grpc.StatusCode.NOT_FOUND,
                                        f"no such path {request.url.path}; RPCs are POST /v1/<Service>/<Method> "
                                        "(GET /openapi.json lists them)"))

    async def _wrong_method(self, request: Request, exc: Exception) -> Response:
        return error_response(CallError(grpc.StatusCode.UNIMPLEMENTED,
                                        f"{request.method} {request.url.path}: RPCs take POST with a JSON body",
                                        http_status=405))

    def _check_auth(self, header: str | None, query_token: str | None = None) -> None:
        if self._expected is None:
            return
        given = header or (f"Bearer {query_token}" if query_token else "")
        if not hmac.compare_digest(given.encode(), self._expected):
            why = "missing" if not given else "wrong"
            raise CallError(grpc.StatusCode.UNAUTHENTICATED, f"{why} credentials: {AUTH_HINT}")

    def _rpc(self, service: str, method: str) -> Rpc:
        rpc = self.rpcs.get((service, method))
        if rpc is None:
            raise CallError(grpc.StatusCode.UNIMPLEMENTED,
                            f"no RPC {service}/{method} in the v1 contract; GET /openapi.json lists them")
        return rpc

    async def _body(self, request: Request) -> bytes:
        """The body, refused past the message limit (without reading all of a huge one)."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_big(int(declared))
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_big(size)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_big(self, size: int) -> CallError:
        return CallError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                         f"the body is {size}+ bytes; at most {self.max_body_bytes} (max_message_bytes)", 413)

    @staticmethod
    def _context(headers: Any, query: Any) -> HttpServicerContext:
        metadata = [(k.lower(), v) for k, v in headers.items() if k.lower() not in ("authorization", "cookie")]
        names = headers.get("x-json-names") or query.get("json_names") or ""
        return HttpServicerContext(metadata, proto_names=names.lower() == "proto")

    # Endpoints -----------------------------------------------------------------------

    async def openapi(self, request: Request) -> Response:
        if self._openapi is None:
            self._openapi = openapi_document(self.services)
        return JSONResponse(self._openapi)

    async def studio(self, request: Request) -> Response:
        """The character studio (its calls carry the token the page asks for, like any client's)."""
        return FileResponse(STUDIO_DIR / "index.html", headers={"cache-control": "no-cache"})

    async def healthz(self, request: Request) -> Response:
        serving = self.ready()
        return JSONResponse({"status": "SERVING" if serving else "NOT_SERVING"}, status_code=200 if serving else 503)

    async def call(self, request: Request) -> Response:
        try:
            self._check_auth(request.headers.get("authorization"))
            rpc = self._rpc(request.path_params["service"], request.path_params["method"])
            message = rpc.parse(await self._body(request))
            context = self._context(request.headers, request.query_params)
            if not rpc.streaming:
                return JSONResponse(await rpc.unary(message, context))
            stream = rpc.stream(message, context)
            try:  # the first message before the headers: early errors keep their HTTP status
                first = await anext(stream)
            except StopAsyncIteration:
                first = None
        except CallError as error:
            return error_response(error)
        return StreamingResponse(self._sse(first, stream), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})

    @staticmethod
    async def _sse(first: dict[str, Any] | None, stream: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
        try:
            if first is not None:
                yield f"data: {dumps(first)}\n\n"
                async for item in stream:
                    yield f"data: {dumps(item)}\n\n"
        except CallError as error:
            yield f"event: error\ndata: {dumps(error.body())}\n\n"
        finally:  # also when the client went away: closing the stream aborts generation
            await stream.aclose()

    async def websocket(self, socket: WebSocket) -> None:
        try:
            self._check_auth(socket.headers.get("authorization"), socket.query_params.get("access_token"))
            rpc = self._rpc(socket.path_params["service"], socket.path_params["method"])
            if not rpc.streaming:
                raise CallError(grpc.StatusCode.UNIMPLEMENTED,
                                f"{rpc.path} is unary: call it with POST; WebSocket serves streaming RPCs")
        except CallError as error:
            await socket.accept()
            await socket.send_text(dumps({"error": error.body()}))
            await socket.close(code=1008)
            return
        await socket.accept()
        context = self._context(socket.headers, socket.query_params)
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                frame = await socket.receive_text()
                if _is_cancel(frame):
                    continue  # nothing running
                await self._ws_call(socket, rpc, frame, context)

    async def _ws_call(self, socket: WebSocket, rpc: Rpc, frame: str, context: HttpServicerContext) -> None:
        """One request on the socket; a ``{"cancel": true}`` frame (or a close) stops it."""

        async def relay() -> None:
            stream = rpc.stream(rpc.parse(frame.encode()), context)
            try:
                async for item in stream:
                    await socket.send_text(dumps(item))
            finally:
                await stream.aclose()

        running = asyncio.create_task(relay())
        listening = asyncio.create_task(socket.receive_text())
        try:
            while not running.done():
                await asyncio.wait({running, listening}, return_when=asyncio.FIRST_COMPLETED)
                if listening.done():
                    if listening.exception() is not None or _is_cancel(listening.result()):
                        running.cancel()
                        break
                    listening = asyncio.create_task(socket.receive_text())  # ignore other frames meanwhile
            await asyncio.wait({running})
            error = running.exception() if not running.cancelled() else None
            if isinstance(error, WebSocketDisconnect) or (listening.done() and listening.exception() is not None):
                raise WebSocketDisconnect()
            if error is not None:
                body = error.body() if isinstance(error, CallError) else \
                    CallError(grpc.StatusCode.INTERNAL, "internal error; the host log has the details").body()
                await socket.send_text(dumps({"error": body}))
            else:
                await socket.send_text(dumps({"cancelled": True} if running.cancelled() else {"done": True}))
        finally:
            if not listening.done():
                listening.cancel()


def _is_cancel(frame: str) -> bool:
    try:
        value = json.loads(frame)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("cancel") is True
