"""Calling the v1 servicers from HTTP: the routes found in the descriptors, JSON in and
out (protobuf's canonical JSON mapping), and errors in the gRPC face's terms.

The servicers are the gRPC ones, unchanged: an HTTP request becomes the same request
message, the same servicer method runs, and its answer is written as JSON. Errors carry
the HTTP status, the gRPC code name and the same actionable message as on gRPC.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from npcbridge import metrics
from npcbridge.errors import NpcBridgeError
from npcbridge.transport.interceptors import STATUS_FOR_KIND
from npcbridge.transport.servicers import ServedService

log = logging.getLogger(__name__)

#: gRPC code -> HTTP status, as Google's HTTP/JSON mapping of the codes (google.rpc.Code).
HTTP_STATUS = {
    grpc.StatusCode.OK: 200, grpc.StatusCode.CANCELLED: 499, grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400, grpc.StatusCode.DEADLINE_EXCEEDED: 504, grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409, grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429, grpc.StatusCode.FAILED_PRECONDITION: 400, grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400, grpc.StatusCode.UNIMPLEMENTED: 501, grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503, grpc.StatusCode.DATA_LOSS: 500, grpc.StatusCode.UNAUTHENTICATED: 401,
}


class CallError(Exception):
    """A call's failure in the gRPC face's terms: a status code and a message a person can act on."""

    def __init__(self, code: grpc.StatusCode, message: str, http_status: int | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status or HTTP_STATUS.get(code, 500)
        self.retry_after_s = retry_after_s

    def body(self) -> dict[str, Any]:
        """The JSON error body: ``{"code": "NOT_FOUND", "message": "...", "http_status": 404}``
        (and ``retry_after_ms`` when a retry is likely to succeed after that long)."""
        body: dict[str, Any] = {"code": self.code.name, "message": self.message, "http_status": self.http_status}
        if self.retry_after_s is not None:
            body["retry_after_ms"] = int(self.retry_after_s * 1000)
        return body

    def headers(self) -> dict[str, str]:
        """``Retry-After`` (whole seconds, at least 1) for a retry hint."""
        if self.retry_after_s is None:
            return {}
        return {"Retry-After": str(max(1, round(self.retry_after_s)))}


def as_call_error(exc: BaseException, rpc: str) -> CallError:
    """Any failure of a servicer call as a :class:`CallError` (the ErrorInterceptor's mapping)."""
    if isinstance(exc, CallError):
        return exc
    if isinstance(exc, NpcBridgeError):
        return CallError(STATUS_FOR_KIND.get(exc.kind, grpc.StatusCode.INTERNAL), exc.message,
                         retry_after_s=getattr(exc, "retry_after_s", None))
    incident = uuid.uuid4().hex[:8]
    log.error("internal error in %s over HTTP (incident %s)", rpc, incident, exc_info=exc)
    return CallError(grpc.StatusCode.INTERNAL,
                     f"internal error in {rpc} (incident {incident}); the host log has the details, please report it")


class HttpServicerContext:
    """What the servicers use of ``grpc.aio.ServicerContext``, for calls that came over HTTP.
    ``proto_names``: answer with the .proto field names (``session_id``) instead of
    lowerCamelCase (both are protobuf's JSON mapping; clients generated from the .proto,
    such as the Unity package's, use the former)."""

    def __init__(self, metadata: list[tuple[str, str]], proto_names: bool = False) -> None:
        self._metadata = tuple(metadata)
        self.proto_names = proto_names

    async def abort(self, code: grpc.StatusCode, details: str = "") -> None:
        raise CallError(code, details)

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata

    def peer(self) -> str:
        return "http"


@dataclass(frozen=True)
class Rpc:
    """One v1 method reachable at ``/v1/{service}/{method}``."""

    service: ServedService
    method: MethodDescriptor

    @property
    def path(self) -> str:
        return f"/v1/{self.service.descriptor.name}/{self.method.name}"

    @property
    def full_name(self) -> str:
        return f"/{self.service.full_name}/{self.method.name}"

    @property
    def streaming(self) -> bool:
        return self.method.server_streaming

    def request_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method.input_type)

    def parse(self, body: bytes) -> Message | list[Message]:
        """The request message from a JSON body; INVALID_ARGUMENT naming what is wrong. A
        client-streaming method (Transcribe) takes one message or a JSON array of them."""
        if self.method.client_streaming:
            return self._parse_many(body)
        request = self.request_class()()
        if not body.strip():
            return request  # an empty body is the empty message, as an empty protobuf is
        try:
            json_format.Parse(body.decode("utf-8"), request)
        except UnicodeDecodeError:
            raise CallError(grpc.StatusCode.INVALID_ARGUMENT, "the body is not UTF-8 JSON") from None
        except json_format.ParseError as exc:
            raise CallError(grpc.StatusCode.INVALID_ARGUMENT,
                            f"the body is not a valid {self.method.input_type.full_name} in JSON: {exc}") from None
        return request

    def _parse_many(self, body: bytes) -> list[Message]:
        try:
            value = json.loads(body.decode("utf-8")) if body.strip() else []
        except (UnicodeDecodeError, ValueError):
            raise CallError(grpc.StatusCode.INVALID_ARGUMENT, "the body is not UTF-8 JSON") from None
        messages = []
        for item in value if isinstance(value, list) else [value]:
            message = self.request_class()()
            try:
                json_format.ParseDict(item, message)
            except json_format.ParseError as exc:
                raise CallError(grpc.StatusCode.INVALID_ARGUMENT,
                                f"the body is not a valid {self.method.input_type.full_name} (or a JSON array of "
                                f"them): {exc}") from None
            messages.append(message)
        return messages

    def handler(self) -> Any:
        return getattr(self.service.servicer, self.method.name)

    async def unary(self, request: Message | list[Message], context: HttpServicerContext) -> dict[str, Any]:
        if isinstance(request, list):
            request = _aiter(request)
        try:
            response = await self.handler()(request, context)
        except Exception as exc:
            error = as_call_error(exc, self.full_name)
            metrics.REQUESTS.labels(self.full_name, error.code.name).inc()
            raise error from None
        metrics.REQUESTS.labels(self.full_name, "OK").inc()
        return to_json(response, context.proto_names)

    async def stream(self, request: Message, context: HttpServicerContext) -> AsyncIterator[dict[str, Any]]:
        """The method's messages as JSON; closing this iterator closes the servicer's stream
        (a client gone mid-reply aborts generation, as a gRPC cancel does)."""
        responses = self.handler()(request, context)
        try:
            async for response in responses:
                yield to_json(response, context.proto_names)
        except Exception as exc:
            error = as_call_error(exc, self.full_name)
            metrics.REQUESTS.labels(self.full_name, error.code.name).inc()
            raise error from None
        finally:
            await responses.aclose()
        metrics.REQUESTS.labels(self.full_name, "OK").inc()


async def _aiter(messages: list[Message]) -> AsyncIterator[Message]:
    for message in messages:
        yield message


def to_json(message: Message, proto_names: bool = False) -> dict[str, Any]:
    """Protobuf's JSON mapping (lowerCamelCase names; int64 as strings). ``proto_names``: the
    .proto names and every field present, empty lists and zeros too, as the native client
    writes it (serializers of generated classes leave an absent list null, not empty)."""
    return json_format.MessageToDict(message, preserving_proto_field_name=proto_names,
                                     always_print_fields_with_no_presence=proto_names)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def rpc_table(services: list[ServedService]) -> dict[tuple[str, str], Rpc]:
    """Every method of every v1 service, keyed by (service name, method name)."""
    return {(s.descriptor.name, m.name): Rpc(s, m) for s in services for m in s.descriptor.methods}
