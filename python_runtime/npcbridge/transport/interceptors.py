"""Server interceptors: bearer-token auth, and one place that maps domain errors
to gRPC status codes and counts calls for metrics."""

from __future__ import annotations

import hmac
import inspect
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from npcbridge import metrics
from npcbridge.errors import NpcBridgeError

log = logging.getLogger(__name__)

STATUS_FOR_KIND = {
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "resource_exhausted": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
    "deadline_exceeded": grpc.StatusCode.DEADLINE_EXCEEDED,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "failed_precondition": grpc.StatusCode.FAILED_PRECONDITION,
    "internal": grpc.StatusCode.INTERNAL,
}

_OWN_PREFIX = "/npcbridge."
#: Trailing metadata on RESOURCE_EXHAUSTED: milliseconds after which a retry is likely admitted.
RETRY_AFTER_KEY = "retry-after-ms"
_OPEN_PREFIX = "/grpc.health.v1.Health/"


def _rebuild(handler: grpc.RpcMethodHandler, **behaviours: Any) -> grpc.RpcMethodHandler:
    """A copy of ``handler`` with some behaviours replaced."""
    return handler._replace(**behaviours)


def _denied_handler(handler: grpc.RpcMethodHandler, message: str) -> grpc.RpcMethodHandler:
    async def deny(request_or_iterator: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    if handler.unary_unary:
        return _rebuild(handler, unary_unary=deny)
    if handler.unary_stream:
        return _rebuild(handler, unary_stream=deny)
    if handler.stream_unary:
        return _rebuild(handler, stream_unary=deny)
    return _rebuild(handler, stream_stream=deny)


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """Every call but health must carry ``authorization: Bearer <token>``."""

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or details.method.startswith(_OPEN_PREFIX):
            return handler
        given = dict(details.invocation_metadata or ()).get("authorization", "")
        given_bytes = given.encode() if isinstance(given, str) else given
        if hmac.compare_digest(given_bytes, self._expected):
            return handler
        why = "missing" if not given else "wrong"
        return _denied_handler(
            handler, f"{why} credentials: send metadata 'authorization: Bearer <token>' with the host's token")


async def _abort_for(exc: BaseException, method: str, context: grpc.aio.ServicerContext) -> None:
    if isinstance(exc, NpcBridgeError):
        code = STATUS_FOR_KIND.get(exc.kind, grpc.StatusCode.INTERNAL)
        metrics.REQUESTS.labels(method, code.name).inc()
        retry = getattr(exc, "retry_after_s", None)
        if retry is not None:  # the same hint grpc's retry policies and Envoy read
            context.set_trailing_metadata(((RETRY_AFTER_KEY, str(int(retry * 1000))),))
        await context.abort(code, exc.message)
    incident = uuid.uuid4().hex[:8]
    log.error("internal error in %s (incident %s)", method, incident, exc_info=exc)
    metrics.REQUESTS.labels(method, "INTERNAL").inc()
    await context.abort(
        grpc.StatusCode.INTERNAL,
        f"internal error in {method} (incident {incident}); the host log has the details, please report it",
    )


class _Undecodable:
    """Stands in for a request that failed to parse, so we can answer INVALID_ARGUMENT
    (grpc's own answer to a bad request is INTERNAL, which misleads)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _lenient(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception as exc:  # protobuf's DecodeError: e.g. a string field that is not UTF-8
            return _Undecodable(exc)

    return parse


async def _refuse_undecodable(request: Any, context: grpc.aio.ServicerContext) -> None:
    if isinstance(request, _Undecodable):
        await context.abort(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"the request could not be decoded ({request.error}); string fields must be valid UTF-8")


async def _answer(call: Awaitable[Any], method: str, context: grpc.aio.ServicerContext) -> Any:
    """A unary answer, with a failure mapped to its status."""
    try:
        response = await call
    except (grpc.aio.AbortError, KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        await _abort_for(exc, method, context)
    metrics.REQUESTS.labels(method, "OK").inc()
    return response


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Maps :class:`NpcBridgeError` to statuses and hides tracebacks from clients.

    Covers the npcbridge services (unary, server- and client-streaming); health and
    reflection are grpc's own and pass through untouched.
    """

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method = details.method
        if handler is None or not method.startswith(_OWN_PREFIX):
            return handler
        if handler.unary_unary:
            inner_unary = handler.unary_unary

            async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                await _refuse_undecodable(request, context)
                return await _answer(inner_unary(request, context), method, context)

            return _rebuild(handler, unary_unary=unary, request_deserializer=_lenient(handler.request_deserializer))
        if handler.stream_unary:  # client-streaming (Speech.Transcribe)
            inner_client_stream = handler.stream_unary

            async def client_stream(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
                async def checked() -> AsyncIterator[Any]:
                    async for request in requests:
                        await _refuse_undecodable(request, context)
                        yield request

                return await _answer(inner_client_stream(checked(), context), method, context)

            return _rebuild(handler, stream_unary=client_stream,
                            request_deserializer=_lenient(handler.request_deserializer))
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                await _refuse_undecodable(request, context)
                responses = inner_stream(request, context)
                if inspect.isawaitable(responses):  # a handler that writes with context.write
                    try:
                        await responses
                    except (grpc.aio.AbortError, KeyboardInterrupt, SystemExit):
                        raise
                    except Exception as exc:
                        await _abort_for(exc, method, context)
                    return
                try:
                    async for response in responses:
                        yield response
                except (grpc.aio.AbortError, KeyboardInterrupt, SystemExit):
                    raise
                except Exception as exc:
                    await _abort_for(exc, method, context)
                finally:
                    # Close the inner stream now (client cancelled, or we failed):
                    # that is what turns a cancellation into an engine abort.
                    await responses.aclose()
                metrics.REQUESTS.labels(method, "OK").inc()

            return _rebuild(handler, unary_stream=stream, request_deserializer=_lenient(handler.request_deserializer))
        return handler
