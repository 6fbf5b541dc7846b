"""Server bootstrap: grpc.aio server, servicers, health, reflection, TLS, auth,
metrics, and graceful stop."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from npcbridge.app import Host
from npcbridge.errors import ConfigError
from npcbridge.metrics import serve_metrics
from npcbridge.transport.dialogue_servicer import DialogueServicer
from npcbridge.transport.http_server import HttpServer
from npcbridge.transport.interceptors import AuthInterceptor, ErrorInterceptor
from npcbridge.transport.servicers import ServedService, build_services, register_all, service_names

log = logging.getLogger(__name__)

# Beyond the grace period: the gRPC server's own 3 s, the engine's stop (10 s) and closing.
STOP_SLACK_S = 20.0

SERVICE_NAMES = service_names()
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def format_address(host: str, port: int) -> str:
    """``host:port`` with IPv6 literals bracketed."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


class GrpcHost:
    """A :class:`~npcbridge.app.Host` served over gRPC.

    ``start`` binds and serves at once with health NOT_SERVING, then loads the
    model in the background; health turns SERVING when it is loaded.
    """

    def __init__(self, host: Host) -> None:
        self.host = host
        self.settings = host.settings
        self.services: list[ServedService] = build_services(host)
        self.http: HttpServer | None = None
        #: Where the HTTP face binds: the setting (0 = off), or None for off; tests set 0 for a free port.
        self.http_bind: int | None = self.settings.http_port or None
        self.http_port = 0
        self._serving = False
        self.health = HealthServicer()
        self.port = 0
        self._server: grpc.aio.Server | None = None
        self._loading: asyncio.Task[None] | None = None
        self._health_tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.replica = ""  # this host's name in a fleet (settings.replica_id, else hostname:port)

    async def start(self) -> int:
        """Bind, serve and begin loading models; returns the bound port."""
        s = self.settings
        s.check_bind_policy()
        token = s.token()
        interceptors: list[grpc.aio.ServerInterceptor] = [AuthInterceptor(token)] if token else []
        interceptors.append(ErrorInterceptor())
        server = grpc.aio.server(
            interceptors=interceptors,
            options=[
                ("grpc.max_receive_message_length", s.max_message_bytes),
                ("grpc.max_send_message_length", s.max_message_bytes),
                ("grpc.keepalive_time_ms", 30_000),
                ("grpc.keepalive_timeout_ms", 10_000),
                ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
                ("grpc.keepalive_permit_without_calls", 1),
            ],
        )
        register_all(self.services, server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        for name in ["", *SERVICE_NAMES]:
            await self.health.set(name, NOT_SERVING)
        reflection.enable_server_reflection(
            [*SERVICE_NAMES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
            server)

        address = format_address(s.host, s.port)
        try:
            if s.tls_cert and s.tls_key:
                creds = grpc.ssl_server_credentials([(s.tls_key.read_bytes(), s.tls_cert.read_bytes())])
                self.port = server.add_secure_port(address, creds)
            else:
                self.port = server.add_insecure_port(address)
        except (OSError, RuntimeError) as exc:
            raise ConfigError(f"cannot bind {address}: {exc}") from exc
        if not self.port:
            raise ConfigError(f"cannot bind {address}: is the port in use or the address not on this machine?")
        await server.start()
        self._server = server
        self.replica = s.replica_id or f"{socket.gethostname()}:{self.port}"
        for service in self.services:
            if isinstance(service.servicer, DialogueServicer):
                service.servicer.replica = self.replica
        if self.http_bind is not None:
            self.http = HttpServer(s, self.services, lambda: self._serving)
            try:
                self.http_port = await self.http.start(self.http_bind)
            except BaseException:
                await server.stop(None)
                raise
        if s.metrics_port is not None:
            serve_metrics(s.metrics_port, s.host)
        self._loading = asyncio.create_task(self._load(), name="npcbridge-load")
        log.info("listening on %s%s", format_address(s.host, self.port), " (TLS)" if s.tls_cert else "")
        return self.port

    async def _load(self) -> None:
        await self.host.start()
        await self._set_health(True)
        log.info("models loaded; health is SERVING")
        listen = getattr(self.host.engine, "add_ready_listener", None)
        if listen is not None:  # an engine process that dies and restarts flips health
            listen(self._engine_ready_changed)

    def _engine_ready_changed(self, ready: bool) -> None:
        task = asyncio.create_task(self._set_health(ready))
        self._health_tasks.add(task)
        task.add_done_callback(self._health_tasks.discard)

    async def _set_health(self, serving: bool) -> None:
        if self._stopping:
            return
        self._serving = serving
        for name in ["", *SERVICE_NAMES]:
            await self.health.set(name, SERVING if serving else NOT_SERVING)
        if not serving:
            log.warning("dialogue engine is down; health is NOT_SERVING until it is back")

    async def wait_ready(self) -> None:
        """Wait until models are loaded; re-raises a load failure."""
        if self._loading is not None:
            await self._loading

    async def wait_closed(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()

    async def stop(self, grace_s: float | None = None) -> None:
        """Graceful stop: NOT_SERVING (for ``drain_delay_s`` while still serving), refuse new
        calls, let streams finish within the grace period, then end the rest with
        UNAVAILABLE and a clear message."""
        grace = self.settings.grace_period_s if grace_s is None else grace_s
        drain = self.settings.drain_delay_s
        if drain > 0 and self._serving and not self._stopping:
            # Behind a balancer: health says NOT_SERVING while calls are still served, so the
            # balancer's checks move new calls to other replicas before this one refuses any.
            for name in ["", *SERVICE_NAMES]:
                await self.health.set(name, NOT_SERVING)
            log.info("draining: health is NOT_SERVING; new calls are refused in %.1fs", drain)
            await asyncio.sleep(drain)
        self._stopping = True
        self._serving = False
        await self.health.enter_graceful_shutdown()
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
        stopping = None
        if self._server is not None:
            # The server's own deadline is a little later than ours, so our
            # UNAVAILABLE message reaches clients before grpc's plain CANCELLED.
            stopping = asyncio.create_task(self._server.stop(grace + 3.0))
        await self.host.dialogue.shutdown(grace)
        if stopping is not None:
            await stopping
        if self.http is not None:
            await self.http.stop()
        await self.host.close()


def _exit_now(host: Host) -> None:
    log.warning("second stop signal: exiting now without waiting for replies")
    host.engine.terminate()
    os._exit(130)


async def serve_until_signalled(host: Host, on_ready: object = None) -> None:
    """Run ``host`` until SIGINT/SIGTERM, then stop gracefully.

    A second signal while stopping forces the exit at once: the engine process is
    killed and its temporary folder removed. A model that fails to load stops the
    host with the load error.
    """
    import signal

    grpc_host = GrpcHost(host)
    await grpc_host.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():
            _exit_now(host)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    ready = asyncio.create_task(grpc_host.wait_ready())
    stopped = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({ready, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            ready.result()  # raises the load error, if any
            if callable(on_ready):
                on_ready(grpc_host)
            await stopped
        log.info("stopping: letting streams finish for up to %.1fs (Ctrl+C again to exit now)",
                 host.settings.grace_period_s)
    finally:
        for task in (ready, stopped):
            task.cancel()
        # The loop's handler goes when the loop closes: a second Ctrl+C during the rest of the
        # stop must still exit at once with 130, not die of SIGINT's default action.
        signal.signal(signal.SIGINT, lambda *_: on_signal() if not stop.is_set() else _exit_now(host))
        try:
            # Every step of the stop is bounded; this bounds their sum too.
            await asyncio.wait_for(grpc_host.stop(), host.settings.grace_period_s + STOP_SLACK_S)
        except TimeoutError:
            log.error("the host did not stop within %.0fs; exiting now",
                      host.settings.grace_period_s + STOP_SLACK_S)
            host.engine.terminate()
            os._exit(1)
