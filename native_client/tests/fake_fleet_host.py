"""A stand-in host that records each call's ``x-npc-character`` routing header, so the
native tests can check what a client sends a balancer; the real twin is
tests/integration/test_fleet.py (three hosts, Redis and HAProxy).

    python fake_fleet_host.py PORT RECORD_FILE

GetSession answers UNAVAILABLE twice before it answers (a replica gone, then back);
Say answers UNAVAILABLE, or ends with no status (UNKNOWN) when the line says "cut",
as a balancer does when the replica serving a stream dies.
"""

from __future__ import annotations

import sys
import threading

import grpc
from fake_server import serve

from npcbridge._proto.v1 import dialogue_pb2 as dpb
from npcbridge._proto.v1 import dialogue_pb2_grpc


class Dialogue(dialogue_pb2_grpc.DialogueServicer):
    def __init__(self, record: str) -> None:
        self.record = record
        self.lock = threading.Lock()
        self.get_session_calls = 0

    def _record(self, method: str, context) -> None:  # noqa: ANN001
        character = dict(context.invocation_metadata()).get("x-npc-character", "")
        with self.lock, open(self.record, "a") as f:
            f.write(f"{method} {character}\n")

    def CreateSession(self, request, context):  # noqa: N802 - gRPC method name
        self._record("CreateSession", context)
        return dpb.Session(id="ses_1", character_id=request.character_id, player_id=request.player_id)

    def GetCharacter(self, request, context):  # noqa: N802
        self._record("GetCharacter", context)
        return dpb.Character(id=request.id, name="Smith")

    def GetSession(self, request, context):  # noqa: N802
        self._record("GetSession", context)
        with self.lock:
            self.get_session_calls += 1
            calls = self.get_session_calls
        if calls <= 2:
            context.abort(grpc.StatusCode.UNAVAILABLE, "replica gone")
        return dpb.Session(id=request.id, character_id="smith")

    def Say(self, request, context):  # noqa: N802
        self._record("Say", context)
        if "cut" in request.text:
            context.abort(grpc.StatusCode.UNKNOWN, "Stream removed")
        context.abort(grpc.StatusCode.UNAVAILABLE, "replica draining")
        yield  # a generator: Say is a server stream


def main() -> None:
    port, record = int(sys.argv[1]), sys.argv[2]
    serve(port, lambda server: dialogue_pb2_grpc.add_DialogueServicer_to_server(Dialogue(record), server))


if __name__ == "__main__":
    main()
