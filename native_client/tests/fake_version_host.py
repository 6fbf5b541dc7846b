"""A stand-in host that answers GetServerInfo with a chosen API version, so the
native tests can check the handshake against hosts older and newer than them.

    python fake_version_host.py PORT API_VERSION
"""

from __future__ import annotations

import sys

from fake_server import serve

from npcbridge._proto.v1 import runtime_pb2, runtime_pb2_grpc


class Runtime(runtime_pb2_grpc.RuntimeServicer):
    def __init__(self, version: str) -> None:
        self.version = version

    def GetServerInfo(self, request, context):  # noqa: N802 - gRPC method name
        return runtime_pb2.ServerInfo(api_version=self.version, runtime_version="fake")


def main() -> None:
    port, version = int(sys.argv[1]), sys.argv[2]
    serve(port, lambda server: runtime_pb2_grpc.add_RuntimeServicer_to_server(Runtime(version), server))


if __name__ == "__main__":
    main()
