"""Serving a stand-in host for the native tests: one gRPC server on 127.0.0.1 until SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Callable
from concurrent import futures

import grpc


def serve(port: int, register: Callable[[grpc.Server], None]) -> None:
    """``register`` adds the servicers; blocks until SIGTERM."""
    server = grpc.server(futures.ThreadPoolExecutor(4))
    register(server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()
